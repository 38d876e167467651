// Quantile trees against traces whose conditional quantiles are known analytically; model file
// round trip and its errors.
#include "airan/predict/quantile_tree.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "airan/predict/baselines.h"
#include "airan/predict/evaluation.h"
#include "predict/synthetic.h"

namespace airan::predict {
namespace {

using test::normal_quantile;
using test::synthetic_trace;
using test::SyntheticModel;

// Binomial tolerance on the coverage of n held-out rows at target q.
double tolerance(double q, size_t n, double sigmas) {
  return sigmas * std::sqrt(q * (1 - q) / static_cast<double>(n));
}

TEST(QuantileTree, MatchesTheAnalyticQuantileAt099) {
  const SyntheticModel m;
  const Trace trace = synthetic_trace(150000, 1, m);
  const TraceSplit split = split_trace(trace, 0.3, 7);
  QuantileTreeOptions o;
  o.quantile = 0.99;
  auto model = QuantileTreeModel::train(trace, split.train, o);
  ASSERT_TRUE(model) << model.error().message;
  // Per configuration: the prediction is close to the true conditional quantile.
  const int task = model->task_index("ldpc_decode");
  ASSERT_GE(task, 0);
  const double z = normal_quantile(0.99);
  double worst = 0;
  for (int p = 10; p <= 100; p += 10) {
    for (int n = 1; n <= 8; ++n) {
      FeatureVector x = missing_features();
      x[index_of(Feature::prbs)] = static_cast<float>(p);
      x[index_of(Feature::iterations)] = static_cast<float>(n);
      x[index_of(Feature::snr_db)] = 10;
      const double truth = m.quantile(p, n, z);
      worst = std::max(worst, std::abs(model->predict(task, x) / truth - 1));
    }
  }
  EXPECT_LT(worst, 0.06);
  // Held-out coverage at the target, within statistical tolerance.
  const Evaluation ev = evaluate(*model, trace, split.test);
  EXPECT_NEAR(ev.coverage, 0.99, tolerance(0.99, ev.rows, 4) + 0.001);
  // And much tighter than the largest duration ever seen.
  auto max = PerTypeConstant::train(trace, split.train, PerTypeConstant::Kind::max, 0.99);
  ASSERT_TRUE(max);
  const Evaluation ev_max = evaluate(*max, trace, split.test);
  EXPECT_LT(ev.overprovision, 0.7 * ev_max.overprovision);
}

TEST(QuantileTree, HighQuantileCoversAndBeatsPerTypeMax) {
  const Trace trace = synthetic_trace(150000, 2);
  const TraceSplit split = split_trace(trace, 0.3, 8);
  QuantileTreeOptions o;
  o.quantile = 0.9999;
  auto model = QuantileTreeModel::train(trace, split.train, o);
  ASSERT_TRUE(model) << model.error().message;
  const Evaluation ev = evaluate(*model, trace, split.test);
  // ~45 000 held-out rows: about 4.5 expected misses at a calibrated 0.9999; the extrapolated
  // tail is conservative, so allow little more than the binomial spread.
  EXPECT_GE(ev.coverage, 0.9999 - tolerance(0.9999, ev.rows, 4));
  auto max = PerTypeConstant::train(trace, split.train, PerTypeConstant::Kind::max, 0.9999);
  auto lin = LinearQuantile::train(trace, split.train, 0.9999);
  ASSERT_TRUE(max && lin);
  const Evaluation ev_max = evaluate(*max, trace, split.test);
  const Evaluation ev_lin = evaluate(*lin, trace, split.test);
  EXPECT_LT(ev.overprovision, 0.7 * ev_max.overprovision);
  // Here the linear model has the true form (linear mean, additive i.i.d. noise): the tree,
  // which knows nothing of that form and adds a confidence margin, comes close to it.
  EXPECT_LT(ev.overprovision, 1.10 * ev_lin.overprovision);
  EXPECT_EQ(model->tasks()[0].tail, TailModel::additive);
}

TEST(QuantileTree, TailExtrapolationOfAnExponential) {
  std::mt19937_64 rng(5);
  std::exponential_distribution<double> e(1.0);
  std::vector<double> v(20000);
  for (auto& x : v) x = e(rng);
  // q = 0.9999 from 20 000 samples: 2 expected beyond it, so extrapolated; truth ln(10^4).
  const double q = tail_quantile(v, 0.9999, 10, 0.02);
  EXPECT_NEAR(q, std::log(1e4), 0.15 * std::log(1e4));
  // Enough data: the empirical order statistic.
  std::vector<double> w = {5, 1, 4, 2, 3};
  EXPECT_EQ(empirical_quantile(w, 0.8), 4);
  EXPECT_EQ(empirical_quantile(w, 0.81), 5);
  EXPECT_EQ(empirical_quantile(w, 0.2), 1);
}

TEST(QuantileTree, SaveLoadGivesIdenticalPredictions) {
  const Trace trace = synthetic_trace(20000, 3);
  QuantileTreeOptions o;
  o.quantile = 0.999;
  auto model = QuantileTreeModel::train(trace, {}, o);
  ASSERT_TRUE(model) << model.error().message;
  const auto path = std::filesystem::temp_directory_path() /
                    ("airan_predict_model_" + std::to_string(::getpid()) + ".json");
  ASSERT_TRUE(model->save(path));
  auto back = QuantileTreeModel::load(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->quantile(), model->quantile());
  ASSERT_EQ(back->tasks().size(), model->tasks().size());
  size_t splits = 0;
  for (size_t r = 0; r < trace.rows(); ++r) {
    FeatureVector x;
    const auto f = trace.row_features(r);
    std::copy(f.begin(), f.end(), x.begin());
    const int t = trace.task[r];
    const auto& name = trace.task_names[static_cast<size_t>(t)];
    ASSERT_EQ(back->predict(back->task_index(name), x), model->predict(model->task_index(name), x));
  }
  for (const auto& t : model->tasks()) splits += t.nodes.size() / 2;
  EXPECT_GT(splits, 10u);  // the trees did split
  EXPECT_EQ(back->to_json(), model->to_json());
}

TEST(QuantileTree, ModelFileErrorsNameTheField) {
  const std::string good = R"({"format":"airan-predict-model","version":1,"model":"quantile-tree",
    "quantile":0.999,"tasks":[{"task":"crc","nodes":[
      {"feature":"tbs","threshold":5000,"left":1,"right":2},{"leaf":10},{"leaf":20}]}]})";
  auto ok = QuantileTreeModel::from_json(good);
  ASSERT_TRUE(ok) << ok.error().message;
  FeatureVector x = missing_features();
  x[index_of(Feature::tbs)] = 4000;
  EXPECT_EQ(ok->predict(0, x), 10);
  x[index_of(Feature::tbs)] = 6000;
  EXPECT_EQ(ok->predict(0, x), 20);
  x[index_of(Feature::tbs)] = std::nanf("");
  EXPECT_EQ(ok->predict(0, x), 20);  // missing goes right
  EXPECT_TRUE(std::isnan(ok->predict(1, x)));

  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  const std::vector<std::pair<std::string, std::vector<const char*>>> bad = {
      {replace("\"version\":1", "\"version\":2"), {"'version'", "is 2", "version 1"}},
      {replace("\"version\":1,", ""), {"'version'", "missing"}},
      {replace("airan-predict-model", "other"), {"'format'"}},
      {replace("quantile-tree", "forest"), {"'model'"}},
      {replace("0.999", "1.5"), {"'quantile'"}},
      {replace("\"task\":\"crc\"", "\"task\":7"), {"'tasks[0].task'"}},
      {replace("\"tbs\"", "\"tbz\""), {"'tasks[0].nodes[0].feature'", "unknown feature 'tbz'"}},
      {replace("\"left\":1", "\"left\":0"), {"'tasks[0].nodes[0].left'"}},
      {replace("\"right\":2", "\"right\":3"), {"'tasks[0].nodes[0].right'"}},
      {replace("\"threshold\":5000,", ""), {"'tasks[0].nodes[0].threshold'", "missing"}},
      {replace("{\"leaf\":10}", "{\"leaf\":\"x\"}"), {"'tasks[0].nodes[1].leaf'", "not a number"}},
      {replace("{\"leaf\":20}", "{\"lef\":20}"), {"'tasks[0].nodes[2].feature'"}},
      {"{\"format\": ", {"not valid JSON"}},
      {"[1,2]", {"top level"}},
  };
  for (const auto& [text, expect] : bad) {
    auto m = QuantileTreeModel::from_json(text, "m.json");
    ASSERT_FALSE(m) << "accepted: " << text;
    EXPECT_NE(m.error().message.find("m.json"), std::string::npos) << m.error().message;
    for (const char* e : expect) {
      EXPECT_NE(m.error().message.find(e), std::string::npos)
          << "'" << e << "' not in: " << m.error().message;
    }
  }
}

TEST(QuantileTree, ChecksThatTheTraceHasTheFeaturesTheModelUses) {
  const Trace trace = synthetic_trace(5000, 4);
  auto model = QuantileTreeModel::train(trace, {}, QuantileTreeOptions{});
  ASSERT_TRUE(model);
  EXPECT_TRUE(model->check_trace(trace));
  auto other = parse_trace("task,snr_db,duration_ns\nldpc_decode,3,1000\n");
  ASSERT_TRUE(other);
  const Status s = model->check_trace(*other);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("ldpc_decode"), std::string::npos) << s.message();
  EXPECT_TRUE(s.message().find("'prbs'") != std::string::npos ||
              s.message().find("'iterations'") != std::string::npos)
      << s.message();
}

TEST(QuantileTree, RejectsBadOptionsAndEmptyTraces) {
  const Trace trace = synthetic_trace(100, 4);
  QuantileTreeOptions o;
  o.quantile = 1.0;
  auto m = QuantileTreeModel::train(trace, {}, o);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("quantile"), std::string::npos);
  auto empty = QuantileTreeModel::train(Trace{}, {}, QuantileTreeOptions{});
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("no rows"), std::string::npos);
}

TEST(QuantileTree, MergeReplacesOneTaskType) {
  const Trace a = synthetic_trace(5000, 5);
  const Trace b = synthetic_trace(5000, 6, SyntheticModel{}, 3.0);
  auto ma = QuantileTreeModel::train(a, {}, QuantileTreeOptions{});
  auto mb = QuantileTreeModel::train(b, {}, QuantileTreeOptions{});
  ASSERT_TRUE(ma && mb);
  auto merged = ma->merged_with(*mb);
  ASSERT_TRUE(merged);
  FeatureVector x = missing_features();
  x[index_of(Feature::tbs)] = 5000;
  const int t = merged->task_index("crc");
  EXPECT_EQ(merged->predict(t, x), mb->predict(mb->task_index("crc"), x));
  QuantileTreeOptions o;
  o.quantile = 0.99;
  auto mc = QuantileTreeModel::train(b, {}, o);
  ASSERT_TRUE(mc);
  EXPECT_FALSE(ma->merged_with(*mc));
}

}  // namespace
}  // namespace airan::predict
