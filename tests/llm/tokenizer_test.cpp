// Tokenizer behaviour beyond the vectors: streaming detokenisation, special tokens, bad metadata.
#include "airan/llm/tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gguf_builder.h"
#include "test_data.h"

namespace airan::llm {
namespace {

// Strict UTF-8 check, written independently of the library's decoder.
bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (b < 0x80) {
      n = 1, cp = b;
    } else if (b >= 0xC2 && b <= 0xDF) {
      n = 2, cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      n = 3, cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      n = 4, cp = b & 0x07;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n;
  }
  return true;
}

Tokenizer load(const std::string& rel) {
  auto f = GgufFile::open(test::data_path(rel));
  EXPECT_TRUE(f) << f.error().message;
  auto t = Tokenizer::from_gguf(*f);
  EXPECT_TRUE(t) << t.error().message;
  return *t;
}

TEST(StreamingDetokenizer, JapaneseByteTokensNeverCutACharacter) {
  const Tokenizer tok = load("llm/vocab/ggml-vocab-llama-spm.gguf");
  const std::string text =
      "日本語のテキスト、こんにちは。𠮷野家で🦙を食べた";
  const auto ids = tok.encode(text, false);
  size_t byte_tokens = 0;
  for (TokenId id : ids) byte_tokens += tok.token_kind(id) == TokenKind::kByte;
  ASSERT_GT(byte_tokens, 3u) << "the text should need byte fallback";
  StreamingDetokenizer stream(tok, false, /*strip_leading_space=*/true);
  std::string joined;
  size_t held = 0;
  for (TokenId id : ids) {
    const std::string chunk = stream.push(id);
    EXPECT_TRUE(valid_utf8(chunk)) << "after token " << id;
    held += chunk.empty();
    joined += chunk;
  }
  EXPECT_EQ(stream.flush(), "");
  EXPECT_GT(held, 0u) << "some byte tokens must have been held back";
  EXPECT_EQ(joined, text);
  EXPECT_EQ(tok.decode(ids), text);
}

TEST(StreamingDetokenizer, HoldsPartialCharactersAndRepairsInvalidBytes) {
  const Tokenizer tok = load("llm/models/stories260K.gguf");
  auto byte_id = [&tok](int b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    for (TokenId id = 0; id < static_cast<TokenId>(tok.n_vocab()); ++id) {
      if (tok.token_text(id) == name) return id;
    }
    return kNoToken;
  };
  StreamingDetokenizer s(tok);
  EXPECT_EQ(s.push(byte_id(0xE3)), "");
  EXPECT_EQ(s.push(byte_id(0x81)), "");
  EXPECT_EQ(s.push(byte_id(0x82)), "\xE3\x81\x82");  // あ
  EXPECT_EQ(s.push(byte_id(0xFF)), "\xEF\xBF\xBD");  // never valid: U+FFFD at once
  EXPECT_EQ(s.push(byte_id(0xE3)), "");
  EXPECT_EQ(s.push(byte_id(0x41)),
            "\xEF\xBF\xBD"
            "A");  // lead byte broken off
  EXPECT_EQ(s.push(byte_id(0xF0)), "");
  EXPECT_EQ(s.flush(), "\xEF\xBF\xBD");  // an unfinished character at the end
  EXPECT_EQ(s.push(403), " Once");       // no strip unless asked
}

TEST(Tokenizer, SpmAddsBosAndDummyPrefix) {
  const Tokenizer tok = load("llm/vocab/ggml-vocab-llama-spm.gguf");
  const auto with = tok.encode("Hello", true);
  const auto without = tok.encode("Hello", false);
  ASSERT_EQ(with.size(), without.size() + 1);
  EXPECT_EQ(with.front(), tok.bos());
  EXPECT_EQ(tok.token_to_piece(without.front()), " Hello");
  EXPECT_EQ(tok.token_to_piece(tok.bos()), "");
  EXPECT_EQ(tok.token_to_piece(tok.bos(), true), "<s>");
}

TEST(Tokenizer, ParseSpecialMatchesControlTokensOnlyWhenAsked) {
  const Tokenizer tok = load("llm/vocab/ggml-vocab-llama-spm.gguf");
  const auto plain = tok.encode("a</s>b", false, false);
  const auto parsed = tok.encode("a</s>b", false, true);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), tok.eos()), 0);
  EXPECT_EQ(std::count(parsed.begin(), parsed.end(), tok.eos()), 1);
  // After a special token the next text gets the dummy prefix again, as in llama.cpp.
  EXPECT_EQ(tok.decode(parsed, true), "a</s> b");
}

TEST(Tokenizer, BpeVocabularyFacts) {
  const Tokenizer tok = load("llm/vocab/ggml-vocab-gpt-2.gguf");
  EXPECT_EQ(tok.type(), VocabType::kBpe);
  EXPECT_EQ(tok.pre_tokenizer(), "gpt-2");
  EXPECT_EQ(tok.n_vocab(), 50257u);
  EXPECT_FALSE(tok.add_bos());
  EXPECT_EQ(tok.encode("Hello world", false), (std::vector<TokenId>{15496, 995}));
  EXPECT_EQ(tok.token_to_piece(995), " world");
}

// A vocabulary-only GGUF with the given tokenizer keys.
test::GgufBuilder vocab_file(const std::string& model, const std::string& pre, int n_extra_kv,
                             const std::function<void(test::GgufBuilder&)>& extra) {
  test::GgufBuilder b;
  b.header(0, 3 + static_cast<uint64_t>(n_extra_kv));
  b.kv_str("tokenizer.ggml.model", model);
  b.kv_str("tokenizer.ggml.pre", pre);
  b.str("tokenizer.ggml.tokens").u32(9).u32(8).u64(3).str("a").str("b").str("ab");
  extra(b);
  return b;
}

TEST(Tokenizer, BadMetadataIsAClearError) {
  struct Case {
    const char* what;
    test::GgufBuilder file;
    const char* message;
  };
  const auto merges = [](test::GgufBuilder& b) {
    b.str("tokenizer.ggml.merges").u32(9).u32(8).u64(1).str("a b");
  };
  std::vector<Case> cases = {
      {"unknown pre-tokenizer", vocab_file("gpt2", "llama3-xyz", 1, merges), "llama3-xyz"},
      {"unknown model", vocab_file("wordpiece9", "default", 0, [](auto&) {}), "wordpiece9"},
      {"no merges", vocab_file("gpt2", "gpt-2", 0, [](auto&) {}), "tokenizer.ggml.merges"},
      {"scores of the wrong length",
       vocab_file("llama", "default", 1,
                  [](test::GgufBuilder& b) {
                    b.str("tokenizer.ggml.scores").u32(9).u32(6).u64(2).raw(0.f).raw(1.f);
                  }),
       "tokenizer.ggml.scores has 2"},
      {"bos outside the vocabulary",
       vocab_file("gpt2", "gpt-2", 2,
                  [&merges](test::GgufBuilder& b) {
                    merges(b);
                    b.kv_u32("tokenizer.ggml.bos_token_id", 99);
                  }),
       "tokenizer.ggml.bos_token_id"},
      {"token_type of the wrong type",
       vocab_file("llama", "default", 1,
                  [](test::GgufBuilder& b) { b.kv_str("tokenizer.ggml.token_type", "x"); }),
       "tokenizer.ggml.token_type"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto f = GgufFile::parse(c.file.bytes, "vocab");
    ASSERT_TRUE(f) << f.error().message;
    auto t = Tokenizer::from_gguf(*f);
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().message.find(c.message), std::string::npos) << t.error().message;
  }
  // The same file with a supported pre-tokenizer works, and merges apply.
  auto ok = GgufFile::parse(vocab_file("gpt2", "gpt-2", 1, merges).bytes, "vocab");
  ASSERT_TRUE(ok);
  auto t = Tokenizer::from_gguf(*ok);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->encode("ab", false), (std::vector<TokenId>{2}));
  EXPECT_EQ(t->encode("ba", false), (std::vector<TokenId>{1, 0}));
}

}  // namespace
}  // namespace airan::llm
