#pragma once
// Test workloads for the runtime: real computation, small sizes. Not the product's workloads:
// `airan run` drives the PUSCH receiver and the LLM engine instead.
//   TestDotProductAiWorkload - an AiWorkload over llm::StepExecutor whose steps are int8
//                              matrix-vector pieces (the shape of a quantised matmul).
//   TestLdpcSlotFactory      - slots of real PUSCH decoding work: a BPSK soft demapper task, one
//                              LDPC decode task per code block, and a CRC check task.
// Header-only so that both tests/rt and bench/rt_scheduler_bench.cpp can use them.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "airan/llm/executor.h"
#include "airan/phy/coding/crc.h"
#include "airan/phy/coding/ldpc_decoder.h"
#include "airan/phy/coding/ldpc_encoder.h"
#include "airan/rt/ai_workload.h"
#include "airan/rt/slot_task_graph.h"

namespace airan::rt::testing {

/// AI test workload: each step is `pieces` pieces of `rows_per_piece` int8 dot products of
/// `cols` columns, run on llm::StepExecutor (worker w = core w). All workers start parked.
class TestDotProductAiWorkload final : public AiWorkload {
 public:
  TestDotProductAiWorkload(unsigned cores, size_t pieces = 32, size_t rows_per_piece = 16,
                           size_t cols = 2048)
      : executor_(cores),
        cores_(cores),
        pieces_(pieces),
        rows_per_piece_(rows_per_piece),
        cols_(cols),
        w_(pieces * rows_per_piece * cols),
        x_(cols),
        y_(pieces * rows_per_piece) {
    std::mt19937 rng(7);
    for (auto& v : w_) v = static_cast<int8_t>(rng());
    for (auto& v : x_) v = static_cast<int8_t>(rng());
    for (unsigned c = 0; c < cores_; ++c) executor_.request_park(c);
    piece_fn_ = [this](size_t p) { run_piece(p); };
  }

  unsigned cores() const override { return cores_; }
  void run_step() override {
    executor_.parallel_for(pieces_, piece_fn_);
    steps_.fetch_add(1, std::memory_order_relaxed);
  }
  void park_core(unsigned c) override { executor_.request_park(c); }
  void resume_core(unsigned c) override { executor_.resume(c); }
  bool parked(unsigned c) const override { return executor_.is_parked(c); }
  void set_background(bool background) override { executor_.set_background(background); }
  void set_watchdog(std::function<void()> check) override {
    executor_.set_dispatch_hook(std::move(check));
  }
  uint64_t busy_ns() const override { return busy_ns_.load(std::memory_order_relaxed); }
  uint64_t steps() const override { return steps_.load(std::memory_order_relaxed); }

  /// Pieces run by the executor worker of core `c` (the driver's own pieces not counted).
  uint64_t pieces_run(unsigned c) const { return executor_.pieces_run(c); }
  /// Checksum of the last results (keeps the work observable).
  int64_t checksum() const {
    int64_t s = 0;
    for (int32_t v : y_) s += v;
    return s;
  }

 private:
  void run_piece(size_t p) {
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t r = p * rows_per_piece_; r < (p + 1) * rows_per_piece_; ++r) {
      const int8_t* row = w_.data() + r * cols_;
      int32_t acc = 0;
      for (size_t c = 0; c < cols_; ++c) acc += int32_t{row[c]} * int32_t{x_[c]};
      y_[r] = acc;
    }
    const auto t1 = std::chrono::steady_clock::now();
    busy_ns_.fetch_add(static_cast<uint64_t>(
                           std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()),
                       std::memory_order_relaxed);
  }

  llm::StepExecutor executor_;
  unsigned cores_;
  size_t pieces_, rows_per_piece_, cols_;
  std::vector<int8_t> w_, x_;
  std::vector<int32_t> y_;
  std::function<void(size_t)> piece_fn_;
  std::atomic<uint64_t> busy_ns_{0};
  std::atomic<uint64_t> steps_{0};
};

/// Outcome of one test slot, filled by its tasks.
struct TestLdpcSlotResult {
  std::vector<int8_t> llrs;      // code_blocks x N
  std::vector<uint8_t> message;  // code_blocks x K
  std::vector<uint8_t> decoded_ok;
  unsigned crc_ok = 0;
  bool crc_ran = false;
};

/// Builds slots of real uplink decoding work for `code_blocks` BG1 code blocks of lifting size
/// `z` (CRC24B attached), received over BPSK + AWGN at `snr_db`.
class TestLdpcSlotFactory {
 public:
  TestLdpcSlotFactory(unsigned code_blocks = 4, unsigned z = 128, double snr_db = 3.0)
      : code_blocks_(code_blocks), z_(z), k_(22 * z), n_(66 * z) {
    auto encoder = phy::create_ldpc_encoder();
    std::mt19937 rng(11);
    std::normal_distribution<float> noise(0.0f, static_cast<float>(std::pow(10.0, -snr_db / 20)));
    std::vector<uint8_t> c(k_), d(n_);
    received_.resize(size_t{code_blocks_} * n_);
    for (unsigned b = 0; b < code_blocks_; ++b) {
      for (unsigned i = 0; i + 24 < k_; ++i) c[i] = static_cast<uint8_t>(rng() & 1);
      const uint32_t crc =
          phy::crc_calculate(phy::CrcType::crc24b, std::span<const uint8_t>(c.data(), k_ - 24));
      phy::crc_unpack(phy::CrcType::crc24b, crc, std::span<uint8_t>(c.data() + k_ - 24, 24));
      (void)encoder->encode(d, c, phy::LdpcBaseGraph::bg1, z_);
      for (unsigned i = 0; i < n_; ++i) {
        received_[size_t{b} * n_ + i] = (d[i] ? -1.0f : 1.0f) + noise(rng);
      }
    }
    llr_scale_ = 4.0f * static_cast<float>(std::pow(10.0, snr_db / 10));
  }

  /// Tasks per slot: demap, code_blocks decodes, crc.
  unsigned tasks_per_slot() const { return code_blocks_ + 2; }

  /// The task graph of `slot` for `cell`: demap -> decode x code_blocks -> crc. The result is
  /// written to `*result` (kept alive by the tasks).
  std::unique_ptr<SlotTaskGraph> make_slot(uint32_t cell, uint64_t slot, Clock::time_point release,
                                           Clock::time_point deadline,
                                           std::shared_ptr<TestLdpcSlotResult> result) const {
    auto g = std::make_unique<SlotTaskGraph>(cell, slot, release, deadline);
    result->llrs.assign(size_t{code_blocks_} * n_, 0);
    result->message.assign(size_t{code_blocks_} * k_, 0);
    result->decoded_ok.assign(code_blocks_, 0);
    TaskFeatures f = predict::missing_features();
    f[predict::index_of(predict::Feature::code_blocks)] = static_cast<float>(code_blocks_);
    f[predict::index_of(predict::Feature::z)] = static_cast<float>(z_);
    const uint32_t demap = g->add(RanTaskType::demap, f, [this, result] {
      // BPSK soft demapper: LLR = 2 y / sigma^2, scaled and saturated to int8.
      for (size_t i = 0; i < received_.size(); ++i) {
        const float v = std::clamp(received_[i] * llr_scale_, -127.0f, 127.0f);
        result->llrs[i] = static_cast<int8_t>(std::lrint(v));
      }
    });
    std::vector<uint32_t> decodes;
    for (unsigned b = 0; b < code_blocks_; ++b) {
      decodes.push_back(g->add(RanTaskType::ldpc_decode, f, [this, result, b] {
        thread_local std::unique_ptr<phy::LdpcDecoder> decoder = phy::create_ldpc_decoder();
        phy::LdpcDecoder::Configuration cfg;
        cfg.bg = phy::LdpcBaseGraph::bg1;
        cfg.z = z_;
        cfg.max_iterations = 8;
        cfg.early_stop = phy::LdpcDecoder::EarlyStop::crc;
        cfg.crc = phy::CrcType::crc24b;
        cfg.k_prime = k_;
        auto out =
            decoder->decode(std::span<uint8_t>(result->message.data() + size_t{b} * k_, k_),
                            std::span<const int8_t>(result->llrs.data() + size_t{b} * n_, n_), cfg);
        result->decoded_ok[b] = out && out->success ? 1 : 0;
      }));
      (void)g->depend(demap, decodes.back());
    }
    const uint32_t crc = g->add(RanTaskType::crc, f, [this, result] {
      unsigned ok = 0;
      for (unsigned b = 0; b < code_blocks_; ++b) {
        const std::span<const uint8_t> bits(result->message.data() + size_t{b} * k_, k_);
        ok += phy::crc_calculate(phy::CrcType::crc24b, bits) == 0 ? 1 : 0;
      }
      result->crc_ok = ok;
      result->crc_ran = true;
    });
    for (uint32_t d : decodes) (void)g->depend(d, crc);
    return g;
  }

 private:
  unsigned code_blocks_, z_, k_, n_;
  std::vector<float> received_;
  float llr_scale_ = 1.0f;
};

}  // namespace airan::rt::testing
