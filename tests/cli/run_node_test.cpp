// `airan run` end to end on short runs (about a second): the RAN is processed whatever happens on
// the AI side (model missing or unreadable, steps that throw, a request flood), a stop request
// ends the run with a complete result, and the report folder is written. Invariants and counters
// only: the machine is shared, nothing here depends on timing.
#include "cli/run_node.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "airan/llm/engine.h"
#include "airan/rt/cpu_affinity.h"
#include "cli/engine_ai_workload.h"

namespace airan::cli {
namespace {

std::filesystem::path temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("airan_run_node_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// One second, a small slot bank, two cores at most.
RunConfig short_config(const std::filesystem::path& dir) {
  RunConfig c = default_run_config();
  c.duration_s = 1.0;
  std::vector<int> cpus = rt::allowed_cpus();
  if (cpus.size() > 2) cpus.resize(2);
  c.runtime.cpus = cpus;
  c.runtime.period_us = 100;
  c.cell.ues = 2;
  c.cell.ue_peak_mbps = 4;
  c.load.levels = 2;
  c.load.slots_per_level = 4;
  c.ai.max_tokens = 8;
  c.ai.max_sequences = 2;
  c.ai.queued_requests = 2;
  c.report.dir = (dir / "report").string();
  c.report.status = false;
  return c;
}

RunHooks quiet_hooks(std::vector<std::string>* lines = nullptr) {
  RunHooks h;
  h.print = [lines](const std::string& line) {
    if (lines != nullptr) lines->push_back(line);
  };
  return h;
}

// What every run must satisfy, whatever the AI side did.
void expect_ran_consistent(const RunResult& r) {
  const uint64_t expected_slots =
      static_cast<uint64_t>(r.config.duration_s * 1e6 / r.slot_us + 1e-6);
  if (!r.interrupted) {
    EXPECT_EQ(r.slots_submitted + r.slots_dropped, expected_slots);
  }
  EXPECT_GT(r.slots_submitted, 0u);
  EXPECT_EQ(r.summary.slots + r.slots_abandoned, r.slots_submitted);
  EXPECT_LE(r.feeder_backups, r.slots_submitted);  // each backup hands over at least one slot
  EXPECT_EQ(r.stage_errors, 0u);
  EXPECT_EQ(r.misses.size(), r.summary.misses);
  EXPECT_LE(r.summary.missed_slots, r.summary.slots);
  EXPECT_GE(r.summary.reclaimed_fraction, 0.0);
  EXPECT_LE(r.summary.reclaimed_fraction, 1.0);
  EXPECT_GT(r.tbs, 0u);
  EXPECT_FALSE(r.timeline.empty());
  uint64_t done = 0;
  for (const RunTimelineRow& w : r.timeline) done += w.slots_done;
  EXPECT_LE(done, r.summary.slots);
}

TEST(RunNode, RanOnlyProcessesEverySlotInRealTime) {
  const auto dir = temp_dir("ran_only");
  RunConfig c = short_config(dir);
  c.runtime.policy = "ran-only";
  auto r = run_node(c, quiet_hooks());
  ASSERT_TRUE(r) << r.error().message;
  expect_ran_consistent(*r);
  EXPECT_EQ(r->ai_tokens, 0u);
  EXPECT_EQ(r->summary.ai_busy_ns, 0.0);
  EXPECT_NE(r->ai_status.find("ran-only"), std::string::npos);
  EXPECT_EQ(r->bank_slots, 8u);
  std::filesystem::remove_all(dir);
}

TEST(RunNode, MissingModelRunsRanOnlyWithAWarning) {
  const auto dir = temp_dir("missing_model");
  RunConfig c = short_config(dir);
  c.runtime.policy = "static";
  c.ai.model = (dir / "no-such-model.gguf").string();
  std::vector<std::string> lines;
  auto r = run_node(c, quiet_hooks(&lines));
  ASSERT_TRUE(r) << r.error().message;
  expect_ran_consistent(*r);
  EXPECT_EQ(r->ai_tokens, 0u);
  EXPECT_EQ(r->ai_status.rfind("disabled", 0), 0u) << r->ai_status;
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_NE(r->warnings[0].find("ai.model"), std::string::npos) << r->warnings[0];
  bool printed = false;
  for (const auto& l : lines) printed |= l.find("WARNING") != std::string::npos;
  EXPECT_TRUE(printed);
  std::filesystem::remove_all(dir);
}

TEST(RunNode, UnreadableModelRunsRanOnly) {
  const auto dir = temp_dir("bad_model");
  RunConfig c = short_config(dir);
  c.runtime.policy = "predictive";
  c.ai.model = (dir / "garbage.gguf").string();
  {
    std::ofstream out(c.ai.model, std::ios::binary);
    out << "GGUF this is not a model";
  }
  auto r = run_node(c, quiet_hooks());
  ASSERT_TRUE(r) << r.error().message;
  expect_ran_consistent(*r);
  EXPECT_EQ(r->ai_tokens, 0u);
  EXPECT_EQ(r->ai_status.rfind("disabled", 0), 0u) << r->ai_status;
  std::filesystem::remove_all(dir);
}

TEST(RunNode, RequiredAiWithMissingModelFailsBeforeStarting) {
  const auto dir = temp_dir("required");
  RunConfig c = short_config(dir);
  c.ai.required = true;
  c.ai.model = (dir / "no-such-model.gguf").string();
  auto r = run_node(c, quiet_hooks());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("ai.model"), std::string::npos) << r.error().message;
  std::filesystem::remove_all(dir);
}

TEST(RunNode, InvalidConfigIsRejectedBeforeAnythingStarts) {
  const auto dir = temp_dir("invalid");
  RunConfig c = short_config(dir);
  c.cell.scs_khz = 15;
  c.cell.bandwidth_mhz = 100;
  c.report.dir = (dir / "must-not-exist").string();
  auto r = run_node(c, quiet_hooks());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cell.bandwidth_mhz"), std::string::npos) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(c.report.dir));
  std::filesystem::remove_all(dir);
}

// Parks and resumes like a real workload, but every step throws.
class ThrowingAi final : public rt::AiWorkload {
 public:
  explicit ThrowingAi(unsigned cores) : parked_(cores) {
    for (auto& p : parked_) p.store(true);
  }
  unsigned cores() const override { return static_cast<unsigned>(parked_.size()); }
  void run_step() override { throw std::runtime_error("AI step failed"); }
  void park_core(unsigned c) override { parked_[c].store(true); }
  void resume_core(unsigned c) override { parked_[c].store(false); }
  bool parked(unsigned c) const override { return parked_[c].load(); }
  uint64_t busy_ns() const override { return 0; }
  uint64_t steps() const override { return 0; }

 private:
  std::vector<std::atomic<bool>> parked_;
};

TEST(RunNode, ThrowingAiStepsDoNotStopTheRan) {
  const auto dir = temp_dir("throwing");
  RunConfig c = short_config(dir);
  if (c.runtime.cpus.size() < 2) GTEST_SKIP() << "needs 2 CPUs so that a core is lent";
  c.runtime.policy = "static";
  ThrowingAi ai(static_cast<unsigned>(c.runtime.cpus.size()));
  RunHooks h = quiet_hooks();
  h.ai_workload = &ai;
  auto r = run_node(c, h);
  ASSERT_TRUE(r) << r.error().message;
  expect_ran_consistent(*r);
  EXPECT_EQ(r->ai_failures, c.runtime.max_ai_failures);
  EXPECT_TRUE(r->ai_stopped);
  EXPECT_EQ(r->last_ai_error, "AI step failed");
  bool warned = false;
  for (const auto& w : r->warnings) warned |= w.find("AI work stopped") != std::string::npos;
  EXPECT_TRUE(warned);
  std::filesystem::remove_all(dir);
}

TEST(RunNode, RequestFloodDoesNotStopTheRan) {
  const auto dir = temp_dir("flood");
  RunConfig c = short_config(dir);
  c.runtime.policy = "predictive";
  c.ai.queued_requests = 0;  // only the flood
  std::atomic<uint64_t> accepted{0}, refused{0};
  std::thread flood;
  uint64_t sink_events = 0;
  RunHooks h = quiet_hooks();
  h.on_ai_ready = [&](EngineAiWorkload& ai) {
    ai.set_event_sink(
        [&](std::span<const llm::TokenEvent> events) { sink_events += events.size(); });
    llm::Engine* engine = &ai.engine();
    flood = std::thread([engine, &accepted, &refused] {
      for (int i = 0; i < 3000; ++i) {
        llm::GenerationRequest q;
        q.prompt = "Please summarise call " + std::to_string(i) + " for the supervisor.";
        q.max_tokens = 4;
        if (engine->submit(q)) {
          accepted.fetch_add(1);
        } else {
          refused.fetch_add(1);
        }
      }
    });
  };
  h.on_stopped = [&] {
    if (flood.joinable()) flood.join();
  };
  auto r = run_node(c, h);
  if (flood.joinable()) flood.join();
  ASSERT_TRUE(r) << r.error().message;
  expect_ran_consistent(*r);
  EXPECT_EQ(accepted.load() + refused.load(), 3000u);
  EXPECT_EQ(r->ai_failures, 0u);
  if (c.runtime.cpus.size() >= 2 && r->ai_tokens > 0) {
    EXPECT_GT(sink_events, 0u);
  }
  std::filesystem::remove_all(dir);
}

TEST(RunNode, StopFlagEndsTheRunAndTheReportIsWritten) {
  const auto dir = temp_dir("stop");
  RunConfig c = short_config(dir);
  c.duration_s = 60;
  c.runtime.policy = "static";
  c.runtime.static_ran_cores = 1;
  std::atomic<bool> stop{false};
  RunHooks h = quiet_hooks();
  h.stop = &stop;
  h.on_ai_ready = [&](EngineAiWorkload&) {};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    stop.store(true);
  });
  auto r = run_node(c, h);
  stopper.join();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->interrupted);
  EXPECT_LT(r->summary.wall_s, 50.0);
  expect_ran_consistent(*r);

  ASSERT_TRUE(write_run_report(*r, r->report_dir));
  const std::filesystem::path report(r->report_dir);
  std::ifstream json_in(report / "report.json");
  ASSERT_TRUE(json_in);
  const nlohmann::json j = nlohmann::json::parse(json_in);
  EXPECT_EQ(j["config"]["runtime"]["policy"], "static");
  EXPECT_EQ(j["config"]["cell"]["bandwidth_mhz"], 20);
  EXPECT_EQ(j["summary"]["slots"], r->summary.slots);
  EXPECT_EQ(j["summary"]["feeder_backups"], r->feeder_backups);
  EXPECT_EQ(j["deadline_misses"].size(), r->misses.size());
  EXPECT_EQ(j["timeline"].size(), r->timeline.size());
  EXPECT_TRUE(j["interrupted"].get<bool>());
  for (const auto& m : j["deadline_misses"]) {
    EXPECT_TRUE(m.contains("slot") && m.contains("type") && m.contains("predicted_us") &&
                m.contains("actual_us"));
  }
  std::ifstream csv(report / "timeline.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header.rfind("t_s,span_s,load,", 0), 0u);
  std::ifstream svg_in(report / "timeline.svg");
  std::stringstream svg;
  svg << svg_in.rdbuf();
  EXPECT_EQ(svg.str().rfind("<svg", 0), 0u);
  EXPECT_NE(svg.str().find("</svg>"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(report / "config.yaml"));
  EXPECT_FALSE(format_summary(*r).empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace airan::cli
