#pragma once
// The configuration of `airan run`: one YAML document with an embedded default (kDefaultRunYaml),
// which a file given with --config overrides key by key, and which flags override in turn
// (--set key.path=value for any field, or the field's own flag such as --cpus or --policy). Every
// field is listed once in run_config_fields(): its key path, its flag, its help text, how to parse
// it and how to print it, so the loader, the flags, --print-config and report.json never disagree.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "airan/common/expected.h"
#include "cli/slot_handover.h"

namespace airan::cli {

struct RunConfig {
  double duration_s = 24;  ///< run length, s of real time
  uint64_t seed = 1;       ///< traffic and AI request seed

  struct Runtime {
    std::vector<int> cpus;    ///< CPUs of the runtime's workers; empty: every CPU allowed
    unsigned period_us = 50;  ///< scheduler tick period, µs
    std::string policy = "predictive";
    unsigned static_ran_cores = 1;  ///< RAN cores of policy "static"
    unsigned min_ran_cores = 0;     ///< reactive / predictive: cores that always serve the RAN
    double deadline_slots = 3;      ///< task deadline after the slot's end, in slots
    double quantile = 0.99;         ///< duration quantile the recent-history model predicts
    /// "online": quantile trees trained on the node's own executions while it runs (the
    /// recent-history quantile until a task type has enough of them); "recent" (or ""): the
    /// recent-history quantile only; anything else: a quantile-tree model file, run online.
    std::string predictor = "online";
    /// A model file is given (not "online", "recent" or "").
    bool predictor_file() const {
      return !predictor.empty() && predictor != "online" && predictor != "recent";
    }
    unsigned max_ai_failures = 3;  ///< consecutive failed AI steps before AI work is stopped
    /// SCHED_FIFO priority of the RAN workers and the slot feeder (scheduler one above); 0: normal
    unsigned realtime_priority = 50;
    /// predictive: slots due for release within this reserve cores ahead (schedule + forecast)
    unsigned reserve_ahead_us = 100;
  } runtime;

  struct Cell {
    unsigned bandwidth_mhz = 20;
    unsigned scs_khz = 30;
    unsigned rx = 2;  ///< gNB receive antennas
    unsigned ues = 4;
    std::string traffic = "poisson";  ///< full_buffer | poisson | bursty
    double ue_peak_mbps = 8;          ///< offered uplink rate per UE at 100 % load
    double snr_min_db = 12, snr_max_db = 28;
    /// Uplink grant lead, slots (38.214 k2): the runtime gets a slot's task graph from its grant on
    unsigned k2 = kDefaultK2;
  } cell;

  struct Load {
    std::string profile = "ramp";   ///< ramp (10 % -> 100 % -> 10 %) | diurnal
    double min = 0.1, max = 1.0;    ///< load range the profile is scaled to
    unsigned levels = 10;           ///< load levels of the emulated slot bank
    unsigned slots_per_level = 32;  ///< emulated slots per level (each ~240 kB at 20 MHz, 2 RX)
  } load;

  struct Ai {
    bool enabled = true;
    std::string model;      ///< GGUF file; empty: a small random model written to a temp dir
    bool required = false;  ///< an AI setup failure stops the run before it starts (else RAN-only)
    unsigned max_sequences = 4;
    unsigned ctx = 512;            ///< context per sequence, tokens
    unsigned max_tokens = 32;      ///< tokens per generated request
    unsigned queued_requests = 8;  ///< built-in generator: requests kept pending; 0: generator off
  } ai;

  struct Api {
    std::string listen;                    ///< host:port of the OpenAI-compatible API; empty: off
    std::string key;                       ///< Bearer API key; empty: no authentication
    std::string chat_template = "chatml";  ///< for models without a recognised template
  } api;

  struct Report {
    std::string dir = "airan-report/{time}";  ///< {time} becomes YYYYmmdd-HHMMSS
    bool status = true;                       ///< one status line per second on stdout
  } report;
};

/// The embedded default configuration (YAML). Loading it gives RunConfig{}'s values.
extern const char* const kDefaultRunYaml;

/// One configuration field.
struct RunConfigField {
  std::string path;  ///< "runtime.cpus"
  std::string flag;  ///< "--cpus"; empty: only --set
  std::string help;
  /// Sets the field from text ("0,1", "predictive", "true"); the error names the path.
  std::function<Status(RunConfig&, std::string_view)> set;
  /// The field as YAML flow text ("[0, 1]", "predictive", "\"\"").
  std::function<std::string(const RunConfig&)> yaml;
};

/// Every field, in print order.
const std::vector<RunConfigField>& run_config_fields();

/// Overrides `config` with the YAML document `text` (`origin` names it in errors). Error: YAML
/// syntax (with line), an unknown key (its full path), or a value of the wrong type (the path).
Status apply_run_yaml(RunConfig& config, std::string_view text, std::string_view origin);

/// Overrides `config` with the YAML file `path`. Error: unreadable file, or as apply_run_yaml.
Status apply_run_yaml_file(RunConfig& config, const std::string& path);

/// Applies one "key.path=value" assignment. Error: no '=', unknown key, or a bad value (named).
Status apply_run_assignment(RunConfig& config, std::string_view assignment);

/// The embedded default. Never fails (a unit test keeps it loadable).
RunConfig default_run_config();

/// "host:port" split. Error: names `field` and what is wrong.
Expected<std::pair<std::string, uint16_t>> parse_listen(const std::string& listen,
                                                        const std::string& field);

/// Checks every field's range and combination before anything starts; the error names the field
/// and what was expected (CPU not available, bandwidth/numerology not allowed, unknown policy...).
Status validate(const RunConfig& config);

/// The effective configuration as a YAML document (sections in field order).
std::string to_yaml(const RunConfig& config);

/// The CPU list the run uses: runtime.cpus, or every CPU allowed when it is empty.
std::vector<int> effective_cpus(const RunConfig& config);

/// report.dir with {time} replaced by `timestamp` (YYYYmmdd-HHMMSS).
std::string expand_report_dir(const std::string& dir, const std::string& timestamp);

}  // namespace airan::cli
