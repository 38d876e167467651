// `airan bench predictor`: the execution-time models (quantile trees) against three baselines
// (per-type maximum, per-type quantile, linear regression with a coverage offset) on the held-out
// part of a task trace: coverage, mean over-provisioning and inference time per prediction.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "airan/predict/baselines.h"
#include "airan/predict/evaluation.h"
#include "airan/predict/quantile_tree.h"
#include "airan/predict/trace.h"
#include "cli/commands.h"

namespace airan::cli {
namespace {

struct BenchPredictorOptions {
  std::string trace;
  std::string quantiles = "0.99,0.999,0.9999";
  double holdout = 0.3;
  double calibrate_seconds = 25;
  std::vector<std::string> exclude;
  std::string save_model;
  unsigned seed = 1;
  bool keep_preempted = false;
  bool per_task = false;
  bool json = false;
};

Expected<std::vector<double>> parse_quantiles(const std::string& text) {
  std::vector<double> qs;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const double q = std::strtod(item.c_str(), &end);
    if (item.empty() || end != item.c_str() + item.size() || !(q > 0 && q < 1)) {
      return Error{"--quantiles: '" + item + "' is not a number in (0, 1)"};
    }
    qs.push_back(q);
  }
  if (qs.empty()) return Error{"--quantiles: expected a comma-separated list, e.g. 0.99,0.9999"};
  return qs;
}

int run(const BenchPredictorOptions& o) {
  auto quantiles = parse_quantiles(o.quantiles);
  if (!quantiles) {
    std::fprintf(stderr, "airan bench predictor: %s\n", quantiles.error().message.c_str());
    return 2;
  }
  predict::QuantileTreeOptions tree_options;
  for (const auto& name : o.exclude) {
    const auto f = predict::feature_from_name(name);
    if (!f) {
      std::fprintf(stderr, "airan bench predictor: --exclude-feature '%s' is not a feature (%s)\n",
                   name.c_str(), std::string(predict::feature_name_list()).c_str());
      return 2;
    }
    tree_options.use_feature[predict::index_of(*f)] = false;
  }
  std::string path = o.trace;
  bool generated = false;
  if (path.empty()) {
    path = (std::filesystem::temp_directory_path() /
            ("airan_bench_predictor_" + std::to_string(::getpid()) + ".csv"))
               .string();
    std::fprintf(stderr,
                 "airan bench predictor: no --trace; running airan calibrate for %.0f s...\n",
                 o.calibrate_seconds);
    CalibrateOptions c;
    c.out = path;
    c.seconds = o.calibrate_seconds;
    c.seed = o.seed;
    c.keep_preempted = o.keep_preempted;
    c.quiet = true;
    if (const int rc = run_calibration(c); rc != 0) return rc;
    generated = true;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto trace = predict::load_trace(path);
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (generated) std::filesystem::remove(path);
  if (!trace) {
    std::fprintf(stderr, "airan bench predictor: %s\n", trace.error().message.c_str());
    return 1;
  }
  if (!(o.holdout > 0 && o.holdout < 1)) {
    std::fprintf(stderr, "airan bench predictor: --holdout must be in (0, 1)\n");
    return 2;
  }
  const auto split = predict::split_trace(*trace, o.holdout, o.seed);
  if (!o.json) {
    std::printf("trace: %zu rows, %zu task types (loaded in %.1f ms); %zu train, %zu held out\n",
                trace->rows(), trace->task_names.size(), load_ms, split.train.size(),
                split.test.size());
    std::printf("%-10s %-18s %-14s %10s %9s %14s %13s\n", "quantile", "predictor", "task",
                "coverage", "misses", "overprovision", "inference_ns");
  }
  nlohmann::json rows = nlohmann::json::array();
  // Rows of each task type among the held-out rows, for --per-task.
  std::vector<std::vector<uint32_t>> test_by_task(trace->task_names.size());
  for (uint32_t r : split.test) test_by_task[trace->task[r]].push_back(r);

  for (double q : *quantiles) {
    tree_options.quantile = q;
    std::vector<std::unique_ptr<predict::DurationPredictor>> predictors;
    auto model = predict::QuantileTreeModel::train(*trace, split.train, tree_options);
    auto max = predict::PerTypeConstant::train(*trace, split.train,
                                               predict::PerTypeConstant::Kind::max, q);
    auto pq = predict::PerTypeConstant::train(*trace, split.train,
                                              predict::PerTypeConstant::Kind::quantile, q);
    auto lin = predict::LinearQuantile::train(*trace, split.train, q);
    if (!model || !max || !pq || !lin) {
      const Error& e = !model ? model.error() : !max ? max.error() : !pq ? pq.error() : lin.error();
      std::fprintf(stderr, "airan bench predictor: %s\n", e.message.c_str());
      return 1;
    }
    if (!o.save_model.empty()) {
      const std::string file = o.save_model + "-q" + std::to_string(q).substr(0, 8) + ".json";
      if (Status s = model->save(file); !s) {
        std::fprintf(stderr, "airan bench predictor: %s\n", s.message().c_str());
        return 1;
      }
    }
    predictors.push_back(std::make_unique<predict::QuantileTreeModel>(std::move(*model)));
    predictors.push_back(std::make_unique<predict::PerTypeConstant>(std::move(*max)));
    predictors.push_back(std::make_unique<predict::PerTypeConstant>(std::move(*pq)));
    predictors.push_back(std::make_unique<predict::LinearQuantile>(std::move(*lin)));
    double model_over = 0, max_over = 0, model_cov = 0;
    for (const auto& p : predictors) {
      const auto ev = predict::evaluate(*p, *trace, split.test);
      if (p->name() == "model") {
        model_over = ev.overprovision;
        model_cov = ev.coverage;
      }
      if (p->name() == "per-type-max") max_over = ev.overprovision;
      if (o.json) {
        rows.push_back({{"predictor", ev.predictor},
                        {"quantile", q},
                        {"coverage", ev.coverage},
                        {"overprovision", ev.overprovision},
                        {"inference_ns", ev.inference_ns},
                        {"rows", ev.rows},
                        {"misses", ev.misses}});
        continue;
      }
      std::printf("%-10g %-18s %-14s %10.6f %4zu/%-5zu %14.3f %13.1f\n", q, ev.predictor.c_str(),
                  "all", ev.coverage, ev.misses, ev.rows, ev.overprovision, ev.inference_ns);
      if (o.per_task) {
        for (size_t t = 0; t < test_by_task.size(); ++t) {
          const auto et = predict::evaluate(*p, *trace, test_by_task[t]);
          std::printf("%-10s %-18s %-14s %10.6f %4zu/%-5zu %14.3f %13s\n", "", "",
                      trace->task_names[t].c_str(), et.coverage, et.misses, et.rows,
                      et.overprovision, "");
        }
      }
    }
    if (!o.json) {
      std::printf(
          "  q=%g: model coverage %s target; over-provisioning %.1f %% below per-type-max "
          "(ratio), %.1f %% below in excess over 1\n",
          q, model_cov >= q ? ">=" : "< ", 100 * (1 - model_over / max_over),
          100 * (1 - (model_over - 1) / (max_over - 1)));
    }
  }
  if (o.json) std::printf("%s\n", rows.dump(2).c_str());
  return 0;
}

}  // namespace

void add_bench_predictor_command(CLI::App& bench) {
  static BenchPredictorOptions o;
  auto* cmd = bench.add_subcommand(
      "predictor", "Execution-time models vs baselines: coverage, over-provisioning, inference ns");
  cmd->add_option("--trace", o.trace, "Task trace CSV (default: run airan calibrate first)");
  cmd->add_option("--quantiles", o.quantiles, "Comma-separated target quantiles");
  cmd->add_option("--holdout", o.holdout, "Fraction of rows held out for evaluation")
      ->check(CLI::Range(0.01, 0.99));
  cmd->add_option("--calibrate-seconds", o.calibrate_seconds,
                  "Measuring time of the generated trace when --trace is not given")
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--exclude-feature", o.exclude,
                  "A feature the trees may not use (repeatable), e.g. iterations (known only "
                  "after decoding)");
  cmd->add_option("--save-model", o.save_model, "Save each quantile's model as PREFIX-qQ.json");
  cmd->add_option("--seed", o.seed, "Seed of the holdout split (and of the generated trace)");
  cmd->add_flag("--keep-preempted", o.keep_preempted,
                "Generated trace: keep executions the OS switched out (see airan calibrate)");
  cmd->add_flag("--per-task", o.per_task, "Table: also one row per task type");
  cmd->add_flag("--json", o.json,
                "JSON array of {predictor, quantile, coverage, overprovision, inference_ns, rows, "
                "misses}");
  cmd->callback([] { std::exit(run(o)); });
}

}  // namespace airan::cli
