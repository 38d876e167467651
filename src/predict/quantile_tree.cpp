// Quantile regression trees: training (histogram CART on log duration, best-first growth, leaf
// quantiles from the median and the tail margin of the smallest subtree with enough data),
// flattening, and the JSON model file.
#include "airan/predict/quantile_tree.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <queue>
#include <sstream>

namespace airan::predict {

double empirical_quantile(std::span<double> values, double q) {
  if (values.empty()) return std::nan("");
  const double n = static_cast<double>(values.size());
  // Smallest order statistic with at least q*n samples <= it (1e-9 absorbs rounding of q*n).
  const double rank = std::ceil(q * n - 1e-9);
  const size_t k = static_cast<size_t>(std::clamp(rank, 1.0, n)) - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<long>(k), values.end());
  return values[k];
}

double tail_quantile(std::span<double> values, double q, double min_exceedances,
                     double tail_fraction, double confidence_sigmas) {
  const size_t n = values.size();
  if (n == 0) return std::nan("");
  const double nd = static_cast<double>(n);
  // Rank raised by confidence_sigmas binomial standard deviations: an upper confidence bound.
  const double q_up = std::min(q + confidence_sigmas * std::sqrt(q * (1.0 - q) / nd), 1.0);
  const double emp = empirical_quantile(values, q_up);
  if (n < 2 || nd * (1.0 - q) >= min_exceedances) return emp;
  std::sort(values.begin(), values.end());
  size_t k = static_cast<size_t>(std::lround(tail_fraction * nd));
  k = std::min(std::max<size_t>(k, 10), n - 1);
  const double p_u = static_cast<double>(k) / nd;
  if (p_u <= 1.0 - q) return emp;
  const double u = values[n - k - 1];
  double excess = 0;
  for (size_t i = n - k; i < n; ++i) excess += values[i] - u;
  // Mean excess of an exponential tail, raised by the same number of standard errors.
  excess = excess / static_cast<double>(k) *
           (1.0 + confidence_sigmas / std::sqrt(static_cast<double>(k)));
  const double extrapolated = u + excess * std::log(p_u / (1.0 - q));
  return std::max(extrapolated, emp);
}

namespace {

struct Candidate {
  double gain = 0;
  int feature = -1;  // index into Grower::feats
  int bin = -1;      // left = bins 0..bin
};

struct TmpNode {
  int feature = -1;  // index into Grower::feats; -1 = leaf
  float threshold = 0;
  int left = -1, right = -1;
  uint32_t begin = 0, end = 0;
  unsigned depth = 0;
  double location = 1;  // leaves: median duration (ns)
  double value = 0;     // leaves: predicted quantile (ns)
};

// Grows the tree of one task type.
class Grower {
 public:
  Grower(const Trace& trace, std::span<const uint32_t> rows, const QuantileTreeOptions& o)
      : o_(o), n_(rows.size()) {
    y_.resize(n_);
    ly_.resize(n_);
    for (size_t i = 0; i < n_; ++i) {
      y_[i] = std::max(trace.duration_ns[rows[i]], 1.0);
      ly_[i] = std::log(y_[i]);
    }
    // Thresholds per usable feature.
    std::vector<float> vals;
    for (size_t f = 0; f < kNumFeatures; ++f) {
      if (!o.use_feature[f] || !trace.has_column[f]) continue;
      vals.clear();
      for (uint32_t r : rows) {
        const float v = trace.row_features(r)[f];
        if (!std::isnan(v)) vals.push_back(v);
      }
      if (vals.size() < 2) continue;
      std::sort(vals.begin(), vals.end());
      std::vector<float> distinct(vals);
      distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
      if (distinct.size() < 2) continue;
      std::vector<float> edges;
      if (distinct.size() <= o.max_bins) {
        distinct.pop_back();  // x <= the largest value would send everything left
        edges.swap(distinct);
      } else {
        for (unsigned k = 1; k < o.max_bins; ++k) {
          const float e = vals[k * vals.size() / o.max_bins];
          if (e < vals.back() && (edges.empty() || e > edges.back())) edges.push_back(e);
        }
      }
      if (edges.empty()) continue;
      Binned& b = feats_.emplace_back();
      b.feature = f;
      b.edges.swap(edges);
    }
    // Bin of every sample for every usable feature; missing = edges.size() + 1.
    const size_t nf = feats_.size();
    bins_.resize(n_ * nf);
    for (size_t i = 0; i < n_; ++i) {
      const auto x = trace.row_features(rows[i]);
      for (size_t j = 0; j < nf; ++j) {
        const auto& e = feats_[j].edges;
        const float v = x[feats_[j].feature];
        bins_[i * nf + j] = static_cast<uint8_t>(
            std::isnan(v)
                ? e.size() + 1
                : static_cast<size_t>(std::lower_bound(e.begin(), e.end(), v) - e.begin()));
      }
    }
    idx_.resize(n_);
    for (size_t i = 0; i < n_; ++i) idx_[i] = static_cast<uint32_t>(i);
  }

  // Grows the tree; fills nodes_ (node 0 = root).
  void grow() {
    nodes_.push_back(TmpNode{.begin = 0, .end = static_cast<uint32_t>(n_)});
    double s = 0, s2 = 0;
    for (double v : ly_) {
      s += v;
      s2 += v * v;
    }
    const double root_sse = s2 - s * s / static_cast<double>(n_);
    min_gain_ = std::max(o_.min_gain_fraction * root_sse, 1e-12);
    using Item = std::pair<double, int>;  // gain, node
    std::priority_queue<Item> queue;
    std::vector<Candidate> best(1);
    best[0] = best_split(0, static_cast<uint32_t>(n_));
    if (best[0].feature >= 0 && o_.max_depth > 0) queue.push({best[0].gain, 0});
    unsigned leaves = 1;
    while (!queue.empty() && leaves < o_.max_leaves) {
      const int id = queue.top().second;
      queue.pop();
      const Candidate c = best[static_cast<size_t>(id)];
      const size_t nf = feats_.size();
      const uint32_t begin = nodes_[static_cast<size_t>(id)].begin;
      const uint32_t end = nodes_[static_cast<size_t>(id)].end;
      const auto mid_it = std::partition(idx_.begin() + begin, idx_.begin() + end, [&](uint32_t i) {
        return bins_[i * nf + static_cast<size_t>(c.feature)] <= c.bin;
      });
      const auto mid = static_cast<uint32_t>(mid_it - idx_.begin());
      const unsigned depth = nodes_[static_cast<size_t>(id)].depth + 1;
      const int l = static_cast<int>(nodes_.size());
      nodes_.push_back(TmpNode{.begin = begin, .end = mid, .depth = depth});
      nodes_.push_back(TmpNode{.begin = mid, .end = end, .depth = depth});
      TmpNode& parent = nodes_[static_cast<size_t>(id)];
      parent.feature = c.feature;
      parent.threshold = feats_[static_cast<size_t>(c.feature)].edges[static_cast<size_t>(c.bin)];
      parent.left = l;
      parent.right = l + 1;
      ++leaves;
      best.resize(nodes_.size());
      for (int child : {l, l + 1}) {
        if (depth >= o_.max_depth) continue;
        const TmpNode& cn = nodes_[static_cast<size_t>(child)];
        best[static_cast<size_t>(child)] = best_split(cn.begin, cn.end);
        if (best[static_cast<size_t>(child)].feature >= 0) {
          queue.push({best[static_cast<size_t>(child)].gain, child});
        }
      }
    }
  }

  // Leaf locations (medians) and predicted quantiles, with the tail model of options.tail, or
  // (automatic) the one with the lower mean over-provisioning on the training rows. Returns the
  // tail model used and its margin at the root.
  std::pair<TailModel, double> assign_leaf_values() {
    // Residuals are cross-fitted: a sample's residual is taken against the median of the other
    // half of its leaf (halves by sample parity), so they are out-of-sample like the durations the
    // model will meet; in-sample residuals would be too small and the coverage fall short.
    std::vector<double> tmp, half[2];
    auto upper_median = [](std::vector<double>& v) {
      const size_t k = v.size() / 2;  // the upper median: a conservative centre for even counts
      std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
      return std::max(v[k], 1.0);
    };
    cross_.assign(n_, 1.0);
    for (auto& node : nodes_) {
      if (node.feature >= 0) continue;
      tmp.clear();
      half[0].clear();
      half[1].clear();
      for (uint32_t p = node.begin; p < node.end; ++p) {
        tmp.push_back(y_[idx_[p]]);
        half[idx_[p] & 1].push_back(y_[idx_[p]]);
      }
      node.location = upper_median(tmp);
      double other[2];
      for (int h = 0; h < 2; ++h)
        other[h] = half[1 - h].empty() ? node.location : upper_median(half[1 - h]);
      for (uint32_t p = node.begin; p < node.end; ++p) cross_[p] = other[idx_[p] & 1];
    }
    std::vector<TailModel> modes;
    if (o_.tail == TailModel::automatic) {
      modes = {TailModel::multiplicative, TailModel::additive};
    } else {
      modes = {o_.tail};
    }
    double best_over = std::numeric_limits<double>::infinity();
    std::pair<TailModel, double> best{modes[0], 0};
    std::vector<double> best_values(nodes_.size());
    resid_.resize(n_);
    for (TailModel mode : modes) {
      mode_ = mode;
      for (uint32_t p = 0; p < n_; ++p) {
        const double y = y_[idx_[p]];
        resid_[p] = mode == TailModel::multiplicative ? y / cross_[p] : y - cross_[p];
      }
      tail_cache_.assign(nodes_.size(), std::nan(""));
      const double root_margin = margin(0);
      assign(0, 0);
      double over = 0;
      for (const auto& node : nodes_) {
        if (node.feature >= 0) continue;
        for (uint32_t p = node.begin; p < node.end; ++p) over += node.value / y_[idx_[p]];
      }
      if (over < best_over) {
        best_over = over;
        best = {mode, root_margin};
        for (size_t i = 0; i < nodes_.size(); ++i) best_values[i] = nodes_[i].value;
      }
    }
    for (size_t i = 0; i < nodes_.size(); ++i) nodes_[i].value = best_values[i];
    return best;
  }

  // Flattens into adjacent-children order (breadth first).
  std::vector<QuantileTreeModel::Node> flatten() const {
    std::vector<QuantileTreeModel::Node> out(1);
    std::vector<std::pair<int, uint32_t>> queue{{0, 0u}};  // tmp node, flat index
    for (size_t head = 0; head < queue.size(); ++head) {
      const auto [t, fi] = queue[head];
      const TmpNode& n = nodes_[static_cast<size_t>(t)];
      if (n.feature < 0) {
        out[fi] = {static_cast<float>(n.value), QuantileTreeModel::kLeaf, 0, 0};
        continue;
      }
      const auto l = static_cast<uint32_t>(out.size());
      out.resize(out.size() + 2);
      out[fi] = {n.threshold, static_cast<uint16_t>(feats_[static_cast<size_t>(n.feature)].feature),
                 0, l};
      queue.push_back({n.left, l});
      queue.push_back({n.right, l + 1});
    }
    return out;
  }

 private:
  struct Binned {
    size_t feature;
    std::vector<float> edges;
  };

  Candidate best_split(uint32_t begin, uint32_t end) {
    Candidate best;
    const uint32_t n = end - begin;
    if (n < 2 * o_.min_samples_leaf || n < 2) return best;
    const size_t nf = feats_.size();
    double s = 0, s2 = 0;
    for (uint32_t p = begin; p < end; ++p) {
      const double v = ly_[idx_[p]];
      s += v;
      s2 += v * v;
    }
    const double parent = s2 - s * s / n;
    for (size_t j = 0; j < nf; ++j) {
      const size_t nb = feats_[j].edges.size() + 2;
      cnt_.assign(nb, 0);
      sum_.assign(nb, 0);
      sq_.assign(nb, 0);
      for (uint32_t p = begin; p < end; ++p) {
        const uint32_t i = idx_[p];
        const uint8_t b = bins_[i * nf + j];
        const double v = ly_[i];
        ++cnt_[b];
        sum_[b] += v;
        sq_[b] += v * v;
      }
      double lc = 0, ls = 0, lq = 0;
      for (size_t b = 0; b + 2 < nb; ++b) {  // left = bins 0..b (the last edge bin stays right)
        lc += cnt_[b];
        ls += sum_[b];
        lq += sq_[b];
        const double rc = n - lc;
        if (lc < o_.min_samples_leaf) continue;
        if (rc < o_.min_samples_leaf) break;
        const double rs = s - ls, rq = s2 - lq;
        const double gain = parent - (lq - ls * ls / lc) - (rq - rs * rs / rc);
        if (gain > best.gain && gain > min_gain_) {
          best = {gain, static_cast<int>(j), static_cast<int>(b)};
        }
      }
    }
    return best;
  }

  // The tail margin (ratio or ns, by mode_) of the residuals of the samples under `node`.
  double margin(int node) {
    auto& cached = tail_cache_[static_cast<size_t>(node)];
    if (std::isnan(cached)) {
      const TmpNode& n = nodes_[static_cast<size_t>(node)];
      std::vector<double> r(resid_.begin() + n.begin, resid_.begin() + n.end);
      cached = tail_quantile(r, o_.quantile, o_.tail_min_exceedances, o_.tail_fraction,
                             o_.confidence_sigmas);
    }
    return cached;
  }

  void assign(int node, int tail_node) {
    TmpNode& n = nodes_[static_cast<size_t>(node)];
    if (static_cast<double>(n.end - n.begin) * (1.0 - o_.quantile) >= o_.tail_min_exceedances) {
      tail_node = node;
    }
    if (n.feature < 0) {
      const double m = margin(tail_node);
      n.value = std::max(mode_ == TailModel::multiplicative ? n.location * m : n.location + m, 0.0);
      return;
    }
    const int l = n.left, r = n.right;
    assign(l, tail_node);
    assign(r, tail_node);
  }

  const QuantileTreeOptions& o_;
  size_t n_;
  std::vector<double> y_, ly_, resid_, cross_, tail_cache_;
  TailModel mode_ = TailModel::multiplicative;
  std::vector<Binned> feats_;
  std::vector<uint8_t> bins_;
  std::vector<uint32_t> idx_;
  std::vector<TmpNode> nodes_;
  std::vector<double> cnt_, sum_, sq_;
  double min_gain_ = 0;
};

Status validate(const QuantileTreeOptions& o) {
  if (!(o.quantile > 0 && o.quantile < 1)) {
    return Error{"quantile " + std::to_string(o.quantile) + " out of range (expected 0 < q < 1)"};
  }
  if (o.min_samples_leaf < 1) return Error{"min_samples_leaf must be at least 1"};
  if (o.max_bins < 2 || o.max_bins > 254) return Error{"max_bins must be 2..254"};
  if (o.max_leaves < 1) return Error{"max_leaves must be at least 1"};
  if (!(o.tail_fraction > 0 && o.tail_fraction < 1))
    return Error{"tail_fraction must be in (0, 1)"};
  if (!(o.tail_min_exceedances >= 1)) return Error{"tail_min_exceedances must be at least 1"};
  if (!(o.confidence_sigmas >= 0 && o.confidence_sigmas <= 10)) {
    return Error{"confidence_sigmas must be in 0..10"};
  }
  return Status::ok();
}

}  // namespace

Expected<QuantileTreeModel> QuantileTreeModel::train(const Trace& trace,
                                                     std::span<const uint32_t> rows,
                                                     const QuantileTreeOptions& options) {
  if (Status s = validate(options); !s) return Error{"quantile tree: " + s.message()};
  std::vector<uint32_t> all;
  if (rows.empty()) {
    all.resize(trace.rows());
    for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint32_t>(i);
    rows = all;
  }
  std::vector<std::vector<uint32_t>> per_task(trace.task_names.size());
  for (uint32_t r : rows) {
    if (r >= trace.rows())
      return Error{"quantile tree: row " + std::to_string(r) + " out of range"};
    per_task[trace.task[r]].push_back(r);
  }
  QuantileTreeModel model;
  model.quantile_ = options.quantile;
  for (size_t t = 0; t < per_task.size(); ++t) {
    if (per_task[t].empty()) continue;
    Grower g(trace, per_task[t], options);
    g.grow();
    TaskTree tree;
    tree.task = trace.task_names[t];
    tree.training_rows = per_task[t].size();
    const auto [mode, root_margin] = g.assign_leaf_values();
    tree.tail = mode;
    tree.tail_margin = root_margin;
    tree.nodes = g.flatten();
    model.tasks_.push_back(std::move(tree));
  }
  if (model.tasks_.empty()) return Error{"quantile tree: the trace has no rows to train on"};
  return model;
}

int QuantileTreeModel::task_index(std::string_view task) const {
  for (size_t i = 0; i < tasks_.size(); ++i) {
    if (tasks_[i].task == task) return static_cast<int>(i);
  }
  return -1;
}

std::vector<Feature> QuantileTreeModel::features_used() const {
  std::array<bool, kNumFeatures> used{};
  for (const auto& t : tasks_) {
    for (const auto& n : t.nodes) {
      if (n.feature != kLeaf) used[n.feature] = true;
    }
  }
  std::vector<Feature> out;
  for (size_t f = 0; f < kNumFeatures; ++f) {
    if (used[f]) out.push_back(static_cast<Feature>(f));
  }
  return out;
}

Status QuantileTreeModel::check_trace(const Trace& trace) const {
  for (const auto& t : tasks_) {
    if (trace.task_index(t.task) < 0) continue;
    for (const auto& n : t.nodes) {
      if (n.feature != kLeaf && !trace.has_column[n.feature]) {
        return Error{"the model of task '" + t.task + "' requires feature '" +
                     std::string(feature_name(static_cast<Feature>(n.feature))) +
                     "', which the trace header does not have"};
      }
    }
  }
  return Status::ok();
}

QuantileTreeModel QuantileTreeModel::untrained(double quantile) {
  QuantileTreeModel m;
  m.quantile_ = quantile;
  return m;
}

Expected<QuantileTreeModel> QuantileTreeModel::merged_with(const QuantileTreeModel& update) const {
  if (update.quantile_ != quantile_) {
    return Error{"cannot merge a model of quantile " + std::to_string(update.quantile_) +
                 " into one of quantile " + std::to_string(quantile_)};
  }
  QuantileTreeModel out = *this;
  for (const auto& t : update.tasks_) {
    const int i = out.task_index(t.task);
    if (i >= 0) {
      out.tasks_[static_cast<size_t>(i)] = t;
    } else {
      out.tasks_.push_back(t);
    }
  }
  return out;
}

// ---- model file ----

std::string QuantileTreeModel::to_json() const {
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& t : tasks_) {
    nlohmann::json nodes = nlohmann::json::array();
    for (const auto& n : t.nodes) {
      if (n.feature == kLeaf) {
        nodes.push_back({{"leaf", static_cast<double>(n.value)}});
      } else {
        nodes.push_back({{"feature", std::string(feature_name(static_cast<Feature>(n.feature)))},
                         {"threshold", static_cast<double>(n.value)},
                         {"left", n.left},
                         {"right", n.left + 1}});
      }
    }
    tasks.push_back({{"task", t.task},
                     {"training_rows", t.training_rows},
                     {"tail", t.tail == TailModel::additive ? "additive" : "multiplicative"},
                     {"tail_margin", t.tail_margin},
                     {"nodes", std::move(nodes)}});
  }
  nlohmann::json j = {{"format", "airan-predict-model"},
                      {"version", kModelFormatVersion},
                      {"model", "quantile-tree"},
                      {"quantile", quantile_},
                      {"tasks", std::move(tasks)}};
  return j.dump(1) + "\n";
}

Status QuantileTreeModel::save(const std::filesystem::path& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error{"model file '" + path.string() + "': cannot create the file"};
  const std::string text = to_json();
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) return Error{"model file '" + path.string() + "': write failed"};
  return Status::ok();
}

namespace {

using nlohmann::json;

// The number at obj[key]; the error names `path`.key.
Expected<double> number_field(const json& obj, const char* key, const std::string& path) {
  const auto it = obj.find(key);
  if (it == obj.end()) return Error{"field '" + path + key + "' is missing (expected a number)"};
  if (!it->is_number()) return Error{"field '" + path + key + "' is not a number"};
  const double v = it->get<double>();
  if (!std::isfinite(v)) return Error{"field '" + path + key + "' is not finite"};
  return v;
}

}  // namespace

Expected<QuantileTreeModel> QuantileTreeModel::from_json(std::string_view text,
                                                         std::string_view source) {
  const std::string src(source);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    return Error{src + ": not valid JSON: " + e.what()};
  }
  if (!j.is_object()) return Error{src + ": expected a JSON object at the top level"};
  auto fail = [&](const std::string& msg) { return Error{src + ": " + msg}; };
  {
    const auto it = j.find("format");
    if (it == j.end() || !it->is_string() || it->get<std::string>() != "airan-predict-model") {
      return fail("field 'format' must be \"airan-predict-model\"");
    }
  }
  {
    const auto it = j.find("version");
    if (it == j.end() || !it->is_number_integer()) {
      return fail("field 'version' is missing or not an integer (this airan reads version " +
                  std::to_string(kModelFormatVersion) + ")");
    }
    if (it->get<long>() != kModelFormatVersion) {
      return fail("field 'version' is " + std::to_string(it->get<long>()) +
                  ", this airan reads version " + std::to_string(kModelFormatVersion));
    }
  }
  {
    const auto it = j.find("model");
    if (it == j.end() || !it->is_string() || it->get<std::string>() != "quantile-tree") {
      return fail("field 'model' must be \"quantile-tree\"");
    }
  }
  QuantileTreeModel model;
  auto q = number_field(j, "quantile", "");
  if (!q) return fail(q.error().message);
  if (!(*q > 0 && *q < 1)) return fail("field 'quantile' must be in (0, 1)");
  model.quantile_ = *q;
  const auto tasks = j.find("tasks");
  if (tasks == j.end() || !tasks->is_array())
    return fail("field 'tasks' is missing or not an array");
  for (size_t t = 0; t < tasks->size(); ++t) {
    const json& tj = (*tasks)[t];
    const std::string tp = "tasks[" + std::to_string(t) + "].";
    if (!tj.is_object()) return fail("field 'tasks[" + std::to_string(t) + "]' is not an object");
    TaskTree tree;
    const auto name = tj.find("task");
    if (name == tj.end() || !name->is_string() || name->get<std::string>().empty()) {
      return fail("field '" + tp + "task' is missing or not a non-empty string");
    }
    tree.task = name->get<std::string>();
    if (model.task_index(tree.task) >= 0) {
      return fail("field '" + tp + "task': task '" + tree.task + "' appears twice");
    }
    if (tj.contains("training_rows")) {
      auto rows = number_field(tj, "training_rows", tp);
      if (!rows || *rows < 0) return fail("field '" + tp + "training_rows' must be a count >= 0");
      tree.training_rows = static_cast<size_t>(*rows);
    }
    if (tj.contains("tail")) {
      const json& tail = tj["tail"];
      if (!tail.is_string() ||
          (tail.get<std::string>() != "additive" && tail.get<std::string>() != "multiplicative")) {
        return fail("field '" + tp + "tail' must be \"additive\" or \"multiplicative\"");
      }
      tree.tail =
          tail.get<std::string>() == "additive" ? TailModel::additive : TailModel::multiplicative;
    }
    if (tj.contains("tail_margin")) {
      auto r = number_field(tj, "tail_margin", tp);
      if (!r) return fail(r.error().message);
      tree.tail_margin = *r;
    }
    const auto nodes = tj.find("nodes");
    if (nodes == tj.end() || !nodes->is_array() || nodes->empty()) {
      return fail("field '" + tp + "nodes' is missing or not a non-empty array");
    }
    const size_t count = nodes->size();
    if (count > (1u << 24)) return fail("field '" + tp + "nodes' has too many nodes");
    for (size_t i = 0; i < count; ++i) {
      const json& nj = (*nodes)[i];
      const std::string np = tp + "nodes[" + std::to_string(i) + "].";
      if (!nj.is_object())
        return fail("field '" + tp + "nodes[" + std::to_string(i) + "]' is not an object");
      Node node{};
      if (nj.contains("leaf")) {
        auto v = number_field(nj, "leaf", np);
        if (!v) return fail(v.error().message);
        if (*v < 0 || *v > std::numeric_limits<float>::max()) {
          return fail("field '" + np + "leaf' must be a duration in ns >= 0");
        }
        node = {static_cast<float>(*v), kLeaf, 0, 0};
      } else {
        const auto f = nj.find("feature");
        if (f == nj.end() || !f->is_string()) {
          return fail("field '" + np + "feature' is missing (a node is a leaf or names a feature)");
        }
        const auto feature = feature_from_name(f->get<std::string>());
        if (!feature) {
          return fail("field '" + np + "feature': unknown feature '" + f->get<std::string>() +
                      "' (expected one of: " + std::string(feature_name_list()) + ")");
        }
        auto thr = number_field(nj, "threshold", np);
        if (!thr) return fail(thr.error().message);
        if (std::abs(*thr) > std::numeric_limits<float>::max()) {
          return fail("field '" + np + "threshold' is out of the float range");
        }
        auto left = number_field(nj, "left", np);
        if (!left) return fail(left.error().message);
        auto right = number_field(nj, "right", np);
        if (!right) return fail(right.error().message);
        if (*left != std::floor(*left) || *left <= static_cast<double>(i) ||
            *left + 1 >= static_cast<double>(count)) {
          return fail("field '" + np + "left' must be a node index greater than " +
                      std::to_string(i) + " and below " + std::to_string(count - 1));
        }
        if (*right != *left + 1) return fail("field '" + np + "right' must equal left + 1");
        node = {static_cast<float>(*thr), static_cast<uint16_t>(index_of(*feature)), 0,
                static_cast<uint32_t>(*left)};
      }
      tree.nodes.push_back(node);
    }
    model.tasks_.push_back(std::move(tree));
  }
  if (model.tasks_.empty()) return fail("field 'tasks' is empty (expected one tree per task type)");
  return model;
}

Expected<QuantileTreeModel> QuantileTreeModel::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"model file '" + path.string() + "': cannot open the file"};
  std::stringstream ss;
  ss << in.rdbuf();
  return from_json(ss.str(), "model file '" + path.string() + "'");
}

}  // namespace airan::predict
