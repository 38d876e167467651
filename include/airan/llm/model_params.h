#pragma once
// Hyperparameters of a Llama-family model, read from GGUF metadata ("{arch}.embedding_length",
// ...).

#include <cstdint>
#include <string>

#include "airan/common/expected.h"
#include "airan/llm/gguf.h"

namespace airan::llm {

/// The shape of a decoder-only transformer as its GGUF metadata describes it.
struct ModelParams {
  std::string architecture;  ///< general.architecture ("llama", "qwen2", ...)
  uint32_t n_embd = 0;       ///< model width
  uint32_t n_layer = 0;      ///< transformer blocks
  uint32_t n_head = 0;       ///< query heads
  uint32_t n_head_kv = 0;    ///< key/value heads (GQA when fewer than n_head)
  uint32_t head_dim = 0;     ///< key (and query) length per head
  uint32_t head_dim_v = 0;   ///< value length per head
  uint32_t n_ff = 0;         ///< feed-forward hidden width
  uint32_t n_vocab = 0;      ///< tokens in the vocabulary
  uint32_t n_ctx_train = 0;  ///< context length the model was made for (tokens)
  uint32_t n_rot = 0;        ///< rotary dimensions per head
  float rope_freq_base = 10000.0f;
  float rms_eps = 1e-5f;
};

/// Reads the hyperparameters of `file`. Missing optional keys take llama.cpp's defaults
/// (head_count_kv = head_count, rope base 10000, eps 1e-5). Error: a required key is missing or of
/// the wrong type, or the values disagree (e.g. n_embd not a multiple of n_head).
Expected<ModelParams> read_model_params(const GgufFile& file);

/// Bytes of a K+V cache for `n_ctx` tokens of every layer, `bytes_per_value` each (2 for F16).
uint64_t kv_cache_bytes(const ModelParams& params, uint64_t n_ctx, uint32_t bytes_per_value);

}  // namespace airan::llm
