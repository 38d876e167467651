#include "cli/bench_policies.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "airan/predict/online.h"
#include "airan/predict/quantile_tree.h"
#include "airan/rt/cpu_affinity.h"
#include "airan/rt/host_jitter.h"
#include "airan/rt/online_duration_model.h"
#include "airan/rt/policy.h"
#include "airan/rt/recent_quantile_model.h"
#include "airan/rt/recording_duration_model.h"
#include "airan/rt/scheduler.h"
#include "cli/commands.h"
#include "cli/engine_ai_workload.h"
#include "cli/platform_jitter.h"
#include "cli/pusch_slot_source.h"
#include "cli/slot_feed.h"
#include "cli/slot_handover.h"

namespace airan::cli {
namespace {

constexpr const char* kAllPolicies[] = {"ran-only", "static", "shared-naive", "reactive",
                                        "predictive"};

// A temp dir removed on scope exit.
struct TempDir {
  std::filesystem::path path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

// `predictive` with task durations from the AI-for-RAN model instead of recent history.
constexpr const char* kPredictiveModel = "predictive+model";

// The policy a row name stands for.
std::string policy_of(const std::string& name) {
  return name == kPredictiveModel ? "predictive" : name;
}

// Runs one policy. Durations: the `quantile` of recent history, or `tree` (online: drifting task
// types retrain); `record` (may be null) receives every task execution.
Expected<PolicyBenchRow> run_one(const std::string& name, const PolicyBenchOptions& o, size_t slots,
                                 PuschSlotSource& source, const std::filesystem::path& model,
                                 double quantile,
                                 std::shared_ptr<const predict::QuantileTreeModel> tree,
                                 predict::Trace* record) {
  rt::PolicyOptions po;
  po.static_ran_cores = o.static_ran_cores;
  po.reserve_ahead = std::chrono::microseconds(o.reserve_ahead_us);
  auto policy = rt::make_policy(policy_of(name), po);
  if (!policy) return policy.error();
  rt::RecentQuantileOptions ro;
  ro.quantile = quantile;
  auto recent = rt::RecentQuantileModel::create(ro);
  if (!recent) return Error{"quantile: " + recent.error().message};
  rt::TaskDurationModel* durations = &*recent;
  std::optional<predict::OnlinePredictor> online;
  std::optional<rt::OnlineDurationModel> online_durations;
  if (tree) {
    online.emplace(tree, predict::OnlineOptions{});
    online_durations.emplace(*online, *recent);
    durations = &*online_durations;
  }
  constexpr size_t kMaxRecordedTasks = 1u << 20;
  std::optional<rt::RecordingDurationModel> recording;
  if (record != nullptr) {
    recording.emplace(*durations, kMaxRecordedTasks);
    durations = &*recording;
  }
  rt::SchedulerConfig config;
  config.cpus = rt::allowed_cpus();
  config.realtime_priority = o.realtime_priority;
  config.period = std::chrono::microseconds(o.period_us);
  EngineAiOptions ai_options;
  ai_options.cores = static_cast<unsigned>(config.cpus.size());
  ai_options.seed = o.seed;
  ai_options.cpus = config.cpus;  // engine worker c runs on the CPU of core c
  auto ai = EngineAiWorkload::create(model, ai_options);
  if (!ai) return ai.error();
  auto scheduler = rt::Scheduler::create(config, std::move(*policy), *durations, ai->get());
  if (!scheduler) return scheduler.error();
  rt::Scheduler& s = **scheduler;

  const uint64_t tbs0 = source.tbs(), ok0 = source.tbs_ok(), err0 = source.stage_errors();
  SlotFeedOptions fo;
  fo.slots = slots;
  fo.k2 = o.k2;
  fo.deadline_slots = o.deadline_slots;
  fo.drop_when_busy = false;  // identical traffic for every policy: every slot runs
  SlotFeed feed(source, s, fo, [](uint64_t n) { return static_cast<size_t>(n); });
  s.set_tick_hook([&feed](rt::Clock::time_point now) { feed.hand_over_late(now); });
  s.start();
  feed.begin(rt::Clock::now() + std::chrono::milliseconds(2));
  run_feeder(feed, o.realtime_priority, [] { return true; });
  s.wait_idle(std::chrono::seconds(30));
  const bool realtime = s.realtime();
  s.stop();
  const rt::MetricsSummary m = s.metrics().summary();
  PolicyBenchRow row;
  row.policy = name;
  row.durations = tree ? "model" : "recent-quantile";
  row.quantile = tree ? tree->quantile() : quantile;
  row.slots = m.slots;
  row.submitted = feed.submitted();
  row.misses = m.missed_slots;
  row.task_misses = m.misses;
  row.miss_rate = m.miss_rate;
  row.reclaimed_fraction = m.reclaimed_fraction;
  row.ai_tokens = (*ai)->tokens();
  row.ai_tokens_per_s = m.wall_s > 0 ? static_cast<double>(row.ai_tokens) / m.wall_s : 0.0;
  row.park_p99_us = m.park_latency.p99_us;
  row.reclaim_p99_us = m.reclaim_latency.p99_us;
  row.realtime = realtime;
  row.slot_p99_us = m.slot_latency.p99_us;
  row.slot_p50_us = m.slot_latency.p50_us;
  row.tbs = source.tbs() - tbs0;
  row.tbs_ok = source.tbs_ok() - ok0;
  row.stage_errors = source.stage_errors() - err0;
  row.abandoned = s.abandoned_slots();
  row.tick_takeovers = m.tick_takeovers;
  row.feeder_backups = feed.backups();
  row.wall_s = m.wall_s;
  row.ai_busy_core_s = m.ai_busy_ns * 1e-9;
  row.lendable_core_s = (m.total_core_ns - m.ran_busy_ns) * 1e-9;
  row.misses_by_round = {row.misses};
  row.park_ns = s.metrics().park_latencies_ns();
  row.reclaim_ns = s.metrics().reclaim_latencies_ns();
  for (const rt::SlotRecord& r : s.metrics().slots()) row.slot_ns.push_back(r.latency_ns);
  (*scheduler).reset();  // before the AI workload and the durations model
  if (recording) *record = recording->trace();
  source.release_all();  // receivers of abandoned slots (no task runs any more)
  if (const std::string rejected = feed.first_rejection(); !rejected.empty()) {
    return Error{name + ": " + rejected};
  }
  if (row.submitted < slots) {
    return Error{name + ": " + std::to_string(slots - row.submitted) +
                 " slots never handed over (every receiver stayed busy for 10 s)"};
  }
  return row;
}

// Adds a later round of the same policy to its row (see PolicyBenchRow::misses_by_round).
void add_round(PolicyBenchRow& total, const PolicyBenchRow& r) {
  total.slots += r.slots;
  total.submitted += r.submitted;
  total.misses += r.misses;
  total.task_misses += r.task_misses;
  total.miss_rate = total.slots > 0 ? static_cast<double>(total.misses) / total.slots : 0.0;
  total.ai_tokens += r.ai_tokens;
  total.wall_s += r.wall_s;
  total.ai_tokens_per_s = total.wall_s > 0 ? total.ai_tokens / total.wall_s : 0.0;
  total.ai_busy_core_s += r.ai_busy_core_s;
  total.lendable_core_s += r.lendable_core_s;
  total.reclaimed_fraction =
      total.lendable_core_s > 0 ? total.ai_busy_core_s / total.lendable_core_s : 0.0;
  const auto pool = [](std::vector<int64_t>& into, const std::vector<int64_t>& more) {
    into.insert(into.end(), more.begin(), more.end());
    return rt::summarize_ns(into);
  };
  total.park_p99_us = pool(total.park_ns, r.park_ns).p99_us;
  total.reclaim_p99_us = pool(total.reclaim_ns, r.reclaim_ns).p99_us;
  const rt::LatencySummary slot = pool(total.slot_ns, r.slot_ns);
  total.slot_p99_us = slot.p99_us;
  total.slot_p50_us = slot.p50_us;
  total.realtime = total.realtime && r.realtime;
  total.tbs += r.tbs;
  total.tbs_ok += r.tbs_ok;
  total.stage_errors += r.stage_errors;
  total.abandoned += r.abandoned;
  total.tick_takeovers += r.tick_takeovers;
  total.feeder_backups += r.feeder_backups;
  total.misses_by_round.push_back(r.misses);
}

nlohmann::json to_json(const PolicyBenchRow& r) {
  return {{"policy", r.policy},
          {"durations", r.durations},
          {"quantile", r.quantile},
          {"sweep", r.sweep},
          {"slots", r.slots},
          {"misses", r.misses},
          {"miss_rate", r.miss_rate},
          {"reclaimed_fraction", r.reclaimed_fraction},
          {"ai_tokens_per_s", r.ai_tokens_per_s},
          {"park_p99_us", r.park_p99_us},
          {"reclaim_p99_us", r.reclaim_p99_us},
          {"realtime", r.realtime},
          {"slot_p99_us", r.slot_p99_us},
          {"slot_p50_us", r.slot_p50_us},
          {"task_misses", r.task_misses},
          {"submitted", r.submitted},
          {"ai_tokens", r.ai_tokens},
          {"tbs", r.tbs},
          {"tbs_ok", r.tbs_ok},
          {"abandoned", r.abandoned},
          {"tick_takeovers", r.tick_takeovers},
          {"feeder_backups", r.feeder_backups},
          {"wall_s", r.wall_s},
          {"misses_by_round", r.misses_by_round}};
}

}  // namespace

Expected<std::vector<PolicyBenchRow>> run_policy_bench(const PolicyBenchOptions& o) {
  std::vector<std::string> names = o.policies;
  if (names.empty()) {
    names.assign(std::begin(kAllPolicies), std::end(kAllPolicies));
    names.emplace_back(kPredictiveModel);
  }
  if (o.rounds == 0) return Error{"--rounds: must be at least 1"};
  for (const auto& n : names) {
    if (auto p = rt::make_policy(policy_of(n), o.static_ran_cores); !p)
      return Error{"--policies: " + n + ": " + p.error().message};
  }
  std::shared_ptr<const predict::QuantileTreeModel> tree;
  if (!o.predictor.empty()) {
    auto loaded = predict::QuantileTreeModel::load(o.predictor);
    if (!loaded) return Error{"--predictor: " + loaded.error().message};
    tree = std::make_shared<const predict::QuantileTreeModel>(std::move(*loaded));
  } else {
    const auto model_row = std::find(names.begin(), names.end(), kPredictiveModel);
    if (model_row != names.end() &&
        std::find(names.begin(), model_row, "predictive") == model_row) {
      return Error{
          "--policies: predictive+model needs --predictor FILE, or predictive before it "
          "(its run records the trace the model is trained on)"};
    }
  }
  if (o.sweep && std::find(names.begin(), names.end(), "predictive") == names.end()) {
    return Error{
        "--sweep: needs predictive among --policies (its run records the trace the "
        "swept models are trained on)"};
  }
  for (const double q : o.sweep_model) {
    if (!(q > 0 && q < 1))
      return Error{"--sweep model quantile " + std::to_string(q) + " not in (0, 1)"};
  }
  TempDir tmp;
  std::filesystem::path model = o.model;
  if (model.empty()) {
    tmp.path = std::filesystem::temp_directory_path() /
               ("airan-bench-policies-" + std::to_string(::getpid()));
    std::error_code ec;
    std::filesystem::create_directories(tmp.path, ec);
    if (ec) return Error{"temp dir " + tmp.path.string() + ": " + ec.message()};
    model = tmp.path / "model.gguf";
    if (Status s = write_small_model(model, o.seed); !s) return Error{s.message()};
  }
  PuschSlotSourceOptions so;
  so.ues = o.ues;
  so.ue_peak_mbps = o.ue_peak_mbps;
  so.slots = o.slots;
  so.seed = o.seed;
  so.pool = receivers_needed(o.k2, o.deadline_slots);
  auto source = PuschSlotSource::create(so);
  if (!source) return source.error();
  // Warm-up, not reported: the first run would otherwise also pay for first-touch page faults of
  // the slot bank and the receivers, and for the CPU's caches and clock ramping up.
  const size_t warmup = std::min<size_t>((*source)->slots(), 200);
  if (auto w = run_one("ran-only", o, warmup, **source, model, o.quantile, nullptr, nullptr); !w) {
    return w.error();
  }
  // The predictive run records the node's own task executions; the model is trained on them.
  predict::Trace trace;
  const auto train =
      [&](double quantile) -> Expected<std::shared_ptr<const predict::QuantileTreeModel>> {
    predict::QuantileTreeOptions to;
    to.quantile = quantile;
    auto trained = predict::QuantileTreeModel::train(trace, {}, to);
    if (!trained) {
      return Error{"training the predictor on the predictive run's trace: " +
                   trained.error().message};
    }
    return std::make_shared<const predict::QuantileTreeModel>(std::move(*trained));
  };
  std::vector<PolicyBenchRow> rows;  // rows[i]: names[i] over the rounds so far
  for (unsigned round = 0; round < o.rounds; ++round) {
    for (size_t step = 0; step < names.size(); ++step) {
      // Round 0 runs the list as given (predictive, which records the trace, before
      // predictive+model); later ones reuse the model trained then.
      const size_t i = (step + round) % names.size();
      const std::string& n = names[i];
      const bool trains = n == "predictive" && trace.rows() == 0;
      auto row = run_one(n, o, (*source)->slots(), **source, model, o.quantile,
                         n == kPredictiveModel ? tree : nullptr, trains ? &trace : nullptr);
      if (!row) return row.error();
      if (round == 0) {
        rows.push_back(std::move(*row));
      } else {
        add_round(rows[i], *row);
      }
      if (trains && tree == nullptr) {
        auto trained = train(o.predictor_quantile);
        if (!trained) return trained.error();
        tree = std::move(*trained);
      }
    }
  }
  if (!o.sweep) return rows;
  for (const double q : o.sweep_recent) {
    auto row = run_one("predictive", o, (*source)->slots(), **source, model, q, nullptr, nullptr);
    if (!row) return row.error();
    row->sweep = true;
    rows.push_back(std::move(*row));
  }
  for (const double q : o.sweep_model) {
    auto tree_q = train(q);
    if (!tree_q) return tree_q.error();
    auto row = run_one(kPredictiveModel, o, (*source)->slots(), **source, model, o.quantile,
                       std::move(*tree_q), nullptr);
    if (!row) return row.error();
    row->sweep = true;
    rows.push_back(std::move(*row));
  }
  return rows;
}

std::vector<EqualMissPoint> best_within_misses(const std::vector<PolicyBenchRow>& rows,
                                               double miss_budget) {
  std::vector<EqualMissPoint> out;
  for (const char* durations : {"recent-quantile", "model"}) {
    EqualMissPoint best;
    best.durations = durations;
    for (const PolicyBenchRow& r : rows) {
      if (!r.sweep || r.durations != durations || r.miss_rate > miss_budget) continue;
      if (!best.found || r.reclaimed_fraction > best.reclaimed_fraction) {
        best.found = true;
        best.quantile = r.quantile;
        best.miss_rate = r.miss_rate;
        best.reclaimed_fraction = r.reclaimed_fraction;
      }
    }
    out.push_back(best);
  }
  return out;
}

std::vector<PolicyGoalCheck> check_policy_goals(const std::vector<PolicyBenchRow>& rows) {
  const auto find = [&](const char* policy) -> const PolicyBenchRow* {
    for (const PolicyBenchRow& r : rows) {
      if (!r.sweep && r.policy == policy) return &r;
    }
    return nullptr;
  };
  const PolicyBenchRow* ran_only = find("ran-only");
  const PolicyBenchRow* predictive = find("predictive");
  const PolicyBenchRow* naive = find("shared-naive");
  const auto misses = [](const PolicyBenchRow& r) {
    return r.policy + " " + std::to_string(r.misses) + " of " + std::to_string(r.slots) + " slots";
  };
  constexpr double kMissAllowance = 1e-4;  // of slots, over ran-only's miss rate
  constexpr double kReclaimedGoal = 0.8;
  constexpr double kParkP99GoalUs = 50;
  std::vector<PolicyGoalCheck> out;
  const auto number = [](const char* format, double value) {
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return std::string(text);
  };
  // A goal is checked (met() and measured() called) only when the rows it needs were run.
  const auto check = [&](const char* goal, bool runnable, const auto& met, const auto& measured) {
    PolicyGoalCheck g;
    g.goal = goal;
    g.checked = runnable;
    if (runnable) {
      g.met = met();
      g.measured = measured();
    }
    out.push_back(std::move(g));
  };
  const bool compared = ran_only != nullptr && predictive != nullptr;
  // 1e-12: exactly the allowance is met, whatever the rates' rounding.
  check(
      "predictive misses <= ran-only + 1e-4 of slots", compared,
      [&] { return predictive->miss_rate <= ran_only->miss_rate + kMissAllowance + 1e-12; },
      [&] { return misses(*predictive) + ", " + misses(*ran_only); });
  check(
      "predictive reclaims >= 0.8 of idle core time", predictive != nullptr,
      [&] { return predictive->reclaimed_fraction >= kReclaimedGoal; },
      [&] { return number("%.3f", predictive->reclaimed_fraction); });
  check(
      "predictive AI park p99 <= 50 us", predictive != nullptr,
      [&] { return predictive->park_p99_us <= kParkP99GoalUs; },
      [&] { return number("%.1f us", predictive->park_p99_us); });
  check(
      "shared-naive misses more than ran-only", ran_only != nullptr && naive != nullptr,
      [&] { return naive->miss_rate > ran_only->miss_rate; },
      [&] { return misses(*naive) + ", " + misses(*ran_only); });
  return out;
}

namespace {

// "3/0/12": slots missed in each round.
std::string join_rounds(const std::vector<uint64_t>& misses) {
  std::string out;
  for (const uint64_t m : misses) {
    if (!out.empty()) out += '/';
    out += std::to_string(m);
  }
  return out;
}

// The reclaimed fraction each predictor reaches at equal misses: for every miss rate a sweep
// point reached, each predictor's best point within it.
void print_equal_misses(const std::vector<PolicyBenchRow>& rows) {
  std::vector<double> budgets;
  for (const auto& r : rows) {
    if (r.sweep) budgets.push_back(r.miss_rate);
  }
  std::sort(budgets.begin(), budgets.end());
  budgets.erase(std::unique(budgets.begin(), budgets.end()), budgets.end());
  std::printf("reclaimed fraction at equal deadline misses (best sweep point within the budget)\n");
  std::printf("%12s %24s %24s\n", "miss_budget", "recent-quantile (q)", "model (q)");
  for (const double b : budgets) {
    std::printf("%12.5f", b);
    for (const EqualMissPoint& p : best_within_misses(rows, b)) {
      if (p.found) {
        std::printf(" %14.3f (%7g)", p.reclaimed_fraction, p.quantile);
      } else {
        std::printf(" %24s", "none within");
      }
    }
    std::printf("\n");
  }
}

// The platform right after the runs: misses are to be read against the time the host took.
void print_platform(double seconds, int realtime_priority) {
  rt::HostJitterOptions probe;
  probe.cpus = rt::allowed_cpus();
  probe.duration =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
  probe.realtime_priority = realtime_priority;
  auto rows = probe_loads(probe, 1);
  if (!rows) {
    std::printf("platform: not probed (%s)\n", rows.error().message.c_str());
    return;
  }
  std::printf("platform (as `airan bench jitter`, %.1f s per load, after the runs):\n%s", seconds,
              platform_summary(*rows).c_str());
}

}  // namespace

void add_bench_policies_command(CLI::App& bench) {
  static PolicyBenchOptions o;
  static bool json = false;
  static std::string policies;
  auto* cmd = bench.add_subcommand(
      "policies", "Every core-allocation policy on identical emulated PUSCH traffic + LLM engine");
  cmd->add_option("--slots", o.slots, "Slots per policy (0.5 ms each)")
      ->check(CLI::Range(1u, 1000000u));
  cmd->add_option("--ues", o.ues, "Emulated UEs")->check(CLI::Range(1u, 16u));
  cmd->add_option("--ue-peak-mbps", o.ue_peak_mbps, "Offered uplink rate per UE at full load");
  cmd->add_option("--seed", o.seed, "Random seed (traffic and AI requests)");
  cmd->add_option("--static-ran-cores", o.static_ran_cores, "RAN cores of the static policy");
  cmd->add_option("--policies", policies, "Comma-separated policies (default: all)");
  cmd->add_option("--model", o.model, "GGUF model for the AI side (default: a small random one)");
  cmd->add_option("--predictor", o.predictor,
                  "Quantile-tree model for predictive+model (default: trained on the predictive "
                  "run's own task trace)");
  cmd->add_option("--predictor-quantile", o.predictor_quantile,
                  "Target quantile of the model trained here")
      ->check(CLI::Range(0.9, 0.999999));
  cmd->add_option("--quantile", o.quantile, "Duration quantile of the recent-history model")
      ->check(CLI::Range(0.01, 1.0));
  cmd->add_flag("--sweep", o.sweep,
                "Then predictive at several recent-history quantiles and model quantiles, compared "
                "at equal deadline misses");
  cmd->add_option("--reserve-ahead-us", o.reserve_ahead_us,
                  "predictive: reserve cores for slots released within this (us; 0: off)")
      ->check(CLI::Range(0u, 100000u));
  cmd->add_option("--deadline-slots", o.deadline_slots,
                  "Deadline after the slot's samples are complete, in slots (tighter: predictions "
                  "matter more)")
      ->check(CLI::Range(0.1, 16.0));
  cmd->add_option("--k2", o.k2,
                  "Uplink grant lead in slots: the runtime gets each slot's task graph this many "
                  "slots before the slot (its tasks still wait for its samples)")
      ->check(CLI::Range(0u, 32u));
  cmd->add_option("--period-us", o.period_us, "Scheduler tick period (us)")
      ->check(CLI::Range(1u, 10000u));
  cmd->add_option("--realtime-priority", o.realtime_priority,
                  "SCHED_FIFO priority of the RAN threads (scheduler +1); 0: normal scheduling")
      ->check(CLI::Range(0, 98));
  cmd->add_option("--rounds", o.rounds,
                  "Run the policy list this many times, each round starting one policy later; "
                  "rows sum the rounds (a fair comparison on a noisy host)")
      ->check(CLI::Range(1u, 1000u));
  static double platform_seconds = 2;
  cmd->add_option("--platform-seconds", platform_seconds,
                  "Table only: then probe the platform as `airan bench jitter` does, this long per "
                  "load (0: not)")
      ->check(CLI::Range(0.0, 600.0));
  cmd->add_flag("--json", json, "Print a JSON array instead of a table");
  cmd->callback([] {
    o.policies.clear();
    for (size_t pos = 0; pos < policies.size();) {
      const size_t end = std::min(policies.find(',', pos), policies.size());
      if (end > pos) o.policies.push_back(policies.substr(pos, end - pos));
      pos = end + 1;
    }
    // As `airan run` does: a real-time RAN must not page (an evicted page of the binary or the
    // model costs a read from disk, milliseconds, in whichever thread touches it first).
    if (o.realtime_priority > 0) rt::lock_memory();
    auto rows = run_policy_bench(o);
    if (!rows) {
      std::fprintf(stderr, "airan bench policies: %s\n", rows.error().message.c_str());
      std::exit(1);
    }
    if (json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& r : *rows) out.push_back(to_json(r));
      std::printf("%s\n", out.dump(2).c_str());
      return;
    }
    std::printf("%-16s %9s %7s %7s %9s %10s %11s %11s %12s %11s %9s %9s%s\n", "policy", "quantile",
                "slots", "misses", "miss_rate", "reclaimed", "ai_tok/s", "park_p99us",
                "reclaim_p99us", "slot_p99us", "TB_ok", "takeovers",
                o.rounds > 1 ? "  misses_by_round" : "");
    bool sweep_heading = false;
    for (const auto& r : *rows) {
      if (r.sweep && !sweep_heading) {
        std::printf("sweep: predictive with each duration predictor at several quantiles\n");
        sweep_heading = true;
      }
      std::printf(
          "%-16s %9g %7llu %7llu %9.5f %10.3f %11.1f %11.1f %12.1f %11.1f %4llu/%-4llu %9llu  "
          "%s\n",
          r.policy.c_str(), r.quantile, static_cast<unsigned long long>(r.slots),
          static_cast<unsigned long long>(r.misses), r.miss_rate, r.reclaimed_fraction,
          r.ai_tokens_per_s, r.park_p99_us, r.reclaim_p99_us, r.slot_p99_us,
          static_cast<unsigned long long>(r.tbs_ok), static_cast<unsigned long long>(r.tbs),
          static_cast<unsigned long long>(r.tick_takeovers),
          r.misses_by_round.size() > 1 ? join_rounds(r.misses_by_round).c_str() : "");
    }
    if (o.rounds > 1) {
      std::printf("(%u rounds, each starting one policy later; latencies over every round)\n",
                  o.rounds);
    }
    for (const PolicyGoalCheck& g : check_policy_goals(*rows)) {
      if (!g.checked) continue;
      std::printf("goal %-46s %-4s %s\n", g.goal.c_str(), g.met ? "met" : "NOT",
                  g.measured.c_str());
    }
    if (sweep_heading) print_equal_misses(*rows);
    if (platform_seconds > 0) print_platform(platform_seconds, o.realtime_priority);
    if (!rows->empty() && !rows->front().realtime && o.realtime_priority > 0) {
      std::printf("(real-time priority refused by the OS: RAN threads ran at normal priority)\n");
    }
  });
}

}  // namespace airan::cli
