// Llama-family hyperparameters from GGUF metadata, with llama.cpp's defaults for absent keys.
#include "airan/llm/model_params.h"

#include <algorithm>
#include <cstdint>

namespace airan::llm {

Expected<ModelParams> read_model_params(const GgufFile& file) {
  ModelParams p;
  auto arch = file.get_string("general.architecture");
  if (!arch) return arch.error();
  p.architecture = *arch;
  const std::string a = p.architecture + ".";

  struct Required {
    const char* suffix;
    uint32_t* out;
  };
  for (const Required& r :
       {Required{"embedding_length", &p.n_embd}, Required{"block_count", &p.n_layer},
        Required{"attention.head_count", &p.n_head}, Required{"feed_forward_length", &p.n_ff},
        Required{"context_length", &p.n_ctx_train}}) {
    auto v = file.get_u32(a + r.suffix);
    if (!v) return v.error();
    if (*v == 0) return Error{file.name() + ": " + a + r.suffix + " is 0, expected >= 1"};
    *r.out = *v;
  }
  auto kv_heads = file.get_u32_or(a + "attention.head_count_kv", p.n_head);
  if (!kv_heads) return kv_heads.error();
  p.n_head_kv = *kv_heads;
  if (p.n_head_kv == 0 || p.n_head % p.n_head_kv != 0) {
    return Error{file.name() + ": " + a +
                 "attention.head_count_kv = " + std::to_string(p.n_head_kv) +
                 " must divide head_count = " + std::to_string(p.n_head)};
  }
  if (!file.find(a + "attention.key_length") && p.n_embd % p.n_head != 0) {
    return Error{file.name() + ": " + a + "embedding_length = " + std::to_string(p.n_embd) +
                 " is not a multiple of head_count = " + std::to_string(p.n_head)};
  }
  auto head_dim = file.get_u32_or(a + "attention.key_length", p.n_embd / p.n_head);
  if (!head_dim) return head_dim.error();
  auto head_dim_v = file.get_u32_or(a + "attention.value_length", *head_dim);
  if (!head_dim_v) return head_dim_v.error();
  p.head_dim = *head_dim;
  p.head_dim_v = *head_dim_v;
  if (p.head_dim == 0 || p.head_dim_v == 0) {
    return Error{file.name() + ": " + a + "attention.key_length/value_length must be >= 1"};
  }
  auto n_rot = file.get_u32_or(a + "rope.dimension_count", p.head_dim);
  if (!n_rot) return n_rot.error();
  p.n_rot = *n_rot;
  auto base = file.get_f32_or(a + "rope.freq_base", 10000.0f);
  if (!base) return base.error();
  p.rope_freq_base = *base;
  auto eps = file.get_f32_or(a + "attention.layer_norm_rms_epsilon", 1e-5f);
  if (!eps) return eps.error();
  p.rms_eps = *eps;

  if (file.find(a + "vocab_size")) {
    auto nv = file.get_u32(a + "vocab_size");
    if (!nv) return nv.error();
    p.n_vocab = *nv;
  } else if (file.find("tokenizer.ggml.tokens")) {
    auto nv = file.get_array_size("tokenizer.ggml.tokens");
    if (!nv) return nv.error();
    p.n_vocab = static_cast<uint32_t>(std::min<uint64_t>(*nv, UINT32_MAX));
  } else if (const GgufTensorInfo* emb = file.find_tensor("token_embd.weight");
             emb && emb->shape.size() >= 2) {
    p.n_vocab = static_cast<uint32_t>(emb->shape[1]);
  } else {
    return Error{file.name() + ": cannot tell the vocabulary size (no " + a +
                 "vocab_size, tokenizer.ggml.tokens or token_embd.weight)"};
  }
  return p;
}

uint64_t kv_cache_bytes(const ModelParams& p, uint64_t n_ctx, uint32_t bytes_per_value) {
  const uint64_t per_token_layer =
      static_cast<uint64_t>(p.n_head_kv) * (p.head_dim + p.head_dim_v) * bytes_per_value;
  return per_token_layer * p.n_layer * n_ctx;
}

}  // namespace airan::llm
