// libFuzzer target: arbitrary text (invalid UTF-8 included) through the SentencePiece-style and
// byte-level BPE tokenizers of the shared vocab files: encode, decode, and streaming
// detokenisation must never crash, and the streamed text is always valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "airan/llm/gguf.h"
#include "airan/llm/tokenizer.h"

namespace {

using airan::llm::GgufFile;
using airan::llm::Tokenizer;

std::vector<std::unique_ptr<Tokenizer>>& tokenizers() {
  static std::vector<std::unique_ptr<Tokenizer>> t;
  return t;
}

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* env = std::getenv("AIRAN_TEST_DATA");
  const std::string data = env && *env ? env : "../shared/data";
  for (const char* name :
       {"ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf", "ggml-vocab-deepseek-llm.gguf"}) {
    const std::string path = data + "/llm/vocab/" + name;
    auto file = GgufFile::open(path);
    if (!file) {
      std::fprintf(stderr, "tokenizer_fuzz: %s\n", file.error().message.c_str());
      std::abort();
    }
    auto tok = Tokenizer::from_gguf(*file);
    if (!tok) {
      std::fprintf(stderr, "tokenizer_fuzz: %s: %s\n", path.c_str(), tok.error().message.c_str());
      std::abort();
    }
    tokenizers().push_back(std::make_unique<Tokenizer>(std::move(*tok)));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& tok : tokenizers()) {
    const auto ids = tok->encode(text, size % 2 == 0, size % 3 == 0);
    (void)tok->decode(ids);
    airan::llm::StreamingDetokenizer stream(*tok);
    std::string streamed;
    for (auto id : ids) streamed += stream.push(id);
    streamed += stream.flush();
    if (!valid_utf8(streamed)) {
      std::fprintf(stderr, "streaming detokenizer produced invalid UTF-8\n");
      std::abort();
    }
  }
  return 0;
}
