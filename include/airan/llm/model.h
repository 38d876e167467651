#pragma once
// A Llama-family model loaded from GGUF: hyperparameters plus views of every weight tensor in the
// mapped file, each checked for presence, type and shape before anything runs. Architectures:
// `llama` (GQA, tied or untied output, adjacent-pair RoPE) and `qwen2` (Q/K/V biases, NeoX RoPE).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "airan/common/expected.h"
#include "airan/llm/gguf.h"
#include "airan/llm/matmul.h"
#include "airan/llm/model_params.h"

namespace airan::llm {

/// How rotary position embedding pairs the dimensions of a head.
enum class RopeType {
  kNormal,  ///< adjacent pairs (2i, 2i+1): llama
  kNeox,    ///< split halves (i, i + n_rot/2): qwen2 (GPT-NeoX style)
};

/// Weights of one transformer block. Norm weights and biases are dequantised to F32 at load.
struct LayerWeights {
  std::vector<float> attn_norm;  ///< n_embd
  WeightMatrix attn_q;           ///< n_head * head_dim rows of n_embd
  WeightMatrix attn_k;           ///< n_head_kv * head_dim rows of n_embd
  WeightMatrix attn_v;           ///< n_head_kv * head_dim_v rows of n_embd
  std::vector<float> bias_q;     ///< n_head * head_dim, or empty (no bias)
  std::vector<float> bias_k;     ///< n_head_kv * head_dim, or empty
  std::vector<float> bias_v;     ///< n_head_kv * head_dim_v, or empty
  WeightMatrix attn_output;      ///< n_embd rows of n_head * head_dim_v
  std::vector<float> ffn_norm;   ///< n_embd
  WeightMatrix ffn_gate;         ///< n_ff rows of n_embd
  WeightMatrix ffn_up;           ///< n_ff rows of n_embd
  WeightMatrix ffn_down;         ///< n_embd rows of n_ff
};

/// A loaded model. Movable, not copyable; the weight views point into the owned GgufFile, or, for
/// matrices the default kernels compute faster with in another layout (WeightLayout), into copies
/// in that layout made once at load (the file pages they came from are released).
class Model {
 public:
  /// Maps and parses `path` and validates it (see from_file). Error: as GgufFile::open or
  /// from_file.
  static Expected<Model> load(const std::filesystem::path& path);
  /// Takes a parsed file and validates it: supported architecture, hyperparameters, and every
  /// tensor's presence, type and shape. Error names the tensor and the expected shape.
  static Expected<Model> from_file(GgufFile file);

  Model(Model&&) noexcept = default;
  Model& operator=(Model&&) noexcept = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const GgufFile& file() const { return file_; }
  const ModelParams& params() const { return params_; }
  RopeType rope_type() const { return rope_type_; }
  /// Position multiplier of RoPE (1 / linear scaling factor; 1 without scaling).
  float rope_freq_scale() const { return rope_freq_scale_; }
  /// Per-frequency divisors of RoPE (n_rot / 2 values from `rope_freqs.weight`), or empty.
  const std::vector<float>& rope_freq_factors() const { return rope_freq_factors_; }

  /// Token embedding table: n_vocab rows of n_embd, any supported type.
  const WeightMatrix& token_embd() const { return token_embd_; }
  /// Output projection (n_vocab rows of n_embd); the embedding table when the model ties them.
  const WeightMatrix& output() const { return output_; }
  bool output_tied() const { return output_tied_; }
  const std::vector<float>& output_norm() const { return output_norm_; }
  const std::vector<LayerWeights>& layers() const { return layers_; }

  /// Bytes of all weight tensors the forward pass uses (tied output counted once).
  uint64_t weight_bytes() const { return weight_bytes_; }

 private:
  explicit Model(GgufFile file) : file_(std::move(file)) {}

  GgufFile file_;
  ModelParams params_;
  RopeType rope_type_ = RopeType::kNormal;
  float rope_freq_scale_ = 1.0f;
  std::vector<float> rope_freq_factors_;
  WeightMatrix token_embd_;
  WeightMatrix output_;
  bool output_tied_ = false;
  std::vector<float> output_norm_;
  std::vector<LayerWeights> layers_;
  uint64_t weight_bytes_ = 0;
  std::shared_ptr<void> repacked_;  ///< owns the repacked weight copies, if any
};

}  // namespace airan::llm
