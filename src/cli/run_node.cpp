#include "cli/run_node.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "airan/predict/online.h"
#include "airan/predict/quantile_tree.h"
#include "airan/ran/traffic.h"
#include "airan/rt/cpu_affinity.h"
#include "airan/rt/online_duration_model.h"
#include "airan/rt/policy.h"
#include "airan/rt/recent_quantile_model.h"
#include "airan/rt/recording_duration_model.h"
#include "airan/rt/scheduler.h"
#include "cli/engine_ai_workload.h"
#include "cli/pusch_slot_source.h"
#include "cli/slot_feed.h"
#include "cli/slot_handover.h"

namespace airan::cli {
namespace {

using std::chrono::duration_cast;
using std::chrono::nanoseconds;

// A temp dir removed on scope exit.
struct TempDir {
  std::filesystem::path path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

std::string timestamp_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", &tm);
  return buf;
}

// The run's load over time: the configured profile scaled to [load.min, load.max], one "day"
// compressed into the run.
ran::LoadProfile make_profile(const RunConfig& c) {
  const double lo = c.load.min, hi = c.load.max;
  std::vector<ran::LoadProfile::Point> points;
  if (c.load.profile == "flat") {
    points = {{0, hi}, {24, hi}};
  } else if (c.load.profile == "diurnal") {
    // A mobile day (night trough, evening peak), as ran::LoadProfile::diurnal, scaled.
    const std::pair<double, double> day[] = {{0, 0.25},  {4, 0},  {8, 0.5},   {12, 0.72},
                                             {17, 0.78}, {20, 1}, {23, 0.45}, {24, 0.25}};
    for (const auto& [hour, x] : day) points.push_back({hour, lo + (hi - lo) * x});
  } else {
    points = {{0, lo}, {12, hi}, {24, lo}};
  }
  auto profile = ran::LoadProfile::create(points, c.duration_s);
  return profile ? *profile : ran::LoadProfile::ramp_up_down(c.duration_s);
}

std::vector<double> bank_levels(const RunConfig& c) {
  std::vector<double> levels;
  if (c.load.levels == 1) return {c.load.max};
  for (unsigned i = 0; i < c.load.levels; ++i) {
    levels.push_back(c.load.min + (c.load.max - c.load.min) * i / (c.load.levels - 1));
  }
  return levels;
}

// Counters sampled once a second for the timeline.
struct Sample {
  rt::LiveCounters live;
  uint64_t submitted = 0, dropped = 0, tbs = 0, tbs_ok = 0, tokens = 0, ai_busy_ns = 0;
  rt::Clock::time_point at{};
};

}  // namespace

Expected<RunResult> run_node(const RunConfig& config, const RunHooks& hooks) {
  if (Status s = validate(config); !s) return Error{s.message()};
  const auto print = [&](const std::string& line) {
    if (hooks.print) {
      hooks.print(line);
    } else {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    }
  };
  RunResult r;
  r.config = config;
  r.cpus = effective_cpus(config);
  const auto n_cores = static_cast<unsigned>(r.cpus.size());

  r.report_dir = expand_report_dir(config.report.dir, timestamp_now());
  {
    std::error_code ec;
    std::filesystem::create_directories(r.report_dir, ec);
    if (ec) return Error{"report.dir: cannot create " + r.report_dir + ": " + ec.message()};
  }

  // Predict: the AI-for-RAN model (from a file, or trained here on the node's own executions as
  // they arrive), with the recent-history quantile per task type for types it does not know yet.
  rt::RecentQuantileOptions qo;
  qo.quantile = config.runtime.quantile;
  auto recent = rt::RecentQuantileModel::create(qo);
  if (!recent) return Error{"runtime.quantile: " + recent.error().message};
  // The model runs online: task types whose coverage drifts below its quantile are retrained in
  // the background on recent executions and swapped in.
  std::optional<predict::OnlinePredictor> online;
  std::optional<rt::OnlineDurationModel> tree_durations;
  rt::TaskDurationModel* durations = &*recent;
  std::optional<predict::QuantileTreeModel> initial;
  if (config.runtime.predictor_file()) {
    auto loaded = predict::QuantileTreeModel::load(config.runtime.predictor);
    if (!loaded) return Error{"runtime.predictor: " + loaded.error().message};
    initial = std::move(*loaded);
  } else if (config.runtime.predictor == "online") {
    initial = predict::QuantileTreeModel::untrained(config.runtime.quantile);
  }
  if (initial) {
    online.emplace(std::make_shared<const predict::QuantileTreeModel>(std::move(*initial)),
                   predict::OnlineOptions{});
    tree_durations.emplace(*online, *recent);
    durations = &*tree_durations;
  }
  // Every task execution also becomes a row of the node's own trace (report: tasks.csv), the
  // data `airan bench predictor` and retraining read.
  constexpr size_t kMaxTraceRows = 200000;
  rt::RecordingDurationModel recording(*durations, kMaxTraceRows);
  durations = &recording;

  // AI side. Nothing here may stop the RAN unless the user asked for it (ai.required).
  TempDir tmp;
  std::unique_ptr<EngineAiWorkload> engine;
  rt::AiWorkload* ai = nullptr;
  if (hooks.ai_workload != nullptr) {
    ai = hooks.ai_workload;
    r.ai_status = "external AI workload";
  } else if (!config.ai.enabled) {
    r.ai_status = "disabled (ai.enabled: false)";
  } else if (config.runtime.policy == "ran-only") {
    r.ai_status = "not started (policy ran-only lends no core)";
  } else {
    std::filesystem::path model = config.ai.model;
    Status setup;
    if (model.empty()) {
      tmp.path = std::filesystem::temp_directory_path() /
                 ("airan-run-" + std::to_string(::getpid()) + "-" + timestamp_now());
      std::error_code ec;
      std::filesystem::create_directories(tmp.path, ec);
      model = tmp.path / "model.gguf";
      if (ec) {
        setup = Error{"temp dir " + tmp.path.string() + ": " + ec.message()};
      } else {
        print("airan run: writing a small random LLM (" + model.string() + ")");
        setup = write_small_model(model, config.seed);
      }
    }
    if (setup) {
      EngineAiOptions eo;
      eo.cores = n_cores;
      eo.max_sequences = config.ai.max_sequences;
      eo.max_tokens = config.ai.max_tokens;
      eo.n_ctx = config.ai.ctx;
      eo.queued_requests = config.ai.queued_requests;
      eo.seed = config.seed;
      eo.cpus = r.cpus;
      auto created = EngineAiWorkload::create(model, eo);
      if (created) {
        engine = std::move(*created);
        ai = engine.get();
        r.ai_workers_pinned = engine->pinned_workers();
        r.ai_status = "LLM engine (" +
                      (config.ai.model.empty() ? "small random model" : model.string()) + ")";
      } else {
        setup = Error{created.error().message};
      }
    }
    if (!setup) {
      const std::string what =
          "ai.model: " + (config.ai.model.empty() ? std::string("(generated)") : config.ai.model) +
          ": " + setup.message();
      if (config.ai.required) return Error{what + " (ai.required is true)"};
      r.warnings.push_back(what + "; running RAN-only (lent cores stay idle)");
      r.ai_status = "disabled: " + setup.message();
      print("airan run: WARNING: " + r.warnings.back());
    }
  }

  // RAN side: the bank of emulated slots.
  PuschSlotSourceOptions so;
  so.cell.bandwidth_mhz = config.cell.bandwidth_mhz;
  so.cell.scs_khz = config.cell.scs_khz;
  so.cell.nof_rx = config.cell.rx;
  so.ues = config.cell.ues;
  so.ue_peak_mbps = config.cell.ue_peak_mbps;
  so.traffic = *ran::traffic_kind_from_name(config.cell.traffic);
  so.snr_min_db = config.cell.snr_min_db;
  so.snr_max_db = config.cell.snr_max_db;
  so.load_levels = bank_levels(config);
  so.slots = config.load.slots_per_level;
  so.pool = receivers_needed(config.cell.k2, config.runtime.deadline_slots);
  so.seed = config.seed;
  print("airan run: generating " + std::to_string(so.load_levels.size() * so.slots) +
        " emulated slots (" + std::to_string(so.load_levels.size()) + " load levels x " +
        std::to_string(so.slots) + ") with the UE emulator");
  auto source_or = PuschSlotSource::create(so);
  if (!source_or) return Error{"cell: " + source_or.error().message};
  PuschSlotSource& source = **source_or;
  r.bank_slots = static_cast<unsigned>(source.slots());
  const rt::Clock::duration dt = source.slot_duration();
  r.slot_us = std::chrono::duration<double, std::micro>(dt).count();

  rt::PolicyOptions po;
  po.static_ran_cores = config.runtime.static_ran_cores;
  po.min_ran_cores = config.runtime.min_ran_cores;
  po.reserve_ahead = std::chrono::microseconds(config.runtime.reserve_ahead_us);
  auto policy = rt::make_policy(config.runtime.policy, po);
  if (!policy) return Error{"runtime." + policy.error().message};
  rt::SchedulerConfig sc;
  sc.cpus = r.cpus;
  sc.period = std::chrono::microseconds(config.runtime.period_us);
  sc.max_ai_failures = config.runtime.max_ai_failures;
  sc.realtime_priority = static_cast<int>(config.runtime.realtime_priority);
  sc.tick_record_limit = 1u << 16;  // the summary covers every tick; records only for debugging
  auto scheduler_or = rt::Scheduler::create(sc, std::move(*policy), *durations, ai);
  if (!scheduler_or) return Error{"runtime." + scheduler_or.error().message};
  rt::Scheduler& s = **scheduler_or;
  if (hooks.on_runtime_ready) hooks.on_runtime_ready(s);
  if (engine && hooks.on_ai_ready) hooks.on_ai_ready(*engine);

  const ran::LoadProfile profile = make_profile(config);
  const auto run_for =
      duration_cast<rt::Clock::duration>(std::chrono::duration<double>(config.duration_s));
  const auto interrupted = [&] {
    return hooks.stop != nullptr && hooks.stop->load(std::memory_order_relaxed);
  };

  {
    char line[512];
    std::snprintf(line, sizeof(line),
                  "airan run: %u cores, policy %s, period %u us, 1 cell %u MHz / %u kHz / %u RX, "
                  "%u UEs, load %s %.0f%%..%.0f%%, deadline %.1f slots, %.1f s; AI: %s",
                  n_cores, config.runtime.policy.c_str(), config.runtime.period_us,
                  config.cell.bandwidth_mhz, config.cell.scs_khz, config.cell.rx, config.cell.ues,
                  config.load.profile.c_str(), 100 * config.load.min, 100 * config.load.max,
                  config.runtime.deadline_slots, config.duration_s, r.ai_status.c_str());
    print(line);
  }

  if (sc.realtime_priority > 0) r.memory_locked = rt::lock_memory();
  // The front end: slot n is released at t0 + (n+1) dt and handed over from its grant on (cell.k2),
  // replaying the bank slot of the level nearest the profile's load then.
  SlotFeedOptions fo;
  fo.slots = static_cast<uint64_t>(run_for / dt);
  fo.k2 = config.cell.k2;
  fo.deadline_slots = config.runtime.deadline_slots;
  fo.drop_when_busy = true;  // every receiver busy: slots are already far past their deadlines
  SlotFeed feed(source, s, fo, [&](uint64_t n) {
    const double t_s = std::chrono::duration<double>(dt * static_cast<int64_t>(n)).count();
    return source.slot_for(profile.load_at(t_s), n);
  });
  s.set_tick_hook([&feed](rt::Clock::time_point now) { feed.hand_over_late(now); });
  s.start();
  const rt::Clock::time_point t0 = rt::Clock::now() + std::chrono::milliseconds(2);
  feed.begin(t0);
  Sample prev;
  prev.at = t0;
  const auto take_sample = [&](rt::Clock::time_point at) {
    Sample x;
    x.live = s.live();
    x.submitted = feed.submitted();
    x.dropped = feed.dropped();
    x.tbs = source.tbs();
    x.tbs_ok = source.tbs_ok();
    x.tokens = engine ? engine->tokens() : 0;
    x.ai_busy_ns = ai != nullptr ? ai->busy_ns() : 0;
    x.at = at;
    return x;
  };
  const auto add_row = [&](const Sample& now) {
    const double wall = std::chrono::duration<double>(now.at - prev.at).count();
    if (wall <= 0) return;
    RunTimelineRow row;
    row.t_s = std::chrono::duration<double>(now.at - t0).count();
    row.span_s = wall;
    row.load = profile.load_at(row.t_s - wall / 2);
    row.slots_submitted = now.submitted - prev.submitted;
    row.slots_done = now.live.slots_done - prev.live.slots_done;
    row.slots_dropped = now.dropped - prev.dropped;
    row.misses = now.live.misses - prev.live.misses;
    row.tbs = now.tbs - prev.tbs;
    row.tbs_ok = now.tbs_ok - prev.tbs_ok;
    row.ai_tokens = now.tokens - prev.tokens;
    const uint64_t ticks = now.live.ticks - prev.live.ticks;
    if (ticks > 0) {
      row.ran_reserved_cores =
          static_cast<double>(now.live.ran_core_ticks - prev.live.ran_core_ticks) / ticks;
      row.ai_lent_cores =
          static_cast<double>(now.live.lent_core_ticks - prev.live.lent_core_ticks) / ticks;
    }
    row.ran_used_cores =
        static_cast<double>(now.live.ran_busy_ns - prev.live.ran_busy_ns) / 1e9 / wall;
    row.ai_used_cores = static_cast<double>(now.ai_busy_ns - prev.ai_busy_ns) / 1e9 / wall;
    row.ai_failures = now.live.ai_failures - prev.live.ai_failures;
    r.timeline.push_back(row);
    if (config.report.status) print(format_status_line(row));
    prev = now;
  };

  // The feeder, with a status line every second, until every slot is handed over (or
  // SIGINT/SIGTERM).
  rt::Clock::time_point next_status = t0 + std::chrono::seconds(1);
  bool warned_reject = false;
  run_feeder(feed, sc.realtime_priority, [&] {
    if (interrupted()) {
      r.interrupted = true;
      return false;
    }
    while (rt::Clock::now() >= next_status) {
      add_row(take_sample(next_status));
      next_status += std::chrono::seconds(1);
    }
    if (!warned_reject && !feed.first_rejection().empty()) {
      warned_reject = true;
      r.warnings.push_back(feed.first_rejection());
      print("airan run: WARNING: " + r.warnings.back());
    }
    return true;
  });
  r.slots_submitted = feed.submitted();
  r.slots_dropped = feed.dropped();
  r.feeder_backups = feed.backups();
  // Let the last slots finish (they are due within a few slot durations), then stop.
  s.wait_idle(std::chrono::seconds(2));
  const rt::Clock::time_point end = rt::Clock::now();
  if (end > prev.at + std::chrono::milliseconds(100)) add_row(take_sample(end));
  r.pinned = s.pinned();
  r.realtime = s.realtime();
  s.stop();
  if (hooks.on_stopped) hooks.on_stopped();

  const rt::RuntimeMetrics& m = s.metrics();
  r.summary = m.summary();
  r.misses = m.misses();
  r.slots_abandoned = s.abandoned_slots();
  const rt::LiveCounters live = s.live();
  r.ai_failures = live.ai_failures;
  r.ai_stopped = live.ai_stopped;
  r.last_ai_error = s.last_ai_error();
  r.task_trace = recording.trace();
  if (online) r.predictor_retrains = online->retrain_count();
  r.tbs = source.tbs();
  r.tbs_ok = source.tbs_ok();
  r.stage_errors = source.stage_errors();
  if (engine) {
    r.ai_tokens = engine->tokens();
    r.ai_requests = engine->finished_requests();
    r.ai_errors = engine->errors();
    r.ai_request_latency = rt::summarize_ns(engine->request_latencies_ns());
  }
  r.ai_tokens_per_s =
      r.summary.wall_s > 0 ? static_cast<double>(r.ai_tokens) / r.summary.wall_s : 0;
  if (r.ai_stopped) {
    r.warnings.push_back("AI work stopped after " + std::to_string(config.runtime.max_ai_failures) +
                         " failed steps in a row (last: " + r.last_ai_error + "); RAN continued");
  }
  scheduler_or->reset();  // before the engine, the duration models and the source
  source.release_all();
  return r;
}

}  // namespace airan::cli
