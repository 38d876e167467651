// Tokenizers against llama.cpp's test vectors (vocab/*.gguf.inp / .out) and the reference prompts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "airan/llm/gguf.h"
#include "airan/llm/tokenizer.h"
#include "test_data.h"

namespace airan::llm {
namespace {

struct VocabCase {
  std::string input;
  std::vector<TokenId> expected;
};

// .inp: test strings, each followed by "\n__ggml_vocab_test__\n"; .out: one line of ids per test.
std::vector<VocabCase> read_cases(const std::string& vocab_file) {
  bool ok_inp = false;
  bool ok_out = false;
  const std::string inp =
      test::read_text(test::data_path("llm/vocab/" + vocab_file + ".inp"), &ok_inp);
  const std::string out =
      test::read_text(test::data_path("llm/vocab/" + vocab_file + ".out"), &ok_out);
  EXPECT_TRUE(ok_inp && ok_out) << vocab_file;
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<VocabCase> cases;
  size_t pos = 0;
  while (pos < inp.size()) {
    size_t next = inp.find(sep, pos);
    if (next == std::string::npos) next = inp.size();
    cases.push_back(VocabCase{inp.substr(pos, next - pos), {}});
    pos = next + sep.size();
  }
  std::istringstream lines(out);
  std::string line;
  size_t i = 0;
  while (std::getline(lines, line)) {
    if (i >= cases.size()) {
      ADD_FAILURE() << vocab_file << ".out has more lines than .inp has tests";
      break;
    }
    std::istringstream ids(line);
    TokenId id;
    while (ids >> id) cases[i].expected.push_back(id);
    ++i;
  }
  EXPECT_EQ(i, cases.size()) << vocab_file << ": .inp and .out disagree on the number of tests";
  return cases;
}

std::string ids_string(const std::vector<TokenId>& ids) {
  std::string s;
  for (TokenId id : ids) {
    if (!s.empty()) s += ' ';
    s += std::to_string(id);
  }
  return s;
}

std::string printable(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out;
}

class VocabVectors : public ::testing::TestWithParam<const char*> {};

TEST_P(VocabVectors, EveryVectorTokenizesExactly) {
  const std::string name = GetParam();
  auto file = GgufFile::open(test::data_path("llm/vocab/" + name));
  ASSERT_TRUE(file) << file.error().message;
  auto tok = Tokenizer::from_gguf(*file);
  ASSERT_TRUE(tok) << tok.error().message;
  const auto cases = read_cases(name);
  ASSERT_EQ(cases.size(), 46u);
  size_t failed = 0;
  std::string report;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto got = tok->encode(cases[i].input, /*add_special=*/false, /*parse_special=*/false);
    if (got != cases[i].expected) {
      ++failed;
      report += "  case " + std::to_string(i) + " \"" + printable(cases[i].input) +
                "\"\n    expected " + ids_string(cases[i].expected) + "\n    got      " +
                ids_string(got) + "\n";
    }
  }
  EXPECT_EQ(failed, 0u) << name << ": " << failed << " of " << cases.size() << " vectors differ:\n"
                        << report;
}

TEST_P(VocabVectors, DecodeGivesTheTextBack) {
  const std::string name = GetParam();
  auto file = GgufFile::open(test::data_path("llm/vocab/" + name));
  ASSERT_TRUE(file) << file.error().message;
  auto tok = Tokenizer::from_gguf(*file);
  ASSERT_TRUE(tok) << tok.error().message;
  for (const VocabCase& c : read_cases(name)) {
    EXPECT_EQ(tok->decode(c.expected), c.input) << "\"" << printable(c.input) << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(LlamaCppVectors, VocabVectors,
                         ::testing::Values("ggml-vocab-llama-spm.gguf", "ggml-vocab-phi-3.gguf",
                                           "ggml-vocab-deepseek-llm.gguf",
                                           "ggml-vocab-deepseek-coder.gguf",
                                           "ggml-vocab-gpt-2.gguf"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           n = n.substr(11, n.size() - 11 - 5);  // strip "ggml-vocab-" / ".gguf"
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// The reference JSONs record llama.cpp's prompt ids (with BOS) and the pieces of generated ids.
TEST(ReferencePrompts, PromptIdsAndPiecesMatchLlamaCpp) {
  const auto dir = test::data_path("llm/reference");
  size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().filename().string());
    const auto j = nlohmann::json::parse(test::read_text(entry.path()));
    auto file = GgufFile::open(test::data_path("llm/models/" + j.at("model").get<std::string>()));
    ASSERT_TRUE(file) << file.error().message;
    auto tok = Tokenizer::from_gguf(*file);
    ASSERT_TRUE(tok) << tok.error().message;
    const auto prompt = j.at("prompt").get<std::string>();
    const auto expected = j.at("prompt_token_ids").get<std::vector<TokenId>>();
    EXPECT_EQ(tok->encode(prompt, j.at("add_bos").get<bool>()), expected);
    const auto gen = j.at("generated_token_ids").get<std::vector<TokenId>>();
    const auto gen_hex = j.at("generated_pieces_hex").get<std::vector<std::string>>();
    ASSERT_EQ(gen.size(), gen_hex.size());
    for (size_t i = 0; i < gen.size(); ++i) {
      // llama.cpp's dump renders control tokens ("</s>").
      EXPECT_EQ(hex(tok->token_to_piece(gen[i], /*render_special=*/true)), gen_hex[i])
          << "token " << gen[i];
    }
    // The random-weight models generate bytes that are not UTF-8; the stream repairs those, so
    // only valid texts are compared whole.
    StreamingDetokenizer stream(*tok, /*render_special=*/true);
    std::string text;
    for (TokenId id : gen) text += stream.push(id);
    text += stream.flush();
    if (j.at("generated_text_is_valid_utf8").get<bool>()) {
      EXPECT_EQ(text, j.at("generated_text").get<std::string>());
    }
    ++checked;
  }
  EXPECT_GE(checked, 7u);
}

TEST(ReferencePrompts, Stories260KPromptIds) {
  auto file = GgufFile::open(test::data_path("llm/models/stories260K.gguf"));
  ASSERT_TRUE(file) << file.error().message;
  auto tok = Tokenizer::from_gguf(*file);
  ASSERT_TRUE(tok) << tok.error().message;
  EXPECT_EQ(tok->type(), VocabType::kSpm);
  EXPECT_TRUE(tok->add_bos());
  EXPECT_EQ(tok->bos(), 1);
  EXPECT_EQ(tok->eos(), 2);
  EXPECT_EQ(tok->token_text(403), "\xE2\x96\x81Once");
  EXPECT_EQ(tok->decode(tok->encode("Once upon a time", true)), "Once upon a time");
  EXPECT_EQ(tok->encode("", true), (std::vector<TokenId>{1}));
  EXPECT_TRUE(tok->encode("", false).empty());
  EXPECT_TRUE(tok->is_end_of_generation(2));
  EXPECT_FALSE(tok->is_end_of_generation(403));
}

}  // namespace
}  // namespace airan::llm
