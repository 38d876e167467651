// Quantised matmul throughput, one core: GEMV (batch 1, decode) and batch 16 (prefill chunks; 64
// on the 2048 x 2048 shape too) for
// every engine tensor type and every implementation the CPU has, on TinyLlama's shapes (2048 x
// 2048 attention, 2048 x 5632 ffn_down; rows x cols). The portable implementation is the in-run
// baseline. Counters: GB/s of weight bytes streamed, GFLOP/s (2 x rows x cols x batch per call,
// activation quantisation included).
//
// "hot" rows multiply one matrix over and over (the 256 x 2048 one stays in L2, so its rows show
// the kernels' compute rate; the TinyLlama shapes come from L2/L3); "dram" rows (GEMV only) cycle
// through copies of the matrix totalling 1.5 GiB, so every call streams its weights from memory
// as a decode step does. The llama.cpp anchor for this machine is in
// ../shared/data/llm/bench/README.md (about 31 GB/s single-thread read bandwidth; llama.cpp 1.1B
// tg128 reads 19.8 (Q4_0) / 24.2 (Q8_0) / 33.2 (F16) GB/s on one thread).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "airan/llm/matmul.h"
#include "llm/matmul_impl.h"

namespace {

using airan::llm::MatmulKernels;
using airan::llm::QuantizedActivations;
using airan::llm::TensorType;
using airan::llm::WeightLayout;
using airan::llm::WeightMatrix;

const TensorType kTypes[] = {TensorType::kQ4_0, TensorType::kQ8_0, TensorType::kQ4_K,
                             TensorType::kQ5_K, TensorType::kQ6_K, TensorType::kF16,
                             TensorType::kBF16, TensorType::kF32};

// 0 portable, 1 avx2, 2 avx512 (no VNNI), 3 avx512-vnni; nullptr when the CPU lacks it.
const MatmulKernels* kernels_for(int id) {
  using namespace airan;
  switch (id) {
    case 0:
      return llm::detail::matmul_kernels_portable();
    case 1:
      return llm::matmul_kernels(SimdLevel::avx2);
    case 2:
      return llm::detail::cpu_has_avx512_kernels() ? llm::detail::matmul_kernels_avx512(false)
                                                   : nullptr;
    case 3:
      return llm::detail::cpu_has_avx512_vnni() ? llm::detail::matmul_kernels_avx512(true)
                                                : nullptr;
    default:
      return nullptr;
  }
}

struct Matrix {
  std::vector<uint8_t> bytes;  // `copies` consecutive copies of the matrix, from bytes[offset]
  size_t offset = 0;           // to the first 64-byte boundary (repacked layouts load aligned)
  size_t matrix_bytes = 0;
  size_t row_bytes = 0;
  int copies = 1;
  const uint8_t* copy(int c) const {
    return bytes.data() + offset + static_cast<size_t>(c) * matrix_bytes;
  }
};

// Random N(0, 1/cols) weights in `type`, cached for the last shape; with `dram`, copies of them
// totalling 1.5 GiB.
const Matrix& matrix(TensorType type, int64_t rows, int64_t cols, bool dram) {
  static std::tuple<int, int64_t, int64_t> key{-1, 0, 0};
  static Matrix base, copies;
  const std::tuple<int, int64_t, int64_t> want{static_cast<int>(type), rows, cols};
  if (key != want) {
    key = want;
    copies = Matrix{};
    const auto* tr = airan::llm::tensor_type_traits(static_cast<uint32_t>(type));
    base.row_bytes = static_cast<size_t>(cols / tr->block_elements) * tr->block_bytes;
    base.matrix_bytes = base.row_bytes * static_cast<size_t>(rows);
    base.copies = 1;
    base.bytes.assign(base.matrix_bytes, 0);
    std::mt19937 rng(42);
    std::normal_distribution<float> normal(0.0f, 1.0f / std::sqrt(static_cast<float>(cols)));
    std::vector<float> row(static_cast<size_t>(cols));
    for (int64_t r = 0; r < rows; ++r) {
      for (auto& v : row) v = normal(rng);
      (void)airan::llm::quantize_row(type, row.data(), base.bytes.data() + r * base.row_bytes,
                                     cols);
    }
  }
  if (!dram) return base;
  if (copies.copies <= 1) {
    copies.row_bytes = base.row_bytes;
    copies.matrix_bytes = base.matrix_bytes;
    copies.copies = static_cast<int>((size_t{3} << 29) / base.matrix_bytes + 1);
    copies.bytes.resize(base.matrix_bytes * static_cast<size_t>(copies.copies));
    for (int c = 0; c < copies.copies; ++c) {
      std::memcpy(copies.bytes.data() + c * base.matrix_bytes, base.bytes.data(),
                  base.matrix_bytes);
    }
  }
  return copies;
}

// `m` (GGUF layout, every copy) rewritten into `layout`, as a model load does for the kernels that
// prefer it; cached for the last matrix and layout.
const Matrix& repacked(const Matrix& m, TensorType type, int64_t rows, int64_t cols,
                       WeightLayout layout) {
  static std::tuple<const uint8_t*, int, int, int64_t, int64_t, int> key{nullptr, 0, 0, 0, 0, 0};
  static Matrix out;
  const std::tuple<const uint8_t*, int, int, int64_t, int64_t, int> want{
      m.copy(0), m.copies, static_cast<int>(type), rows, cols, static_cast<int>(layout)};
  if (key == want) return out;
  key = want;
  WeightMatrix w;
  w.type = type;
  w.rows = rows;
  w.cols = cols;
  w.row_bytes = m.row_bytes;
  out.row_bytes = m.row_bytes;
  out.copies = m.copies;
  out.matrix_bytes = (airan::llm::repacked_bytes(w, layout) + 63) / 64 * 64;
  out.bytes.assign(out.matrix_bytes * static_cast<size_t>(m.copies) + 64, 0);
  out.offset = (64 - reinterpret_cast<uintptr_t>(out.bytes.data()) % 64) % 64;
  for (int c = 0; c < m.copies; ++c) {
    w.data = m.copy(c);
    uint8_t* dst = out.bytes.data() + out.offset + static_cast<size_t>(c) * out.matrix_bytes;
    (void)airan::llm::repack_weights(w, layout, dst);
  }
  return out;
}

// Args: type, rows, cols, batch, implementation id, dram (0/1). Weights are in the layout the
// implementation prefers (Q4_0 repacked for AVX-512), as the engine's model load leaves them.
void BM_Matmul(benchmark::State& state) {
  const auto type = static_cast<TensorType>(state.range(0));
  const int64_t rows = state.range(1), cols = state.range(2), batch = state.range(3);
  const MatmulKernels* k = kernels_for(static_cast<int>(state.range(4)));
  const bool dram = state.range(5) != 0;
  if (k == nullptr) {
    state.SkipWithError("CPU lacks this instruction set");
    return;
  }
  const WeightLayout layout = k->preferred_layout(type);
  const bool gguf = layout == WeightLayout::kGguf;
  state.SetLabel(std::string(airan::llm::tensor_type_name(static_cast<uint32_t>(type))) + " " +
                 std::string(k->implementation()) + (dram ? " dram" : " hot") +
                 (gguf ? "" : " repacked"));
  const Matrix& m = gguf ? matrix(type, rows, cols, dram)
                         : repacked(matrix(type, rows, cols, dram), type, rows, cols, layout);
  std::vector<float> x(static_cast<size_t>(batch * cols));
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (auto& v : x) v = normal(rng);
  std::vector<float> y(static_cast<size_t>(batch * rows));
  QuantizedActivations qa;
  WeightMatrix w;
  w.type = type;
  w.rows = rows;
  w.cols = cols;
  w.row_bytes = m.row_bytes;
  w.layout = layout;
  int copy = 0;
  for (auto _ : state) {
    w.data = m.copy(copy);
    if (++copy == m.copies) copy = 0;
    k->quantize_activations(qa, type, x.data(), batch, cols);
    k->matmul_rows(w, qa, y.data(), rows, 0, rows);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double calls = static_cast<double>(state.iterations());
  state.counters["GB/s"] = benchmark::Counter(calls * static_cast<double>(m.matrix_bytes) / 1e9,
                                              benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(
      calls * 2.0 * static_cast<double>(rows * cols * batch) / 1e9, benchmark::Counter::kIsRate);
}

void register_all() {
  for (TensorType t : kTypes) {
    for (auto [rows, cols] : {std::pair<int64_t, int64_t>{2048, 2048}, {2048, 5632}, {256, 2048}}) {
      for (int impl = 0; impl < 4; ++impl) {
        if (kernels_for(impl) == nullptr) continue;
        const std::string name = std::string("BM_Matmul/") +
                                 airan::llm::tensor_type_name(static_cast<uint32_t>(t)) + "/" +
                                 std::to_string(rows) + "x" + std::to_string(cols);
        for (int64_t batch : {1, 16, 64}) {
          if (batch == 64 && !(rows == 2048 && cols == 2048)) continue;
          for (int dram : {0, 1}) {
            if (dram && (batch != 1 || rows == 256)) continue;
            benchmark::RegisterBenchmark(name.c_str(), BM_Matmul)
                ->Args({static_cast<int64_t>(t), rows, cols, batch, impl, dram})
                ->ArgNames({"type", "rows", "cols", "batch", "impl", "dram"})
                ->MinTime(0.2)
                ->Unit(benchmark::kMicrosecond);
          }
        }
      }
    }
  }
}

const int kRegistered = (register_all(), 0);

}  // namespace
