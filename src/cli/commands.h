#pragma once
// Each subcommand of `airan` registers itself on the app from its own file.

#include <CLI/CLI.hpp>
#include <string>

namespace airan::cli {

/// `airan bench NAME`: one subcommand per benchmark; each prints a table, or JSON with --json.
void add_bench_commands(CLI::App& app);

/// `airan bench ldpc` and `airan bench ldpc-bler` (channel coding).
void add_bench_ldpc_commands(CLI::App& bench);

/// `airan bench pusch-link` (PUSCH AWGN link curves: SNR at 10 % BLER per MCS vs Shannon).
void add_bench_pusch_link_command(CLI::App& bench);

/// `airan bench pusch` (PUSCH receiver microseconds per slot, one core, per-kernel breakdown).
void add_bench_pusch_command(CLI::App& bench);

/// `airan bench llm-park` (LLM step executor: park latency, parallel_for overhead).
void add_bench_llm_park_command(CLI::App& bench);

/// `airan bench llm` (LLM engine throughput: pp512, tg128, batched decode; llama-bench style).
void add_bench_llm_command(CLI::App& bench);

/// `airan bench predictor` (execution-time models against baselines on a held-out trace).
void add_bench_predictor_command(CLI::App& bench);

/// `airan bench policies` (every core-allocation policy on identical traffic: misses, reclaimed).
void add_bench_policies_command(CLI::App& bench);

/// `airan bench jitter` (time the machine takes from busy real-time threads, one CPU vs all).
void add_bench_jitter_command(CLI::App& bench);

/// `airan calibrate`: times the real PUSCH kernels, writes a task trace (predict/trace.h).
void add_calibrate_command(CLI::App& app);

struct CalibrateOptions {
  std::string out;              ///< trace file to write
  double seconds = 25;          ///< measuring time, s
  unsigned seed = 1;            ///< seed of the random data
  bool keep_preempted = false;  ///< also write executions the OS switched out mid-way
  bool quiet = false;           ///< no summary on stdout
};
/// Runs the calibration of `airan calibrate`; returns the exit code (errors on stderr).
int run_calibration(const CalibrateOptions& options);

/// `airan llm ...`: model info, generation, make-model (LLM engine).
void add_llm_commands(CLI::App& app);

/// `airan run`: airan's main job.
void add_run_command(CLI::App& app);

/// `airan serve`: the OpenAI-compatible API on all cores, without RAN work.
void add_serve_command(CLI::App& app);

/// `airan bench serve` (API server overhead: requests/s of tiny generations, time to first token).
void add_bench_serve_command(CLI::App& bench);

/// `airan callcenter ...`: call transcript analysis (analyze) and API load replay (load).
void add_callcenter_commands(CLI::App& app);

}  // namespace airan::cli
