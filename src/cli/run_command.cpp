// `airan run`: airan's main job, the cell's uplink processed by the shared-compute runtime with the
// LLM engine on the cores it lends (cli/run_node.h), configured by one YAML file
// (cli/run_config.h).
//
// `airan ran record` / `airan ran replay`: the cell's uplink end to end without the runtime, one
// slot after the other on this thread. The UE emulator's scheduler follows a compressed
// time-of-day load profile; every slot's PUSCH goes through per-UE fading channels to the gNB
// antennas and is received and decoded by the PUSCH receiver; HARQ feedback closes the loop; the
// samples go to or come from SigMF files.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "airan/ran/sigmf.h"
#include "airan/ran/ue_emulator.h"
#include "cli/commands.h"
#include "cli/engine_ai_workload.h"
#include "cli/node_api.h"
#include "cli/run_config.h"
#include "cli/run_node.h"

namespace airan::cli {
namespace {

struct CellRunOptions {
  unsigned slots = 2000;   // 1 s of air time at 30 kHz
  double day_seconds = 0;  // 0: the run is one compressed day
  unsigned ues = 4;
  double snr_min_db = 12, snr_max_db = 28;
  unsigned nof_rx = 2;
  unsigned bandwidth_mhz = 20;
  unsigned scs_khz = 30;
  std::string traffic = "poisson";
  double ue_peak_mbps = 20;
  unsigned seed = 1;
  std::string record;  // SigMF base path to record to (airan ran record)
  std::string replay;  // SigMF base path to replay from (airan ran replay)
};

struct Totals {
  uint64_t slots = 0, tbs = 0, tbs_ok = 0, bits_ok = 0;
  double rx_us = 0;
  void add(const std::vector<ran::UeOutcome>& out, double us) {
    ++slots;
    rx_us += us;
    for (const auto& o : out) {
      ++tbs;
      tbs_ok += o.crc_ok;
      bits_ok += o.crc_ok ? o.tbs : 0;
    }
  }
};

void print_status(const char* what, double t_s, double load, const Totals& period,
                  unsigned slots_per_s) {
  const double seconds = static_cast<double>(period.slots) / slots_per_s;
  std::printf(
      "%s t=%6.3fs load %3.0f%%  slots %5llu  TBs %5llu  BLER %.4f  goodput %7.2f Mbps  rx %6.1f "
      "us/slot\n",
      what, t_s, 100 * load, static_cast<unsigned long long>(period.slots),
      static_cast<unsigned long long>(period.tbs),
      period.tbs ? 1.0 - static_cast<double>(period.tbs_ok) / period.tbs : 0.0,
      seconds > 0 ? period.bits_ok / seconds / 1e6 : 0.0,
      period.slots ? period.rx_us / period.slots : 0.0);
  std::fflush(stdout);
}

ran::CellConfig cell_of(const CellRunOptions& o) {
  ran::CellConfig cell;
  cell.scs_khz = o.scs_khz;
  cell.bandwidth_mhz = o.bandwidth_mhz;
  cell.nof_rx = o.nof_rx;
  return cell;
}

int replay(const CellRunOptions& o) {
  auto reader = ran::SigmfReader::open(o.replay);
  if (!reader) {
    std::fprintf(stderr, "airan ran replay: %s\n", reader.error().message.c_str());
    return 1;
  }
  ran::CellConfig cell;
  cell.scs_khz = reader->info().scs_khz;
  cell.bandwidth_mhz = reader->info().bandwidth_mhz;
  cell.nof_rx = reader->info().num_channels;
  cell.cell_id = reader->info().cell_id;
  auto rx = ran::CellReceiver::create(cell, 16);
  if (!rx) {
    std::fprintf(stderr, "airan ran replay: %s\n", rx.error().message.c_str());
    return 1;
  }
  Totals total;
  std::vector<std::vector<std::complex<float>>> samples(cell.nof_rx);
  for (size_t n = 0; n < reader->slots().size(); ++n) {
    const auto& slot = reader->slots()[n];
    std::vector<std::span<std::complex<float>>> spans;
    for (auto& s : samples) {
      s.resize(slot.sample_count);
      spans.emplace_back(s);
    }
    if (Status s = reader->read_slot(n, spans); !s) {
      std::fprintf(stderr, "airan ran replay: %s\n", s.message().c_str());
      return 1;
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto out = (*rx)->receive(slot.schedule, samples);
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    if (!out) {
      std::fprintf(stderr, "airan ran replay: slot %zu: %s\n", n, out.error().message.c_str());
      return 1;
    }
    total.add(*out, us);
  }
  print_status("replay", 0.0, 0.0, total, 1000 * (cell.scs_khz / 15));
  return 0;
}

int run_cell(const CellRunOptions& o) {
  if (!o.replay.empty()) return replay(o);
  const ran::CellConfig cell = cell_of(o);
  auto traffic = ran::traffic_kind_from_name(o.traffic);
  if (!traffic) {
    std::fprintf(stderr, "airan: --traffic: %s\n", traffic.error().message.c_str());
    return 2;
  }
  std::vector<ran::EmulatedUeConfig> ues;
  for (unsigned i = 0; i < o.ues; ++i) {
    ran::EmulatedUeConfig u;
    u.rnti = static_cast<uint16_t>(0x4601 + i);
    u.snr_db =
        o.ues > 1 ? o.snr_min_db + (o.snr_max_db - o.snr_min_db) * i / (o.ues - 1) : o.snr_max_db;
    u.traffic.kind = *traffic;
    u.traffic.peak_rate_bps = o.ue_peak_mbps * 1e6;
    ues.push_back(u);
  }
  const unsigned slots_per_s = 1000 * (o.scs_khz / 15);
  const double day = o.day_seconds > 0 ? o.day_seconds : static_cast<double>(o.slots) / slots_per_s;
  auto emu = ran::UeEmulator::create(cell, {}, ues, ran::LoadProfile::ramp_up_down(day), o.seed);
  if (!emu) {
    std::fprintf(stderr, "airan: %s\n", emu.error().message.c_str());
    return 2;
  }
  auto rx = ran::CellReceiver::create(cell, 16);
  if (!rx) {
    std::fprintf(stderr, "airan: %s\n", rx.error().message.c_str());
    return 2;
  }
  std::optional<ran::SigmfWriter> writer;
  if (!o.record.empty()) {
    ran::RecordingInfo info;
    info.sample_rate_hz = (*emu)->carrier().sample_rate_hz;
    info.num_channels = cell.nof_rx;
    info.scs_khz = cell.scs_khz;
    info.bandwidth_mhz = cell.bandwidth_mhz;
    info.cell_id = cell.cell_id;
    info.description = "airan UE emulator recording";
    auto w = ran::SigmfWriter::create(o.record, info);
    if (!w) {
      std::fprintf(stderr, "airan ran record: %s\n", w.error().message.c_str());
      return 1;
    }
    writer.emplace(std::move(*w));
  }
  std::printf(
      "airan run: one cell, %u kHz, %u MHz (%u PRB), %u RX, %u UEs (%s, SNR %.0f..%.0f dB), %u "
      "slots; "
      "load profile 10%% -> 100%% -> 10%% over %.2f s of air time\n",
      o.scs_khz, o.bandwidth_mhz, (*emu)->carrier().n_rb, o.nof_rx, o.ues, o.traffic.c_str(),
      o.snr_min_db, o.snr_max_db, o.slots, day);
  Totals total, period;
  ran::EmulatedSlot slot;
  const unsigned status_every = std::max(1u, o.slots / 10);
  for (unsigned n = 0; n < o.slots; ++n) {
    if (Status s = (*emu)->next_slot(slot); !s) {
      std::fprintf(stderr, "airan: emulator: %s\n", s.message().c_str());
      return 1;
    }
    if (writer) {
      std::vector<std::span<const std::complex<float>>> spans(slot.samples.begin(),
                                                              slot.samples.end());
      if (Status s = writer->write_slot(spans, slot.schedule); !s) {
        std::fprintf(stderr, "airan ran record: %s\n", s.message().c_str());
        return 1;
      }
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto out = (*rx)->receive(slot.schedule, slot.samples);
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    if (!out) {
      std::fprintf(stderr, "airan: receiver: %s\n", out.error().message.c_str());
      return 1;
    }
    for (const auto& ue : *out) (*emu)->on_crc(ue.allocation, ue.crc_ok);
    total.add(*out, us);
    period.add(*out, us);
    if ((n + 1) % status_every == 0) {
      print_status("     ", slot.time_s, (*emu)->scheduler().load_at(slot.time_s), period,
                   slots_per_s);
      period = {};
    }
  }
  if (writer) {
    if (Status s = writer->finish(); !s) {
      std::fprintf(stderr, "airan ran record: %s\n", s.message().c_str());
      return 1;
    }
    std::printf("recorded %u slots to %s.sigmf-meta / .sigmf-data\n", o.slots, o.record.c_str());
  }
  const auto& st = (*emu)->scheduler().stats();
  print_status("total", static_cast<double>(o.slots) / slots_per_s, 0.0, total, slots_per_s);
  std::printf(
      "HARQ: %llu new TBs, %llu retransmissions, %llu TBs lost after the last retransmission\n",
      static_cast<unsigned long long>(st.new_tbs),
      static_cast<unsigned long long>(st.retransmissions),
      static_cast<unsigned long long>(st.tbs_lost));
  return 0;
}

void add_cell_options(CLI::App* cmd, CellRunOptions& o) {
  cmd->add_option("--slots", o.slots, "Slots to run")->check(CLI::Range(1u, 100000000u));
  cmd->add_option("--day-seconds", o.day_seconds,
                  "Air time of one compressed day (0: the whole run)");
  cmd->add_option("--ues", o.ues, "Emulated UEs")->check(CLI::Range(1u, 64u));
  cmd->add_option("--snr-min", o.snr_min_db, "SNR of the weakest UE (dB)");
  cmd->add_option("--snr-max", o.snr_max_db, "SNR of the strongest UE (dB)");
  cmd->add_option("--rx", o.nof_rx, "gNB receive antennas")->check(CLI::Range(1u, 4u));
  cmd->add_option("--bandwidth", o.bandwidth_mhz, "Channel bandwidth (MHz)");
  cmd->add_option("--scs", o.scs_khz, "Subcarrier spacing (kHz): 15 or 30");
  cmd->add_option("--traffic", o.traffic, "full_buffer | poisson | bursty");
  cmd->add_option("--ue-peak-mbps", o.ue_peak_mbps,
                  "Offered uplink rate per UE at full load (Mbit/s)");
  cmd->add_option("--seed", o.seed, "Random seed");
}

// SIGINT / SIGTERM end the run early; the handler only sets this flag.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int) {
  g_stop.store(true, std::memory_order_relaxed);
}

struct RunFlags {
  std::string config_file;
  std::vector<std::string> assignments;  // --set key.path=value
  bool print_config = false;
  std::vector<std::string> values;  // one per field of run_config_fields()
};

int run_main_job(const RunFlags& flags, const std::vector<CLI::Option*>& field_options) {
  RunConfig config = default_run_config();
  if (!flags.config_file.empty()) {
    if (Status s = apply_run_yaml_file(config, flags.config_file); !s) {
      std::fprintf(stderr, "airan run: %s\n", s.message().c_str());
      return 2;
    }
  }
  for (const std::string& a : flags.assignments) {
    if (Status s = apply_run_assignment(config, a); !s) {
      std::fprintf(stderr, "airan run: %s\n", s.message().c_str());
      return 2;
    }
  }
  const auto& fields = run_config_fields();
  for (size_t i = 0; i < fields.size(); ++i) {
    if (field_options[i] == nullptr || field_options[i]->count() == 0) continue;
    if (Status s = fields[i].set(config, flags.values[i]); !s) {
      std::fprintf(stderr, "airan run: %s: %s\n", fields[i].flag.c_str(), s.message().c_str());
      return 2;
    }
  }
  if (flags.print_config) {
    std::printf("# airan run: effective configuration\n%s", to_yaml(config).c_str());
    return 0;
  }
  if (Status s = validate(config); !s) {
    std::fprintf(stderr, "airan run: invalid configuration: %s\n", s.message().c_str());
    return 2;
  }
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
  RunHooks hooks;
  hooks.stop = &g_stop;
  // --api: the OpenAI-compatible API on the engine the runtime steps on lent cores. A server that
  // cannot start is an AI-side failure: a warning, and the RAN runs on.
  std::unique_ptr<NodeApi> api;
  const rt::Scheduler* runtime = nullptr;
  if (!config.api.listen.empty()) {
    hooks.on_runtime_ready = [&runtime](const rt::Scheduler& s) { runtime = &s; };
    hooks.on_ai_ready = [&](EngineAiWorkload& ai) {
      NodeApiOptions o;
      o.listen = config.api.listen;
      if (!config.api.key.empty()) o.api_keys.push_back(config.api.key);
      o.chat_template = config.api.chat_template;
      o.model_name = config.ai.model.empty()
                         ? std::string("airan-small")
                         : std::filesystem::path(config.ai.model).stem().string();
      auto started = NodeApi::start(ai.engine(), o, [&runtime] {
        return runtime == nullptr ? std::string() : ran_metrics_text(runtime->live());
      });
      if (!started) {
        std::printf("airan run: WARNING: %s; running without the API\n",
                    started.error().message.c_str());
        return;
      }
      api = std::move(*started);
      ai.set_event_sink([router = &api->router()](std::span<const llm::TokenEvent> events) {
        router->deliver(events);
      });
      std::printf("airan run: OpenAI-compatible API on http://%s/v1 (port %u)\n",
                  config.api.listen.c_str(), api->port());
    };
    hooks.on_stopped = [&api] {
      if (api) api->stop();
    };
  }
  auto result = run_node(config, hooks);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  if (!result) {
    std::fprintf(stderr, "airan run: %s\n", result.error().message.c_str());
    return 2;
  }
  std::printf("\n%s", format_summary(*result).c_str());
  if (Status s = write_run_report(*result, result->report_dir); !s) {
    std::fprintf(stderr, "airan run: report: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("report: %s/{report.json, timeline.csv, timeline.svg, config.yaml, tasks.csv}\n",
              result->report_dir.c_str());
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app) {
  static RunFlags flags;
  static std::vector<CLI::Option*> field_options;
  auto* run_cmd = app.add_subcommand(
      "run",
      "airan's main job: one cell's PUSCH uplink on the shared-compute runtime, LLM engine on "
      "lent cores (configuration: YAML, see --print-config)");
  run_cmd->add_option("--config", flags.config_file, "YAML file over the embedded default");
  run_cmd->add_option("--set", flags.assignments, "key.path=value (any field; repeatable)");
  run_cmd->add_flag("--print-config", flags.print_config,
                    "Print the effective configuration as YAML and exit");
  const auto& fields = run_config_fields();
  flags.values.resize(fields.size());
  field_options.assign(fields.size(), nullptr);
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].flag.empty()) continue;
    field_options[i] = run_cmd->add_option(fields[i].flag, flags.values[i],
                                           fields[i].help + " [" + fields[i].path + "]");
  }
  run_cmd->callback([] { std::exit(run_main_job(flags, field_options)); });

  static CellRunOptions rec, rep;
  auto* ran_cmd =
      app.add_subcommand("ran", "RAN tools: record emulated uplink IQ to SigMF, replay it");
  ran_cmd->require_subcommand(1);
  auto* record = ran_cmd->add_subcommand(
      "record", "Run the UE emulator and receiver, recording every slot to SigMF");
  add_cell_options(record, rec);
  record
      ->add_option("--out", rec.record,
                   "SigMF base path (writes BASE.sigmf-meta and BASE.sigmf-data)")
      ->required();
  record->callback([] { std::exit(run_cell(rec)); });
  auto* replay_cmd =
      ran_cmd->add_subcommand("replay", "Decode a SigMF recording with the PUSCH receiver");
  replay_cmd->add_option("--in", rep.replay, "SigMF base path")->required();
  replay_cmd->callback([] { std::exit(run_cell(rep)); });
}

}  // namespace airan::cli
