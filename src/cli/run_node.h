#pragma once
// `airan run`'s main job: one cell's PUSCH uplink processed by the shared-compute runtime in real
// time while the LLM engine runs on the cores the runtime lends.
//
// Traffic: keeping every emulated slot of a run would cost ~240 kB per slot (20 MHz, 2 RX), so a
// bank of slots is generated up front at `load.levels` constant load levels (`slots_per_level`
// each), and the run replays it in real time: slot n is released at its slot boundary (t0 + (n+1)
// slot durations, when its samples are complete) with the bank slot of the level nearest the load
// the profile asks for at that time. Deadline: runtime.deadline_slots slot durations after release.
//
// AI side: the LLM engine (ai.model, or a small random model written to a temp dir) with the
// built-in call-centre request generator. When it cannot be set up (model missing, unreadable,
// invalid) the run continues RAN-only with a warning, unless ai.required is true: then the run
// stops before it starts. A failing AI step never touches the RAN (see rt::CoreWorkers).

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "airan/common/expected.h"
#include "airan/predict/trace.h"
#include "airan/rt/ai_workload.h"
#include "airan/rt/metrics.h"
#include "airan/rt/scheduler.h"
#include "cli/run_config.h"

namespace airan::cli {

class EngineAiWorkload;

/// One second of the run (what the status line shows); core figures are averages over it.
struct RunTimelineRow {
  double t_s = 0;     ///< end of the second since the first slot boundary
  double span_s = 0;  ///< length of this row (1 s; the last row of a run may be shorter)
  double load = 0;    ///< offered load the profile asked for (0..1), at the second's middle
  uint64_t slots_submitted = 0, slots_done = 0, slots_dropped = 0;
  uint64_t misses = 0;  ///< tasks past their deadline, completed in this second
  uint64_t tbs = 0, tbs_ok = 0;
  uint64_t ai_tokens = 0;
  double ran_reserved_cores = 0;  ///< cores serving the RAN (shared: all)
  double ran_used_cores = 0;      ///< RAN task time / wall time
  double ai_lent_cores = 0;       ///< cores lent to AI
  double ai_used_cores = 0;       ///< AI busy time / wall time
  uint64_t ai_failures = 0;       ///< AI steps that threw, in this second
};

/// Everything a run measured.
struct RunResult {
  RunConfig config;
  std::vector<int> cpus;
  std::string report_dir;
  bool pinned = false;       ///< every worker pinned to its CPU
  bool realtime = false;     ///< scheduler and RAN workers got their SCHED_FIFO priorities
  bool memory_locked = false;  ///< the process's pages were locked in memory (no paging)
  bool interrupted = false;  ///< stopped by the stop flag (SIGINT/SIGTERM) before duration_s
  std::vector<std::string> warnings;
  predict::Trace task_trace;       ///< every task execution (first rows), as trace rows
  size_t predictor_retrains = 0;   ///< online model swaps (runtime.predictor)
  double slot_us = 0;  ///< slot duration
  unsigned bank_slots = 0;

  rt::MetricsSummary summary;
  std::vector<rt::DeadlineMiss> misses;  ///< every deadline miss
  uint64_t slots_submitted = 0;
  uint64_t slots_dropped = 0;    ///< not handed over: every receiver busy (a backlog), or rejected
  uint64_t slots_abandoned = 0;  ///< still in flight at the end
  uint64_t feeder_backups = 0;   ///< hand-overs the control ticks made for a late feeder
  uint64_t tbs = 0, tbs_ok = 0, stage_errors = 0;

  std::string ai_status;           ///< "LLM engine (model)", "disabled: ...", ...
  unsigned ai_workers_pinned = 0;  ///< engine workers pinned to their core's CPU
  uint64_t ai_tokens = 0, ai_requests = 0, ai_errors = 0, ai_failures = 0;
  bool ai_stopped = false;  ///< AI stopped after max_ai_failures failed steps in a row
  std::string last_ai_error;
  double ai_tokens_per_s = 0;
  rt::LatencySummary ai_request_latency;

  std::vector<RunTimelineRow> timeline;
};

struct RunHooks {
  /// Set (e.g. by a SIGINT/SIGTERM handler) to end the run early; the result is still complete.
  const std::atomic<bool>* stop = nullptr;
  /// Receives each status line and notice (default: stdout).
  std::function<void(const std::string&)> print;
  /// Called with the LLM engine once it is set up, before the runtime starts (an API server
  /// attaches here: EngineAiWorkload::engine() and set_event_sink()).
  std::function<void(EngineAiWorkload&)> on_ai_ready;
  /// Called with the runtime once it exists, before it starts (e.g. for live /metrics).
  std::function<void(const rt::Scheduler&)> on_runtime_ready;
  /// Called after the runtime has stopped, while the engine still exists.
  std::function<void()> on_stopped;
  /// An AI workload to run on lent cores instead of the LLM engine (at least as many cores as
  /// the CPU list); ai.* is then unused. Must outlive the call.
  rt::AiWorkload* ai_workload = nullptr;
};

/// Runs the node for config.duration_s (or until *hooks.stop): validates `config` first (error
/// names the field), sets everything up, replays the traffic in real time through the runtime,
/// and returns what it measured. Error: invalid config, or a setup failure of the RAN side, or of
/// the AI side when ai.required. Writes nothing to disk (see write_run_report).
Expected<RunResult> run_node(const RunConfig& config, const RunHooks& hooks = {});

/// The status line of one timeline row.
std::string format_status_line(const RunTimelineRow& row);

/// The end-of-run summary table.
std::string format_summary(const RunResult& result);

/// Writes report.json, timeline.csv and timeline.svg into `dir` (created). Error names the file.
Status write_run_report(const RunResult& result, const std::string& dir);

/// The timeline as an SVG document (RAN load, cores reserved vs used, AI tokens/s, misses).
std::string timeline_svg(const RunResult& result);

}  // namespace airan::cli
