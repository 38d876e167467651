// Model loading: hyperparameters, then every tensor the llama / qwen2 forward pass reads, each
// checked for presence, type and shape (ggml order: ne[0], the row length, first).
#include "airan/llm/model.h"

#include <sys/mman.h>

#include <string>
#include <utility>

namespace airan::llm {

namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Looks tensors up and checks them, naming the tensor and what was expected in every error.
class TensorChecker {
 public:
  explicit TensorChecker(const GgufFile& file) : file_(file) {}

  // The tensor `name` with shape `shape`; `meaning` says what the dimensions are, e.g.
  // "n_embd, n_head_kv * head_dim". Null when absent and `required` is false.
  Expected<const GgufTensorInfo*> find(const std::string& name, const std::vector<int64_t>& shape,
                                       const char* meaning, bool required = true) const {
    const GgufTensorInfo* t = file_.find_tensor(name);
    const std::string expected = shape_text(shape) + " (" + meaning + ")";
    if (!t) {
      if (!required) return static_cast<const GgufTensorInfo*>(nullptr);
      return Error{file_.name() + ": tensor " + name + " is missing; expected shape " + expected};
    }
    std::vector<int64_t> got = t->shape;
    while (got.size() > shape.size() && got.back() == 1) got.pop_back();  // trailing unit dims
    if (got != shape) {
      return Error{file_.name() + ": tensor " + name + " has shape " + t->shape_string() +
                   ", expected " + expected};
    }
    const TensorTypeTraits* traits = tensor_type_traits(t->type);
    if (!traits || !traits->engine_supported) {
      return Error{file_.name() + ": tensor " + name + " has type " + tensor_type_name(t->type) +
                   ", expected one of F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K"};
    }
    return t;
  }

  Expected<WeightMatrix> matrix(const std::string& name, int64_t cols, int64_t rows,
                                const char* meaning) {
    auto t = find(name, {cols, rows}, meaning);
    if (!t) return t.error();
    auto w = weight_matrix(file_, **t);
    if (!w) return Error{file_.name() + ": tensor " + name + ": " + w.error().message};
    bytes_ += (*t)->n_bytes;
    return *w;
  }

  // A 1-D tensor of n values dequantised to F32; empty when optional and absent.
  Expected<std::vector<float>> vector(const std::string& name, int64_t n, const char* meaning,
                                      bool required = true) {
    auto t = find(name, {n}, meaning, required);
    if (!t) return t.error();
    if (!*t) return std::vector<float>{};
    const TensorTypeTraits* traits = tensor_type_traits((*t)->type);
    if (n % traits->block_elements != 0) {
      return Error{file_.name() + ": tensor " + name + " of type " + tensor_type_name((*t)->type) +
                   " cannot hold " + std::to_string(n) +
                   " values (not a multiple of its block size)"};
    }
    auto data = file_.tensor_data(**t);
    if (!data) return Error{file_.name() + ": tensor " + name + ": " + data.error().message};
    std::vector<float> out(static_cast<size_t>(n));
    dequantize_row(static_cast<TensorType>((*t)->type), data->data(), out.data(), n);
    bytes_ += (*t)->n_bytes;
    return out;
  }

  uint64_t bytes() const { return bytes_; }

 private:
  const GgufFile& file_;
  uint64_t bytes_ = 0;
};

// Copies every matrix into the layout the default kernels compute fastest with (the file's own
// layout where no other is faster), all in one anonymous mapping (huge pages where the kernel
// gives them: decode streams every weight once a token, and 4 KiB pages cost a TLB walk each
// 4 KiB; the file's pages are not huge). The file pages the copies came from are released, so
// resident memory holds the weights once. Returns the owner of the copies (null when nothing was
// copied, or the memory could not be had: the file's layout still works).
std::shared_ptr<void> repack_matrices(const GgufFile& file, std::vector<WeightMatrix*> matrices) {
  const MatmulKernels* kernels = matmul_kernels();
  if (kernels == nullptr) return nullptr;
  std::vector<std::pair<WeightMatrix*, WeightLayout>> todo;
  size_t total = 0;
  for (WeightMatrix* w : matrices) {
    const WeightLayout layout = kernels->preferred_layout(w->type);
    const size_t bytes = repacked_bytes(*w, layout);
    if (bytes == 0) continue;
    todo.emplace_back(w, layout);
    total += (bytes + 63) / 64 * 64;
  }
  if (todo.empty()) return nullptr;
  void* p = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  madvise(p, total, MADV_HUGEPAGE);  // a hint: without it the copies are merely slower
  auto* out = static_cast<uint8_t*>(p);
  for (const auto& [w, layout] : todo) {
    const size_t bytes = repacked_bytes(*w, layout);
    const std::span<const uint8_t> source(w->data, w->row_bytes * static_cast<size_t>(w->rows));
    *w = repack_weights(*w, layout, out);
    file.release_pages(source);
    out += (bytes + 63) / 64 * 64;
  }
  mprotect(p, total, PROT_READ);
  return std::shared_ptr<void>(p, [total](void* q) { munmap(q, total); });
}

}  // namespace

Expected<Model> Model::load(const std::filesystem::path& path) {
  auto file = GgufFile::open(path);
  if (!file) return file.error();
  return from_file(std::move(*file));
}

Expected<Model> Model::from_file(GgufFile file) {
  Model m(std::move(file));
  const GgufFile& f = m.file_;
  auto params = read_model_params(f);
  if (!params) return params.error();
  m.params_ = *params;
  const ModelParams& p = m.params_;
  const std::string arch = p.architecture;
  if (arch == "llama") {
    m.rope_type_ = RopeType::kNormal;
  } else if (arch == "qwen2") {
    m.rope_type_ = RopeType::kNeox;
  } else {
    return Error{f.name() + ": general.architecture = \"" + arch +
                 "\" is not supported (supported: llama, qwen2)"};
  }
  if (p.head_dim % 2 != 0 || p.n_rot % 2 != 0 || p.n_rot == 0 || p.n_rot > p.head_dim) {
    return Error{f.name() + ": " + arch + ".rope.dimension_count = " + std::to_string(p.n_rot) +
                 " must be even and in [2, head_dim = " + std::to_string(p.head_dim) +
                 "] with head_dim even"};
  }

  // RoPE scaling: linear scaling divides positions by the factor (llama.cpp's freq_scale).
  auto scaling_type = f.get_string_or(arch + ".rope.scaling.type", "none");
  if (!scaling_type) return scaling_type.error();
  if (*scaling_type != "none" && *scaling_type != "linear") {
    return Error{f.name() + ": " + arch + ".rope.scaling.type = \"" + *scaling_type +
                 "\" is not supported (supported: none, linear)"};
  }
  auto factor = f.get_f32_or(arch + ".rope.scaling.factor", 0.0f);
  if (!factor) return factor.error();
  float scale_factor = *factor;
  if (scale_factor == 0.0f) {
    auto legacy = f.get_f32_or(arch + ".rope.scale_linear", 0.0f);
    if (!legacy) return legacy.error();
    scale_factor = *legacy;
  }
  if (scale_factor < 0.0f || !(scale_factor == scale_factor)) {
    return Error{f.name() + ": " + arch + ".rope.scaling.factor = " + std::to_string(scale_factor) +
                 ", expected > 0"};
  }
  if (*scaling_type == "none" && f.find(arch + ".rope.scaling.type")) scale_factor = 0.0f;
  m.rope_freq_scale_ = scale_factor == 0.0f ? 1.0f : 1.0f / scale_factor;

  const int64_t n_embd = p.n_embd;
  const int64_t n_q = static_cast<int64_t>(p.n_head) * p.head_dim;
  const int64_t n_k = static_cast<int64_t>(p.n_head_kv) * p.head_dim;
  const int64_t n_v = static_cast<int64_t>(p.n_head_kv) * p.head_dim_v;
  const int64_t n_attn = static_cast<int64_t>(p.n_head) * p.head_dim_v;
  const int64_t n_ff = p.n_ff;
  const int64_t n_vocab = p.n_vocab;

  TensorChecker check(f);
  auto freqs = check.vector("rope_freqs.weight", p.n_rot / 2, "n_rot / 2", false);
  if (!freqs) return freqs.error();
  m.rope_freq_factors_ = std::move(*freqs);

  auto embd = check.matrix("token_embd.weight", n_embd, n_vocab, "n_embd, n_vocab");
  if (!embd) return embd.error();
  m.token_embd_ = *embd;
  auto norm = check.vector("output_norm.weight", n_embd, "n_embd");
  if (!norm) return norm.error();
  m.output_norm_ = std::move(*norm);
  if (f.find_tensor("output.weight")) {
    auto out = check.matrix("output.weight", n_embd, n_vocab, "n_embd, n_vocab");
    if (!out) return out.error();
    m.output_ = *out;
  } else {
    m.output_ = m.token_embd_;
    m.output_tied_ = true;
  }

  const bool qkv_bias = arch == "qwen2";
  m.layers_.resize(p.n_layer);
  for (uint32_t l = 0; l < p.n_layer; ++l) {
    LayerWeights& w = m.layers_[l];
    const std::string b = "blk." + std::to_string(l) + ".";
    struct Mat {
      const char* name;
      WeightMatrix* out;
      int64_t cols, rows;
      const char* meaning;
    };
    for (const Mat& mat : {
             Mat{"attn_q.weight", &w.attn_q, n_embd, n_q, "n_embd, n_head * head_dim"},
             Mat{"attn_k.weight", &w.attn_k, n_embd, n_k, "n_embd, n_head_kv * head_dim"},
             Mat{"attn_v.weight", &w.attn_v, n_embd, n_v, "n_embd, n_head_kv * head_dim_v"},
             Mat{"attn_output.weight", &w.attn_output, n_attn, n_embd,
                 "n_head * head_dim_v, n_embd"},
             Mat{"ffn_gate.weight", &w.ffn_gate, n_embd, n_ff, "n_embd, n_ff"},
             Mat{"ffn_up.weight", &w.ffn_up, n_embd, n_ff, "n_embd, n_ff"},
             Mat{"ffn_down.weight", &w.ffn_down, n_ff, n_embd, "n_ff, n_embd"},
         }) {
      auto wm = check.matrix(b + mat.name, mat.cols, mat.rows, mat.meaning);
      if (!wm) return wm.error();
      *mat.out = *wm;
    }
    struct Vec {
      const char* name;
      std::vector<float>* out;
      int64_t n;
      const char* meaning;
      bool required;
    };
    for (const Vec& vec : {
             Vec{"attn_norm.weight", &w.attn_norm, n_embd, "n_embd", true},
             Vec{"ffn_norm.weight", &w.ffn_norm, n_embd, "n_embd", true},
             Vec{"attn_q.bias", &w.bias_q, n_q, "n_head * head_dim", qkv_bias},
             Vec{"attn_k.bias", &w.bias_k, n_k, "n_head_kv * head_dim", qkv_bias},
             Vec{"attn_v.bias", &w.bias_v, n_v, "n_head_kv * head_dim_v", qkv_bias},
         }) {
      auto v = check.vector(b + vec.name, vec.n, vec.meaning, vec.required);
      if (!v) return v.error();
      *vec.out = std::move(*v);
    }
  }
  m.weight_bytes_ = check.bytes();

  // The token embedding is read a row at a time (get_rows) and keeps the file's layout; so does
  // the output projection when it is the same tensor.
  std::vector<WeightMatrix*> matmul_weights;
  if (!m.output_tied_) matmul_weights.push_back(&m.output_);
  for (LayerWeights& w : m.layers_) {
    for (WeightMatrix* x :
         {&w.attn_q, &w.attn_k, &w.attn_v, &w.attn_output, &w.ffn_gate, &w.ffn_up, &w.ffn_down}) {
      matmul_weights.push_back(x);
    }
  }
  m.repacked_ = repack_matrices(f, std::move(matmul_weights));
  return m;
}

}  // namespace airan::llm
