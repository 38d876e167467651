// libFuzzer target: any byte string given to the GGUF reader must give a file or an error, never a
// crash, leak or undefined behaviour. Files that parse are also walked the way `airan llm info`
// and the engine walk them: tensor data, metadata rendering, hyperparameters, and (for small
// vocabularies) the tokenizer.
#include <cstddef>
#include <cstdint>
#include <span>

#include "airan/llm/gguf.h"
#include "airan/llm/model_params.h"
#include "airan/llm/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace airan::llm;
  auto file = GgufFile::parse(std::span<const uint8_t>(data, size), "fuzz");
  if (!file) return 0;
  uint64_t sum = 0;
  for (const auto& t : file->tensors()) {
    auto bytes = file->tensor_data(t);
    if (bytes && !bytes->empty()) sum += (*bytes)[0] + (*bytes)[bytes->size() - 1];
    sum += t.shape_string().size();
  }
  for (const auto& kv : file->metadata()) sum += kv.value.to_string().size();
  auto params = read_model_params(*file);
  if (params) sum += kv_cache_bytes(*params, 16, 2);
  auto n_tokens = file->get_array_size("tokenizer.ggml.tokens");
  if (n_tokens && *n_tokens <= 4096) {
    auto tok = Tokenizer::from_gguf(*file);
    if (tok) {
      const auto ids = tok->encode("Once upon a time, 日本語 \xE3\x81 <s>", true, true);
      sum += tok->decode(ids).size();
    }
  }
  return sum == 0xFFFFFFFFFFFFFFFFULL ? 1 : 0;  // keep the work observable
}
