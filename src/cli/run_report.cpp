// What `airan run` shows and writes: the per-second status line, the summary table, and the report
// folder (report.json, timeline.csv, timeline.svg). The SVG is written by hand: four panels over
// the run's time axis (offered RAN load; cores reserved vs used by RAN and AI; AI tokens/s;
// deadline misses and dropped slots per second).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/run_node.h"

namespace airan::cli {
namespace {

std::string strf(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string strf(const char* format, ...) {
  char buf[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof(buf), format, args);
  va_end(args);
  return buf;
}

double pct(double part, double whole) {
  return whole > 0 ? 100.0 * part / whole : 0.0;
}

std::string predictor_description(const RunResult& r) {
  const std::string& p = r.config.runtime.predictor;
  const std::string retrains = std::to_string(r.predictor_retrains);
  if (p == "online") {
    return "quantile trees trained on this run's executions (" + retrains +
           " trainings; recent-history quantile before a task type's first)";
  }
  if (r.config.runtime.predictor_file()) {
    return "quantile-tree model " + p + ", " + retrains + " online retrains";
  }
  return "recent-history quantile per task type";
}

std::string cpu_list(const std::vector<int>& cpus) {
  std::string s;
  for (size_t i = 0; i < cpus.size(); ++i) {
    if (i > 0) s += ',';
    s += std::to_string(cpus[i]);
  }
  return s;
}

// A field's YAML text as a JSON value of its type.
nlohmann::json yaml_value_to_json(const std::string& text) {
  if (!text.empty() && text.front() == '[') {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& item : YAML::Load(text)) a.push_back(item.as<long long>());
    return a;
  }
  if (!text.empty() && text.front() == '"') return YAML::Load(text).as<std::string>();
  if (text == "true" || text == "false") return text == "true";
  double v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec == std::errc() && r.ptr == text.data() + text.size()) {
    if (v == std::floor(v) && std::abs(v) < 9e15) return static_cast<long long>(v);
    return v;
  }
  return text;
}

nlohmann::json config_json(const RunConfig& config) {
  nlohmann::json out = nlohmann::json::object();
  for (const RunConfigField& f : run_config_fields()) {
    const size_t dot = f.path.find('.');
    const nlohmann::json value = yaml_value_to_json(f.yaml(config));
    if (dot == std::string::npos) {
      out[f.path] = value;
    } else {
      out[f.path.substr(0, dot)][f.path.substr(dot + 1)] = value;
    }
  }
  return out;
}

nlohmann::json latency_json(const rt::LatencySummary& l) {
  return {{"count", l.count},   {"mean_us", l.mean_us}, {"p50_us", l.p50_us},
          {"p99_us", l.p99_us}, {"p999_us", l.p999_us}, {"max_us", l.max_us}};
}

nlohmann::json summary_json(const RunResult& r) {
  const rt::MetricsSummary& m = r.summary;
  nlohmann::json per_type = nlohmann::json::object();
  for (size_t t = 0; t < rt::kNumRanTaskTypes; ++t) {
    if (m.misses_per_type[t] == 0) continue;
    per_type[std::string(rt::task_type_name(static_cast<rt::RanTaskType>(t)))] =
        m.misses_per_type[t];
  }
  return {
      {"wall_s", m.wall_s},
      {"slots", m.slots},
      {"slots_submitted", r.slots_submitted},
      {"slots_dropped", r.slots_dropped},
      {"slots_abandoned", r.slots_abandoned},
      {"feeder_backups", r.feeder_backups},
      {"tasks", m.tasks},
      {"misses", m.misses},
      {"missed_slots", m.missed_slots},
      {"miss_rate", m.miss_rate},
      {"misses_per_type", per_type},
      {"slot_latency", latency_json(m.slot_latency)},
      {"tbs", r.tbs},
      {"tbs_ok", r.tbs_ok},
      {"tb_success", r.tbs ? static_cast<double>(r.tbs_ok) / static_cast<double>(r.tbs) : 0.0},
      {"stage_errors", r.stage_errors},
      {"core_time",
       {{"total_core_s", m.total_core_ns / 1e9},
        {"ran_busy_s", m.ran_busy_ns / 1e9},
        {"ai_busy_s", m.ai_busy_ns / 1e9},
        {"idle_s", m.idle_ns / 1e9},
        {"scheduler_s", m.scheduler_ns / 1e9},
        {"ran_reserved_s", m.ran_reserved_ns / 1e9},
        {"ai_lent_s", m.ai_lent_ns / 1e9}}},
      {"reclaimed_fraction", m.reclaimed_fraction},
      {"ai",
       {{"status", r.ai_status},
        {"tokens", r.ai_tokens},
        {"tokens_per_s", r.ai_tokens_per_s},
        {"requests", r.ai_requests},
        {"request_errors", r.ai_errors},
        {"request_latency", latency_json(r.ai_request_latency)},
        {"steps", m.ai_steps},
        {"failed_steps", r.ai_failures},
        {"stopped", r.ai_stopped},
        {"last_error", r.last_ai_error}}},
      {"park_latency", latency_json(m.park_latency)},
      {"reclaim_latency", latency_json(m.reclaim_latency)},
      {"scheduler",
       {{"ticks", m.tick_period.count + 1},
        {"period", latency_json(m.tick_period)},
        {"period_jitter_us", m.period_jitter_us},
        {"tick_work", latency_json(m.tick_work)},
        {"tick_takeovers", m.tick_takeovers},
        {"decide", latency_json(m.decide_cost)},
        {"underpredicted_fraction", m.underpredicted_fraction}}},
  };
}

const char* kCsvHeader =
    "t_s,span_s,load,slots_submitted,slots_done,slots_dropped,misses,tbs,tbs_ok,ai_tokens,"
    "ran_reserved_cores,ran_used_cores,ai_lent_cores,ai_used_cores,ai_failures\n";

std::string csv_row(const RunTimelineRow& w) {
  return strf("%.3f,%.3f,%.4f,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.4f,%.4f,%.4f,%.4f,%llu\n", w.t_s,
              w.span_s, w.load, static_cast<unsigned long long>(w.slots_submitted),
              static_cast<unsigned long long>(w.slots_done),
              static_cast<unsigned long long>(w.slots_dropped),
              static_cast<unsigned long long>(w.misses), static_cast<unsigned long long>(w.tbs),
              static_cast<unsigned long long>(w.tbs_ok),
              static_cast<unsigned long long>(w.ai_tokens), w.ran_reserved_cores, w.ran_used_cores,
              w.ai_lent_cores, w.ai_used_cores, static_cast<unsigned long long>(w.ai_failures));
}

Status write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error{path.string() + ": cannot open for writing"};
  out << text;
  out.close();
  if (!out) return Error{path.string() + ": write failed"};
  return Status::ok();
}

// --- SVG -------------------------------------------------------------------------------------

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A "nice" axis maximum: 1, 2, 2.5 or 5 x 10^k at or above v.
double nice_max(double v) {
  if (!(v > 0)) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * p >= v * 1.0001) return m * p;
  }
  return 10 * p;
}

std::string tick_label(double v) {
  if (v == std::floor(v)) return strf("%.0f", v);
  return strf("%.1f", v);
}

struct Panel {
  double x0, y0, w, h;  // plot area, px
  double t_max, y_max;
  double x(double t) const { return x0 + w * std::clamp(t / t_max, 0.0, 1.0); }
  double y(double v) const { return y0 + h - h * std::clamp(v / y_max, 0.0, 1.0); }
};

void panel_frame(std::string& svg, const Panel& p, const std::string& title,
                 const std::string& unit) {
  svg += strf("<text x=\"%.1f\" y=\"%.1f\" class=\"title\">%s</text>\n", p.x0, p.y0 - 8,
              xml_escape(title).c_str());
  svg += strf("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>\n",
              p.x0, p.y0, p.w, p.h);
  for (int i = 0; i <= 4; ++i) {
    const double v = p.y_max * i / 4;
    const double y = p.y(v);
    if (i > 0 && i < 4) {
      svg += strf("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n", p.x0,
                  y, p.x0 + p.w, y);
    }
    svg += strf("<text x=\"%.1f\" y=\"%.1f\" class=\"ylabel\">%s</text>\n", p.x0 - 6, y + 4,
                tick_label(v).c_str());
  }
  svg += strf(
      "<text x=\"%.1f\" y=\"%.1f\" class=\"unit\" transform=\"rotate(-90 %.1f %.1f)\">%s"
      "</text>\n",
      p.x0 - 44, p.y0 + p.h / 2, p.x0 - 44, p.y0 + p.h / 2, xml_escape(unit).c_str());
  const double step = nice_max(p.t_max / 8);
  for (double t = 0; t <= p.t_max + 1e-9; t += step) {
    svg += strf("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"tick\"/>\n", p.x(t),
                p.y0 + p.h, p.x(t), p.y0 + p.h + 4);
    svg += strf("<text x=\"%.1f\" y=\"%.1f\" class=\"xlabel\">%s</text>\n", p.x(t), p.y0 + p.h + 16,
                tick_label(t).c_str());
  }
}

// A step line over the timeline: value v(row) held over each row's second.
template <typename F>
std::string step_points(const Panel& p, const std::vector<RunTimelineRow>& rows, F value) {
  std::string pts;
  double t_prev = 0;
  for (const RunTimelineRow& r : rows) {
    const double v = value(r);
    pts += strf("%.1f,%.1f %.1f,%.1f ", p.x(t_prev), p.y(v), p.x(r.t_s), p.y(v));
    t_prev = r.t_s;
  }
  return pts;
}

template <typename F>
void step_area(std::string& svg, const Panel& p, const std::vector<RunTimelineRow>& rows, F value,
               const char* css) {
  if (rows.empty()) return;
  svg += strf("<polygon class=\"%s\" points=\"%.1f,%.1f %s%.1f,%.1f\"/>\n", css, p.x(0), p.y(0),
              step_points(p, rows, value).c_str(), p.x(rows.back().t_s), p.y(0));
}

template <typename F>
void step_line(std::string& svg, const Panel& p, const std::vector<RunTimelineRow>& rows, F value,
               const char* css) {
  if (rows.empty()) return;
  svg += strf("<polyline class=\"%s\" points=\"%s\"/>\n", css, step_points(p, rows, value).c_str());
}

void legend(std::string& svg, double x, double y,
            const std::vector<std::pair<std::string, std::string>>& items) {
  for (const auto& [css, text] : items) {
    svg += strf("<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"8\" class=\"%s\"/>\n", x, y - 8,
                css.c_str());
    svg += strf("<text x=\"%.1f\" y=\"%.1f\" class=\"legend\">%s</text>\n", x + 18, y,
                xml_escape(text).c_str());
    x += 26 + 6.2 * static_cast<double>(text.size());
  }
}

double tokens_per_s(const RunTimelineRow& w) {
  return w.span_s > 0 ? static_cast<double>(w.ai_tokens) / w.span_s : 0.0;
}

}  // namespace

std::string format_status_line(const RunTimelineRow& w) {
  const std::string failures = w.ai_failures ? strf(" | AI step failures %llu",
                                                    static_cast<unsigned long long>(w.ai_failures))
                                             : std::string();
  return strf(
             "t=%5.1fs load %3.0f%% | cores RAN %.2f res %.2f used, AI %.2f lent %.2f used | "
             "slots %5llu miss %llu drop %llu | AI %6.1f tok/s | TB ok %s",
             w.t_s, 100 * w.load, w.ran_reserved_cores, w.ran_used_cores, w.ai_lent_cores,
             w.ai_used_cores, static_cast<unsigned long long>(w.slots_done),
             static_cast<unsigned long long>(w.misses),
             static_cast<unsigned long long>(w.slots_dropped),
             w.span_s > 0 ? static_cast<double>(w.ai_tokens) / w.span_s : 0.0,
             w.tbs ? strf("%5.1f%%", pct(w.tbs_ok, w.tbs)).c_str() : "  n/a") +
         failures;
}

std::string format_summary(const RunResult& r) {
  const rt::MetricsSummary& m = r.summary;
  std::string per_type;
  for (size_t t = 0; t < rt::kNumRanTaskTypes; ++t) {
    if (m.misses_per_type[t] == 0) continue;
    per_type += strf("%s%s %llu", per_type.empty() ? "" : ", ",
                     std::string(rt::task_type_name(static_cast<rt::RanTaskType>(t))).c_str(),
                     static_cast<unsigned long long>(m.misses_per_type[t]));
  }
  if (per_type.empty()) per_type = "-";
  const double total = m.total_core_ns;
  std::string out;
  const char* priority = r.realtime                                ? ", SCHED_FIFO"
                         : r.config.runtime.realtime_priority == 0 ? ""
                                                                   : ", real-time priority REFUSED";
  out += strf("== airan run summary: policy %s, cpus %s%s%s%s, %.1f s%s ==\n",
              r.config.runtime.policy.c_str(), cpu_list(r.cpus).c_str(),
              r.pinned ? " (pinned)" : " (NOT pinned)", priority,
              r.memory_locked ? ", memory locked" : "", m.wall_s,
              r.interrupted ? ", interrupted" : "");
  out += strf(
      "RAN    slots %llu done / %llu submitted, %llu dropped, %llu abandoned; %llu hand-overs "
      "made by the ticks for a late feeder\n",
      static_cast<unsigned long long>(m.slots), static_cast<unsigned long long>(r.slots_submitted),
      static_cast<unsigned long long>(r.slots_dropped),
      static_cast<unsigned long long>(r.slots_abandoned),
      static_cast<unsigned long long>(r.feeder_backups));
  out += strf("       deadline misses %llu tasks in %llu slots (miss rate %.2e); per type: %s\n",
              static_cast<unsigned long long>(m.misses),
              static_cast<unsigned long long>(m.missed_slots), m.miss_rate, per_type.c_str());
  out += strf(
      "       slot latency p50 / p99 / p99.9 / max  %.0f / %.0f / %.0f / %.0f us "
      "(deadline %.0f us after release)\n",
      m.slot_latency.p50_us, m.slot_latency.p99_us, m.slot_latency.p999_us, m.slot_latency.max_us,
      r.slot_us * r.config.runtime.deadline_slots);
  out += strf("       TB decode %llu / %llu ok (%.2f %%), receiver stage errors %llu\n",
              static_cast<unsigned long long>(r.tbs_ok), static_cast<unsigned long long>(r.tbs),
              r.tbs ? pct(r.tbs_ok, r.tbs) : 0.0, static_cast<unsigned long long>(r.stage_errors));
  out += strf(
      "cores  %.1f core-s: RAN busy %.1f %% | AI busy %.1f %% | idle %.1f %% | "
      "scheduler %.1f %%\n",
      total / 1e9, pct(m.ran_busy_ns, total), pct(m.ai_busy_ns, total), pct(m.idle_ns, total),
      pct(m.scheduler_ns, total));
  out += strf("       reclaimed fraction %.3f  (AI busy / (total - RAN busy))\n",
              m.reclaimed_fraction);
  out += strf(
      "       allocation: RAN reserved %.1f %% (busy %.1f %% of it) | AI lent %.1f %% (busy %.1f "
      "%% of it)\n",
      pct(m.ran_reserved_ns, total), pct(m.ran_busy_ns, m.ran_reserved_ns),
      pct(m.ai_lent_ns, total), pct(m.ai_busy_ns, m.ai_lent_ns));
  out += strf("AI     %s, %u of %zu engine workers pinned\n", r.ai_status.c_str(),
              r.ai_workers_pinned, r.cpus.size());
  out += strf(
      "       %llu tokens, %.1f tok/s, %llu requests (latency p50 / p99 / max %.0f / %.0f "
      "/ %.0f ms), %llu failed steps%s\n",
      static_cast<unsigned long long>(r.ai_tokens), r.ai_tokens_per_s,
      static_cast<unsigned long long>(r.ai_requests), r.ai_request_latency.p50_us / 1e3,
      r.ai_request_latency.p99_us / 1e3, r.ai_request_latency.max_us / 1e3,
      static_cast<unsigned long long>(r.ai_failures), r.ai_stopped ? " (AI stopped)" : "");
  out += strf(
      "       reclaim (request -> RAN worker running) p50 / p99 / p99.9 / max  %.1f / %.1f / "
      "%.1f / %.1f us (%zu reclaims)\n",
      m.reclaim_latency.p50_us, m.reclaim_latency.p99_us, m.reclaim_latency.p999_us,
      m.reclaim_latency.max_us, m.reclaim_latency.count);
  out += strf(
      "       park (request -> AI worker parked) p50 / p99 / p99.9 / max  %.1f / %.1f / %.1f / "
      "%.1f us\n",
      m.park_latency.p50_us, m.park_latency.p99_us, m.park_latency.p999_us, m.park_latency.max_us);
  out += strf(
      "sched  period %u us asked; achieved mean %.1f, p50 %.1f, p99 %.1f, max %.0f us, "
      "jitter (sd) %.1f us, %zu ticks; ticks taken over from a stalled keeper %llu times\n",
      r.config.runtime.period_us, m.tick_period.mean_us, m.tick_period.p50_us, m.tick_period.p99_us,
      m.tick_period.max_us, m.period_jitter_us, m.tick_period.count + 1,
      static_cast<unsigned long long>(m.tick_takeovers));
  out += strf(
      "       tick work p50 / p99 %.1f / %.1f us; predictions below actual %.2f %% of "
      "tasks\n",
      m.tick_work.p50_us, m.tick_work.p99_us, 100 * m.underpredicted_fraction);
  out += strf("       task durations: %s; %zu executions recorded (tasks.csv)\n",
              predictor_description(r).c_str(), r.task_trace.rows());
  for (const std::string& w : r.warnings) out += "WARN   " + w + "\n";
  return out;
}

std::string timeline_svg(const RunResult& r) {
  const std::vector<RunTimelineRow>& rows = r.timeline;
  double t_max = rows.empty() ? r.config.duration_s : rows.back().t_s;
  t_max = std::max(t_max, 1.0);
  const double cores = static_cast<double>(std::max<size_t>(r.cpus.size(), 1));
  double tok_max = 0, miss_max = 0;
  for (const RunTimelineRow& w : rows) {
    tok_max = std::max(tok_max, tokens_per_s(w));
    miss_max = std::max(miss_max, static_cast<double>(w.misses + w.slots_dropped));
  }
  const double W = 960, left = 70, right = 20, ph = 130, gap = 62, top = 58, bottom = 24;
  const double H = top + 4 * ph + 4 * gap + bottom;
  std::string svg;
  svg += strf(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
      "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n",
      W, H, W, H);
  svg +=
      "<style>\n"
      ".title{font-size:13px;font-weight:bold;fill:#222}.ylabel{font-size:11px;fill:#444;"
      "text-anchor:end}.xlabel{font-size:11px;fill:#444;text-anchor:middle}.unit{font-size:11px;"
      "fill:#444;text-anchor:middle}.legend{font-size:11px;fill:#222}.head{font-size:15px;"
      "font-weight:bold}.sub{font-size:11px;fill:#444}\n"
      ".frame{fill:none;stroke:#888}.grid{stroke:#ddd}.tick{stroke:#888}\n"
      ".load{fill:#9ecae1;stroke:#3182bd;stroke-width:1.5}\n"
      ".ranres{fill:none;stroke:#e6550d;stroke-width:2}.ranused{fill:#fdae6b;stroke:none;"
      "opacity:0.9}\n"
      ".ailent{fill:none;stroke:#31a354;stroke-width:2;stroke-dasharray:6 3}.aiused{fill:#a1d99b;"
      "stroke:none;opacity:0.7}\n"
      ".tok{fill:#dadaeb;stroke:#756bb1;stroke-width:1.5}\n"
      ".miss{fill:#de2d26}.drop{fill:#969696}\n"
      "</style>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += strf(
      "<text x=\"%.0f\" y=\"22\" class=\"head\">airan run: policy %s, %zu cores, %.1f s"
      "%s</text>\n",
      left, xml_escape(r.config.runtime.policy).c_str(), r.cpus.size(), r.summary.wall_s,
      r.interrupted ? " (interrupted)" : "");
  svg += strf(
      "<text x=\"%.0f\" y=\"40\" class=\"sub\">slots %llu, misses %llu (rate %.2e), "
      "reclaimed fraction %.3f, AI %.1f tok/s, TB ok %.2f %%, slot p99 %.0f us</text>\n",
      left, static_cast<unsigned long long>(r.summary.slots),
      static_cast<unsigned long long>(r.summary.misses), r.summary.miss_rate,
      r.summary.reclaimed_fraction, r.ai_tokens_per_s, r.tbs ? pct(r.tbs_ok, r.tbs) : 0.0,
      r.summary.slot_latency.p99_us);
  const double pw = W - left - right;
  auto panel = [&](int i, double y_max) {
    return Panel{left, top + gap / 2 + i * (ph + gap), pw, ph, t_max, y_max};
  };

  const Panel load = panel(0, 100);
  panel_frame(svg, load, "Offered RAN load (time-of-day profile)", "load %");
  step_area(
      svg, load, rows, [](const RunTimelineRow& w) { return 100 * w.load; }, "load");

  const Panel core = panel(1, cores);
  panel_frame(svg, core, "Cores: RAN reserved vs used, AI lent vs used", "cores");
  step_area(
      svg, core, rows, [](const RunTimelineRow& w) { return w.ai_used_cores; }, "aiused");
  step_area(
      svg, core, rows, [](const RunTimelineRow& w) { return w.ran_used_cores; }, "ranused");
  step_line(
      svg, core, rows, [](const RunTimelineRow& w) { return w.ran_reserved_cores; }, "ranres");
  step_line(
      svg, core, rows, [](const RunTimelineRow& w) { return w.ai_lent_cores; }, "ailent");
  legend(svg, left + pw - 520, core.y0 - 8,
         {{"ranres", "RAN reserved"},
          {"ranused", "RAN used"},
          {"ailent", "AI lent"},
          {"aiused", "AI used"}});

  const Panel tok = panel(2, nice_max(tok_max));
  panel_frame(svg, tok, "AI: LLM tokens generated per second", "tokens/s");
  step_area(svg, tok, rows, tokens_per_s, "tok");

  const Panel miss = panel(3, std::max(1.0, nice_max(miss_max)));
  panel_frame(svg, miss, "RAN deadline misses and dropped slots per second", "count");
  double t_prev = 0;
  for (const RunTimelineRow& w : rows) {
    const double bw = std::max(1.0, miss.x(w.t_s) - miss.x(t_prev) - 2);
    if (w.misses > 0) {
      svg += strf("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"miss\"/>\n",
                  miss.x(t_prev) + 1, miss.y(static_cast<double>(w.misses)), bw,
                  miss.y(0) - miss.y(static_cast<double>(w.misses)));
    }
    if (w.slots_dropped > 0) {
      const double top_v = static_cast<double>(w.misses + w.slots_dropped);
      svg += strf("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"drop\"/>\n",
                  miss.x(t_prev) + 1, miss.y(top_v), bw,
                  miss.y(static_cast<double>(w.misses)) - miss.y(top_v));
    }
    t_prev = w.t_s;
  }
  legend(svg, left + pw - 260, miss.y0 - 8, {{"miss", "task misses"}, {"drop", "dropped slots"}});
  svg += strf("<text x=\"%.1f\" y=\"%.1f\" class=\"xlabel\">time (s)</text>\n", left + pw / 2,
              miss.y0 + miss.h + 34);
  svg += "</svg>\n";
  return svg;
}

Status write_run_report(const RunResult& r, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{"report.dir: cannot create " + dir + ": " + ec.message()};
  const std::filesystem::path base(dir);

  nlohmann::json report;
  report["config"] = config_json(r.config);
  report["cpus"] = r.cpus;
  report["pinned"] = r.pinned;
  report["realtime"] = r.realtime;
  report["memory_locked"] = r.memory_locked;
  report["ai_workers_pinned"] = r.ai_workers_pinned;
  report["interrupted"] = r.interrupted;
  report["slot_us"] = r.slot_us;
  report["bank_slots"] = r.bank_slots;
  report["warnings"] = r.warnings;
  report["summary"] = summary_json(r);
  nlohmann::json misses = nlohmann::json::array();
  for (const rt::DeadlineMiss& m : r.misses) {
    misses.push_back({{"cell", m.cell},
                      {"slot", m.slot},
                      {"task", m.task},
                      {"type", std::string(rt::task_type_name(m.type))},
                      {"predicted_us", static_cast<double>(m.predicted_ns) / 1e3},
                      {"actual_us", static_cast<double>(m.actual_ns) / 1e3},
                      {"late_us", static_cast<double>(m.late_ns) / 1e3}});
  }
  report["deadline_misses"] = misses;
  nlohmann::json timeline = nlohmann::json::array();
  for (const RunTimelineRow& w : r.timeline) {
    timeline.push_back({{"t_s", w.t_s},
                        {"span_s", w.span_s},
                        {"load", w.load},
                        {"slots_submitted", w.slots_submitted},
                        {"slots_done", w.slots_done},
                        {"slots_dropped", w.slots_dropped},
                        {"misses", w.misses},
                        {"tbs", w.tbs},
                        {"tbs_ok", w.tbs_ok},
                        {"ai_tokens", w.ai_tokens},
                        {"ran_reserved_cores", w.ran_reserved_cores},
                        {"ran_used_cores", w.ran_used_cores},
                        {"ai_lent_cores", w.ai_lent_cores},
                        {"ai_used_cores", w.ai_used_cores},
                        {"ai_failures", w.ai_failures}});
  }
  report["timeline"] = timeline;
  if (Status s = write_file(base / "report.json", report.dump(2) + "\n"); !s) return s;

  std::string csv = kCsvHeader;
  for (const RunTimelineRow& w : r.timeline) csv += csv_row(w);
  if (Status s = write_file(base / "timeline.csv", csv); !s) return s;
  if (Status s = write_file(base / "timeline.svg", timeline_svg(r)); !s) return s;
  if (Status s = write_file(base / "config.yaml", to_yaml(r.config)); !s) return s;
  if (Status s = predict::save_trace(r.task_trace, base / "tasks.csv"); !s) return s;
  return Status::ok();
}

}  // namespace airan::cli
