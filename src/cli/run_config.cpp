#include "cli/run_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "airan/phy/ofdm/carrier.h"
#include "airan/ran/traffic.h"
#include "airan/rt/cpu_affinity.h"
#include "airan/rt/policy.h"

namespace airan::cli {

const char* const kDefaultRunYaml =
    R"(# airan run: the embedded default. A file given with --config overrides it key by key;
# flags (--cpus, --policy, ... or --set key.path=value) override both.
duration_s: 24          # run length, seconds of real time
seed: 1                 # traffic and AI request seed

runtime:
  cpus: []              # CPUs of the runtime's workers; [] = every CPU this process may use
  period_us: 50         # scheduler tick period, microseconds
  policy: predictive    # ran-only | static | shared-naive | reactive | predictive
  static_ran_cores: 1   # RAN cores of the static policy
  min_ran_cores: 0      # reactive / predictive: cores that always serve the RAN (0 = lend all)
  deadline_slots: 3     # task deadline after the slot's end, in slots
  quantile: 0.99        # duration quantile the predictor targets
  predictor: online     # online: quantile trees trained on this node's own executions while it
                        # runs | recent: recent-history quantile per task type | a model file
  max_ai_failures: 3    # consecutive failed AI steps before AI work is stopped (RAN continues)
  realtime_priority: 50 # SCHED_FIFO priority of the RAN threads (scheduler +1); 0 = normal
  reserve_ahead_us: 100 # predictive: reserve cores for slots released within this (0 = off)

cell:
  bandwidth_mhz: 20
  scs_khz: 30
  rx: 2                 # gNB receive antennas
  ues: 4                # emulated UEs
  traffic: poisson      # full_buffer | poisson | bursty
  ue_peak_mbps: 8       # offered uplink rate per UE at 100 % load
  snr_min_db: 12        # SNR of the weakest UE
  snr_max_db: 28        # SNR of the strongest UE
  k2: 7                 # uplink grant lead, slots: the runtime gets each slot's tasks from
                        # its grant on (they wait for the slot's samples)

load:
  profile: ramp         # ramp (min -> max -> min over the run) | diurnal | flat (max)
  min: 0.1
  max: 1
  levels: 10            # load levels of the pre-generated slot bank
  slots_per_level: 32   # emulated slots per level, replayed in real time (~240 kB each)

ai:
  enabled: true
  model: ""             # GGUF file; "" = a small random model written to a temp dir
  required: false       # true: an AI setup failure stops the run before it starts
  max_sequences: 4
  ctx: 512              # context per sequence, tokens (API prompts + replies must fit)
  max_tokens: 32        # tokens generated per request
  queued_requests: 8    # built-in call-centre generator keeps this many pending; 0 = off

api:
  listen: ""            # host:port of the OpenAI-compatible API (port 0: any free); "" = off
  key: ""               # Bearer API key; "" = no authentication
  chat_template: chatml # for models without a recognised chat template

report:
  dir: airan-report/{time}   # {time} = YYYYmmdd-HHMMSS
  status: true               # one status line per second
)";

namespace {

std::string yaml_quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

template <typename T>
Expected<T> parse_integer(const std::string& path, std::string_view text) {
  const std::string t = trim(text);
  T v{};
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) {
    return Error{path + ": \"" + t + "\" is not " +
                 (std::is_signed_v<T> ? "an integer" : "a non-negative integer")};
  }
  return v;
}

Expected<double> parse_double(const std::string& path, std::string_view text) {
  const std::string t = trim(text);
  double v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size() || !std::isfinite(v)) {
    return Error{path + ": \"" + t + "\" is not a number"};
  }
  return v;
}

Expected<bool> parse_bool(const std::string& path, std::string_view text) {
  const std::string t = trim(text);
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  return Error{path + ": \"" + t + "\" is not true or false"};
}

// "0,1", "[0, 1]", "0-3", "" or "[]".
Expected<std::vector<int>> parse_cpu_list(const std::string& path, std::string_view text) {
  std::string t = trim(text);
  if (!t.empty() && t.front() == '[') {
    if (t.back() != ']') return Error{path + ": \"" + t + "\" is missing the closing ]"};
    t = trim(std::string_view(t).substr(1, t.size() - 2));
  }
  std::vector<int> cpus;
  std::string_view rest = t;
  while (!rest.empty()) {
    const size_t comma = std::min(rest.find(','), rest.size());
    const std::string item = trim(rest.substr(0, comma));
    rest = comma < rest.size() ? rest.substr(comma + 1) : std::string_view();
    const size_t dash = item.find('-');
    if (dash != std::string::npos && dash > 0) {
      auto lo = parse_integer<int>(path, item.substr(0, dash));
      auto hi = parse_integer<int>(path, item.substr(dash + 1));
      if (!lo) return lo.error();
      if (!hi) return hi.error();
      if (*hi < *lo || *hi - *lo > 4096) return Error{path + ": bad CPU range \"" + item + "\""};
      for (int c = *lo; c <= *hi; ++c) cpus.push_back(c);
      continue;
    }
    auto cpu = parse_integer<int>(path, item);
    if (!cpu) return Error{path + ": \"" + item + "\" is not a CPU number (list: 0,1 or 0-3)"};
    cpus.push_back(*cpu);
  }
  return cpus;
}

std::string yaml_double(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// Field constructors: the member is reached through a getter so one table serves every type.
template <typename T>
RunConfigField integer_field(std::string path, std::string flag, std::string help,
                             T& (*member)(RunConfig&)) {
  RunConfigField f{path, std::move(flag), std::move(help), nullptr, nullptr};
  f.set = [path, member](RunConfig& c, std::string_view text) -> Status {
    auto v = parse_integer<T>(path, text);
    if (!v) return v.error();
    member(c) = *v;
    return Status::ok();
  };
  f.yaml = [member](const RunConfig& c) {
    return std::to_string(member(const_cast<RunConfig&>(c)));
  };
  return f;
}

RunConfigField double_field(std::string path, std::string flag, std::string help,
                            double& (*member)(RunConfig&)) {
  RunConfigField f{path, std::move(flag), std::move(help), nullptr, nullptr};
  f.set = [path, member](RunConfig& c, std::string_view text) -> Status {
    auto v = parse_double(path, text);
    if (!v) return v.error();
    member(c) = *v;
    return Status::ok();
  };
  f.yaml = [member](const RunConfig& c) { return yaml_double(member(const_cast<RunConfig&>(c))); };
  return f;
}

RunConfigField bool_field(std::string path, std::string flag, std::string help,
                          bool& (*member)(RunConfig&)) {
  RunConfigField f{path, std::move(flag), std::move(help), nullptr, nullptr};
  f.set = [path, member](RunConfig& c, std::string_view text) -> Status {
    auto v = parse_bool(path, text);
    if (!v) return v.error();
    member(c) = *v;
    return Status::ok();
  };
  f.yaml = [member](const RunConfig& c) {
    return std::string(member(const_cast<RunConfig&>(c)) ? "true" : "false");
  };
  return f;
}

RunConfigField string_field(std::string path, std::string flag, std::string help,
                            std::string& (*member)(RunConfig&)) {
  RunConfigField f{path, std::move(flag), std::move(help), nullptr, nullptr};
  f.set = [member](RunConfig& c, std::string_view text) -> Status {
    member(c) = std::string(text);
    return Status::ok();
  };
  f.yaml = [member](const RunConfig& c) { return yaml_quoted(member(const_cast<RunConfig&>(c))); };
  return f;
}

RunConfigField cpu_list_field(std::string path, std::string flag, std::string help) {
  RunConfigField f{path, std::move(flag), std::move(help), nullptr, nullptr};
  f.set = [path](RunConfig& c, std::string_view text) -> Status {
    auto v = parse_cpu_list(path, text);
    if (!v) return v.error();
    c.runtime.cpus = std::move(*v);
    return Status::ok();
  };
  f.yaml = [](const RunConfig& c) {
    std::string s = "[";
    for (size_t i = 0; i < c.runtime.cpus.size(); ++i) {
      s += (i ? ", " : "") + std::to_string(c.runtime.cpus[i]);
    }
    return s + "]";
  };
  return f;
}

std::vector<RunConfigField> make_fields() {
  using C = RunConfig;
  std::vector<RunConfigField> f;
  f.push_back(double_field("duration_s", "--duration", "Run length (s of real time)",
                           [](C& c) -> double& { return c.duration_s; }));
  f.push_back(integer_field<uint64_t>("seed", "--seed", "Traffic and AI request seed",
                                      [](C& c) -> uint64_t& { return c.seed; }));
  f.push_back(cpu_list_field("runtime.cpus", "--cpus",
                             "CPUs of the runtime's workers (0,1 or 0-3; empty: all allowed)"));
  f.push_back(integer_field<unsigned>("runtime.period_us", "--period-us",
                                      "Scheduler tick period (us)",
                                      [](C& c) -> unsigned& { return c.runtime.period_us; }));
  f.push_back(string_field("runtime.policy", "--policy",
                           "ran-only | static | shared-naive | reactive | predictive",
                           [](C& c) -> std::string& { return c.runtime.policy; }));
  f.push_back(integer_field<unsigned>(
      "runtime.static_ran_cores", "--static-ran-cores", "RAN cores of the static policy",
      [](C& c) -> unsigned& { return c.runtime.static_ran_cores; }));
  f.push_back(integer_field<unsigned>("runtime.min_ran_cores", "--min-ran-cores",
                                      "Cores that always serve the RAN (reactive, predictive)",
                                      [](C& c) -> unsigned& { return c.runtime.min_ran_cores; }));
  f.push_back(double_field("runtime.deadline_slots", "--deadline-slots",
                           "Task deadline after the slot's end (slots)",
                           [](C& c) -> double& { return c.runtime.deadline_slots; }));
  f.push_back(double_field("runtime.quantile", "--quantile",
                           "Duration quantile the predictor targets",
                           [](C& c) -> double& { return c.runtime.quantile; }));
  f.push_back(string_field("runtime.predictor", "--predictor",
                           "online (trees trained on this run), recent, or a model file",
                           [](C& c) -> std::string& { return c.runtime.predictor; }));
  f.push_back(integer_field<unsigned>("runtime.max_ai_failures", "",
                                      "Consecutive failed AI steps before AI work is stopped",
                                      [](C& c) -> unsigned& { return c.runtime.max_ai_failures; }));
  f.push_back(integer_field<unsigned>(
      "runtime.reserve_ahead_us", "--reserve-ahead-us",
      "predictive: reserve cores for slots released within this (us; schedule + load forecast)",
      [](C& c) -> unsigned& { return c.runtime.reserve_ahead_us; }));
  f.push_back(integer_field<unsigned>(
      "runtime.realtime_priority", "--realtime-priority",
      "SCHED_FIFO priority of the RAN threads (scheduler +1); 0: normal scheduling",
      [](C& c) -> unsigned& { return c.runtime.realtime_priority; }));
  f.push_back(integer_field<unsigned>("cell.bandwidth_mhz", "--bandwidth",
                                      "Channel bandwidth (MHz)",
                                      [](C& c) -> unsigned& { return c.cell.bandwidth_mhz; }));
  f.push_back(integer_field<unsigned>("cell.scs_khz", "--scs", "Subcarrier spacing (kHz): 15 or 30",
                                      [](C& c) -> unsigned& { return c.cell.scs_khz; }));
  f.push_back(integer_field<unsigned>("cell.rx", "--rx", "gNB receive antennas (1..4)",
                                      [](C& c) -> unsigned& { return c.cell.rx; }));
  f.push_back(integer_field<unsigned>("cell.ues", "--ues", "Emulated UEs (1..16)",
                                      [](C& c) -> unsigned& { return c.cell.ues; }));
  f.push_back(string_field("cell.traffic", "--traffic", "full_buffer | poisson | bursty",
                           [](C& c) -> std::string& { return c.cell.traffic; }));
  f.push_back(double_field("cell.ue_peak_mbps", "--ue-peak-mbps",
                           "Offered uplink rate per UE at 100 % load (Mbit/s)",
                           [](C& c) -> double& { return c.cell.ue_peak_mbps; }));
  f.push_back(double_field("cell.snr_min_db", "--snr-min", "SNR of the weakest UE (dB)",
                           [](C& c) -> double& { return c.cell.snr_min_db; }));
  f.push_back(double_field("cell.snr_max_db", "--snr-max", "SNR of the strongest UE (dB)",
                           [](C& c) -> double& { return c.cell.snr_max_db; }));
  f.push_back(integer_field<unsigned>(
      "cell.k2", "--k2",
      "Uplink grant lead in slots (0..32): the runtime gets each slot's tasks from its grant on",
      [](C& c) -> unsigned& { return c.cell.k2; }));
  f.push_back(string_field("load.profile", "--profile", "ramp | diurnal | flat",
                           [](C& c) -> std::string& { return c.load.profile; }));
  f.push_back(double_field("load.min", "--load-min", "Lowest load of the profile (0..1)",
                           [](C& c) -> double& { return c.load.min; }));
  f.push_back(double_field("load.max", "--load-max", "Highest load of the profile (0..1)",
                           [](C& c) -> double& { return c.load.max; }));
  f.push_back(integer_field<unsigned>("load.levels", "", "Load levels of the emulated slot bank",
                                      [](C& c) -> unsigned& { return c.load.levels; }));
  f.push_back(integer_field<unsigned>("load.slots_per_level", "",
                                      "Emulated slots generated per load level",
                                      [](C& c) -> unsigned& { return c.load.slots_per_level; }));
  f.push_back(bool_field("ai.enabled", "--ai", "Run the LLM engine on lent cores (true/false)",
                         [](C& c) -> bool& { return c.ai.enabled; }));
  f.push_back(string_field("ai.model", "--model", "GGUF model; empty: a small random model",
                           [](C& c) -> std::string& { return c.ai.model; }));
  f.push_back(bool_field("ai.required", "--ai-required",
                         "An AI setup failure stops the run before it starts (true/false)",
                         [](C& c) -> bool& { return c.ai.required; }));
  f.push_back(integer_field<unsigned>("ai.max_sequences", "--max-sequences",
                                      "Sequences batched by the engine",
                                      [](C& c) -> unsigned& { return c.ai.max_sequences; }));
  f.push_back(integer_field<unsigned>("ai.max_tokens", "--max-tokens", "Tokens per request",
                                      [](C& c) -> unsigned& { return c.ai.max_tokens; }));
  f.push_back(integer_field<unsigned>("ai.queued_requests", "",
                                      "Requests the built-in generator keeps pending (0: off)",
                                      [](C& c) -> unsigned& { return c.ai.queued_requests; }));
  f.push_back(integer_field<unsigned>("ai.ctx", "--ctx", "Context per sequence, tokens",
                                      [](C& c) -> unsigned& { return c.ai.ctx; }));
  f.push_back(string_field("api.listen", "--api", "host:port of the OpenAI-compatible API",
                           [](C& c) -> std::string& { return c.api.listen; }));
  f.push_back(string_field("api.key", "--api-key", "Bearer API key (empty: none)",
                           [](C& c) -> std::string& { return c.api.key; }));
  f.push_back(string_field("api.chat_template", "--chat-template",
                           "Chat template for models without one",
                           [](C& c) -> std::string& { return c.api.chat_template; }));
  f.push_back(string_field("report.dir", "--report", "Report folder ({time} = timestamp)",
                           [](C& c) -> std::string& { return c.report.dir; }));
  f.push_back(bool_field("report.status", "--status", "Status line every second (true/false)",
                         [](C& c) -> bool& { return c.report.status; }));
  return f;
}

const RunConfigField* find_field(std::string_view path) {
  for (const RunConfigField& f : run_config_fields()) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

bool is_section(std::string_view path) {
  for (const RunConfigField& f : run_config_fields()) {
    if (f.path.size() > path.size() && f.path.compare(0, path.size(), path) == 0 &&
        f.path[path.size()] == '.') {
      return true;
    }
  }
  return false;
}

std::string known_keys(std::string_view section) {
  std::string out;
  for (const RunConfigField& f : run_config_fields()) {
    std::string_view p = f.path;
    if (!section.empty()) {
      if (p.size() <= section.size() || p.compare(0, section.size(), section) != 0 ||
          p[section.size()] != '.')
        continue;
      p = p.substr(section.size() + 1);
    }
    const std::string_view key = p.substr(0, p.find('.'));
    if (out.find(std::string(key)) != std::string::npos) continue;
    out += (out.empty() ? "" : ", ") + std::string(key);
  }
  return out;
}

Status apply_node(RunConfig& config, const YAML::Node& node, const std::string& prefix,
                  std::string_view origin) {
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    const YAML::Node& value = kv.second;
    const RunConfigField* field = find_field(path);
    const std::string where = std::string(origin) + ":" + std::to_string(value.Mark().line + 1);
    if (field == nullptr) {
      if (is_section(path)) {
        if (!value.IsMap()) return Error{path + ": expected a section (map) (" + where + ")"};
        if (Status s = apply_node(config, value, path, origin); !s) return s;
        continue;
      }
      return Error{"unknown key \"" + path + "\" (" + where +
                   "); known here: " + known_keys(prefix)};
    }
    std::string text;
    if (value.IsNull()) {
      text = "";
    } else if (value.IsScalar()) {
      text = value.Scalar();
    } else if (value.IsSequence() && path == "runtime.cpus") {
      for (const auto& item : value) {
        if (!item.IsScalar())
          return Error{path + ": expected a list of CPU numbers (" + where + ")"};
        text += (text.empty() ? "" : ",") + item.Scalar();
      }
    } else {
      return Error{path + ": expected a single value (" + where + ")"};
    }
    if (Status s = field->set(config, text); !s) return Error{s.message() + " (" + where + ")"};
  }
  return Status::ok();
}

}  // namespace

const std::vector<RunConfigField>& run_config_fields() {
  static const std::vector<RunConfigField> fields = make_fields();
  return fields;
}

Status apply_run_yaml(RunConfig& config, std::string_view text, std::string_view origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error{std::string(origin) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  if (root.IsNull()) return Status::ok();
  if (!root.IsMap()) return Error{std::string(origin) + ": expected a map of sections at the top"};
  try {
    return apply_node(config, root, "", origin);
  } catch (const YAML::Exception& e) {
    return Error{std::string(origin) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
}

Status apply_run_yaml_file(RunConfig& config, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"--config: cannot read " + path};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{"--config: error reading " + path};
  return apply_run_yaml(config, text.str(), path);
}

Status apply_run_assignment(RunConfig& config, std::string_view assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string_view::npos) {
    return Error{"--set: \"" + std::string(assignment) + "\" is not key.path=value"};
  }
  const std::string path = trim(assignment.substr(0, eq));
  const RunConfigField* field = find_field(path);
  if (field == nullptr) {
    return Error{"--set: unknown key \"" + path + "\"; known keys: " + [] {
      std::string all;
      for (const RunConfigField& f : run_config_fields()) all += (all.empty() ? "" : ", ") + f.path;
      return all;
    }()};
  }
  return field->set(config, assignment.substr(eq + 1));
}

RunConfig default_run_config() {
  RunConfig config;
  // The embedded text is the default; RunConfig{}'s initialisers mirror it (a test checks both).
  (void)apply_run_yaml(config, kDefaultRunYaml, "<embedded default>");
  return config;
}

std::string to_yaml(const RunConfig& config) {
  std::string out;
  std::string section;
  for (const RunConfigField& f : run_config_fields()) {
    const size_t dot = f.path.find('.');
    const std::string sec = dot == std::string::npos ? "" : f.path.substr(0, dot);
    const std::string key = dot == std::string::npos ? f.path : f.path.substr(dot + 1);
    if (sec != section) {
      section = sec;
      out += "\n" + sec + ":\n";
    }
    std::string line = (sec.empty() ? "" : "  ") + key + ": " + f.yaml(config);
    line.resize(std::max<size_t>(line.size() + 2, 34), ' ');
    out += line + "# " + f.help + "\n";
  }
  return out;
}

std::vector<int> effective_cpus(const RunConfig& config) {
  return config.runtime.cpus.empty() ? rt::allowed_cpus() : config.runtime.cpus;
}

std::string expand_report_dir(const std::string& dir, const std::string& timestamp) {
  std::string out = dir;
  for (size_t at = out.find("{time}"); at != std::string::npos; at = out.find("{time}")) {
    out.replace(at, 6, timestamp);
  }
  return out;
}

Expected<std::pair<std::string, uint16_t>> parse_listen(const std::string& listen,
                                                        const std::string& field) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Error{field + ": \"" + listen + "\" is not host:port (e.g. 127.0.0.1:8080)"};
  }
  unsigned port = 0;
  const char* first = listen.data() + colon + 1;
  const char* last = listen.data() + listen.size();
  const auto [end, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || end != last || first == last || port > 65535) {
    return Error{field + ": port \"" + listen.substr(colon + 1) + "\" is not a number 0..65535"};
  }
  return std::make_pair(listen.substr(0, colon), static_cast<uint16_t>(port));
}

Status validate(const RunConfig& c) {
  const auto range = [](const std::string& field, double v, double lo, double hi) -> Status {
    if (!(v >= lo && v <= hi)) {
      return Error{field + ": " + yaml_double(v) + " not in [" + yaml_double(lo) + ", " +
                   yaml_double(hi) + "]"};
    }
    return Status::ok();
  };
  if (Status s = range("duration_s", c.duration_s, 0.01, 86400); !s) return s;
  if (!c.runtime.cpus.empty()) {
    if (Status s = rt::validate_cpu_list(c.runtime.cpus, "runtime.cpus"); !s) return s;
  }
  const size_t n_cpus = effective_cpus(c).size();
  if (n_cpus == 0) return Error{"runtime.cpus: no CPU available to this process"};
  if (Status s = range("runtime.period_us", c.runtime.period_us, 1, 10000); !s) return s;
  if (Status s = range("runtime.reserve_ahead_us", c.runtime.reserve_ahead_us, 0, 100000); !s) {
    return s;
  }
  if (Status s = range("runtime.realtime_priority", c.runtime.realtime_priority, 0, 98); !s) {
    return s;
  }
  if (auto p = rt::make_policy(c.runtime.policy, c.runtime.static_ran_cores); !p) {
    return Error{"runtime." + p.error().message};
  }
  if (c.runtime.static_ran_cores > n_cpus) {
    return Error{"runtime.static_ran_cores: " + std::to_string(c.runtime.static_ran_cores) +
                 " exceeds the " + std::to_string(n_cpus) + " CPUs of runtime.cpus"};
  }
  if (c.runtime.min_ran_cores > n_cpus) {
    return Error{"runtime.min_ran_cores: " + std::to_string(c.runtime.min_ran_cores) +
                 " exceeds the " + std::to_string(n_cpus) + " CPUs of runtime.cpus"};
  }
  if (Status s = range("runtime.deadline_slots", c.runtime.deadline_slots, 0.05, 16); !s) return s;
  if (!(c.runtime.quantile > 0 && c.runtime.quantile <= 1)) {
    return Error{"runtime.quantile: " + yaml_double(c.runtime.quantile) + " not in (0, 1]"};
  }
  if (c.runtime.predictor_file() && !std::filesystem::is_regular_file(c.runtime.predictor)) {
    return Error{"runtime.predictor: file not found: " + c.runtime.predictor +
                 " (allowed: online, recent, or a model file)"};
  }
  if (Status s = range("runtime.max_ai_failures", c.runtime.max_ai_failures, 1, 1000000); !s)
    return s;

  if (c.cell.scs_khz != 15 && c.cell.scs_khz != 30) {
    return Error{"cell.scs_khz: " + std::to_string(c.cell.scs_khz) + " not allowed; 15 or 30"};
  }
  if (auto carrier = phy::nr_carrier(c.cell.scs_khz, c.cell.bandwidth_mhz); !carrier) {
    return Error{"cell.bandwidth_mhz: " + std::to_string(c.cell.bandwidth_mhz) +
                 " MHz not allowed with cell.scs_khz " + std::to_string(c.cell.scs_khz) + " (" +
                 carrier.error().message + ")"};
  }
  if (Status s = range("cell.rx", c.cell.rx, 1, 4); !s) return s;
  if (Status s = range("cell.ues", c.cell.ues, 1, 16); !s) return s;
  if (auto t = ran::traffic_kind_from_name(c.cell.traffic); !t) {
    return Error{"cell.traffic: " + t.error().message};
  }
  if (!(c.cell.ue_peak_mbps > 0 && c.cell.ue_peak_mbps <= 2000)) {
    return Error{"cell.ue_peak_mbps: " + yaml_double(c.cell.ue_peak_mbps) + " not in (0, 2000]"};
  }
  if (Status s = range("cell.snr_min_db", c.cell.snr_min_db, -10, 40); !s) return s;
  if (Status s = range("cell.snr_max_db", c.cell.snr_max_db, c.cell.snr_min_db, 40); !s) return s;
  if (Status s = range("cell.k2", c.cell.k2, 0, 32); !s) return s;

  if (c.load.profile != "ramp" && c.load.profile != "diurnal" && c.load.profile != "flat") {
    return Error{"load.profile: unknown \"" + c.load.profile +
                 "\"; expected ramp, diurnal or flat"};
  }
  if (Status s = range("load.max", c.load.max, 0.01, 1); !s) return s;
  if (Status s = range("load.min", c.load.min, 0, c.load.max); !s) return s;
  if (Status s = range("load.levels", c.load.levels, 1, 100); !s) return s;
  if (Status s = range("load.slots_per_level", c.load.slots_per_level, 1, 1000); !s) return s;
  if (c.load.levels * c.load.slots_per_level > 2000) {
    return Error{"load.slots_per_level: load.levels x load.slots_per_level = " +
                 std::to_string(c.load.levels * c.load.slots_per_level) +
                 " emulated slots; at most 2000 (each holds a slot of IQ samples)"};
  }

  if (c.ai.required && !c.ai.enabled) {
    return Error{"ai.required: true needs ai.enabled: true"};
  }
  if (c.ai.required && !c.ai.model.empty() && !std::filesystem::is_regular_file(c.ai.model)) {
    return Error{"ai.model: file not found: " + c.ai.model + " (ai.required is true)"};
  }
  if (Status s = range("ai.max_sequences", c.ai.max_sequences, 1, 64); !s) return s;
  if (Status s = range("ai.ctx", c.ai.ctx, 64, 32768); !s) return s;
  if (Status s = range("ai.max_tokens", c.ai.max_tokens, 1, c.ai.ctx / 2); !s) return s;
  if (Status s = range("ai.queued_requests", c.ai.queued_requests, 0, 4096); !s) return s;

  if (!c.api.listen.empty()) {
    if (auto listen = parse_listen(c.api.listen, "api.listen"); !listen) return listen.error();
  }
  if (c.report.dir.empty()) return Error{"report.dir: must not be empty"};
  return Status::ok();
}

}  // namespace airan::cli
