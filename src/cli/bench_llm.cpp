// `airan bench llm`: llama-bench-style throughput of the whole engine (scheduler, forward pass,
// sampling), one row per model, type, thread count and test:
//   pp512     one 512-token prompt in one step
//   tg128     128 single-token decode steps of one sequence
//   tg128xN   N sequences decoding together (continuous batching), aggregate tokens/s
// Models are written by the bench itself with random weights (gguf_writer) into a temporary
// folder: small shapes by default (seconds), `--shape tinyllama` for the 1.1B geometry llama.cpp's
// numbers are measured on (../shared/data/llm/bench/README.md); `--model F` benches files.
// Decode rows also show the memory-bandwidth ceiling: read bandwidth / bytes streamed per token,
// with the read bandwidth measured in the same run (this host's, not the reference machine's).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "airan/llm/engine.h"
#include "airan/llm/gguf_writer.h"
#include "cli/commands.h"
#include "cli/read_bandwidth.h"

#ifdef __linux__
#include <unistd.h>
#endif

namespace airan::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Read bandwidth of the machine llama.cpp's numbers were measured on
// (../shared/data/llm/bench/README.md, ReadSum medians), printed for comparison.
double reference_read_bandwidth_gbs(unsigned threads) {
  return threads <= 1 ? 31.0 : 47.8;
}

struct Options {
  std::string shape = "small";
  std::vector<std::string> types = {"Q4_0", "Q4_K", "Q8_0"};
  std::vector<unsigned> threads = {1, 2};
  std::vector<std::string> models;  // existing GGUF files instead of generated ones
  std::vector<unsigned> batches = {2, 4};
  unsigned pp = 512;
  unsigned tg = 128;
  unsigned reps = 1;
  std::string dir;
  bool keep = false;
  bool json = false;
};

struct Row {
  std::string model;
  std::string type;
  uint64_t size_bytes = 0;
  uint64_t params = 0;
  unsigned threads = 0;
  std::string test;
  double tokens_per_s = 0.0;
  double bound_tokens_per_s = 0.0;  // decode rows: bandwidth ceiling of one sequence
  double read_gbs = 0.0;            // decode rows: the read bandwidth the ceiling is from
};

struct BenchModel {
  std::string name;
  std::string type;
  std::filesystem::path path;
};

std::string fmt_size(uint64_t bytes) {
  char buf[32];
  if (bytes >= (1ULL << 30)) {
    std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1ULL << 30));
  } else {
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / (1ULL << 20));
  }
  return buf;
}

std::string fmt_params(uint64_t n) {
  char buf[32];
  if (n >= 1000000000ULL) {
    std::snprintf(buf, sizeof buf, "%.2f B", static_cast<double>(n) / 1e9);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f M", static_cast<double>(n) / 1e6);
  }
  return buf;
}

Expected<llm::RandomModelSpec> spec_for_shape(const std::string& shape) {
  llm::RandomModelSpec s;
  if (shape == "small") {
    s.n_embd = 512;
    s.n_layer = 4;
    s.n_head = 8;
    s.n_head_kv = 4;
    s.n_ff = 1536;
    s.n_vocab = 8192;
  } else if (shape == "tinyllama") {
    s.n_embd = 2048;
    s.n_layer = 22;
    s.n_head = 32;
    s.n_head_kv = 4;
    s.n_ff = 5632;
    s.n_vocab = 32000;
  } else {
    return Error{"--shape: '" + shape + "' is not small or tinyllama"};
  }
  s.n_ctx = 2048;
  return s;
}

// Steps `engine` until idle; returns the wall time of the steps that ran a prefill chunk and of
// those that only decoded, and the decode tokens.
struct Timing {
  double prefill_s = 0.0;
  double decode_s = 0.0;
  uint64_t prefill_tokens = 0;
  uint64_t decode_tokens = 0;
  std::string error;
};

Timing run_until_idle(llm::Engine& engine) {
  Timing t;
  while (engine.pending() > 0) {
    const llm::EngineStats before = engine.stats();
    const auto t0 = Clock::now();
    auto events = engine.step();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    const llm::EngineStats after = engine.stats();
    for (const auto& ev : events) {
      if (ev.reason == llm::GenerationFinish::kError) t.error = ev.error;
    }
    if (after.prefill_tokens > before.prefill_tokens) {
      t.prefill_s += s;
      t.prefill_tokens += after.prefill_tokens - before.prefill_tokens;
    } else {
      t.decode_s += s;
      t.decode_tokens += after.decode_tokens - before.decode_tokens;
    }
  }
  return t;
}

std::vector<llm::TokenId> random_prompt(size_t n, size_t n_vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> dist(3, static_cast<int32_t>(n_vocab) - 1);
  std::vector<llm::TokenId> ids(n);
  for (auto& id : ids) id = dist(rng);
  return ids;
}

// One (model, threads) pair: every test, best of `reps`.
Status bench_one(const BenchModel& bm, unsigned threads, double read_gbs, const Options& o,
                 std::vector<Row>& rows) {
  auto model = llm::Model::load(bm.path);
  if (!model) return Error{bm.path.string() + ": " + model.error().message};
  const uint64_t size = model->file().file_size();
  uint64_t params = 0;
  for (const auto& t : model->file().tensors()) params += static_cast<uint64_t>(t.n_elements);
  // Decode streams every weight except the embedding table, of which it reads one row.
  uint64_t streamed = model->weight_bytes();
  if (const auto* te = model->file().find_tensor("token_embd.weight");
      te && !model->output_tied()) {
    streamed -= te->n_bytes;
  }
  const size_t n_vocab = model->params().n_vocab;
  const unsigned max_batch =
      o.batches.empty() ? 1u : std::max(1u, *std::max_element(o.batches.begin(), o.batches.end()));

  llm::EngineConfig cfg;
  cfg.max_sequences = max_batch;
  cfg.n_ctx = std::max(o.pp, o.tg + 1) + 1;
  cfg.kv_budget_tokens = cfg.n_ctx * max_batch;
  cfg.max_tokens_per_step = std::max(o.pp, max_batch);
  cfg.prefill_chunk = std::max(o.pp, 1u);  // --pp 0 skips the pp test; tg prompts are short
  cfg.workers = threads - 1;
  auto engine = llm::Engine::create(std::move(*model), cfg);
  if (!engine) return Error{engine.error().message};

  auto make_row = [&](const std::string& test, double tps, double bound) {
    rows.push_back(
        {bm.name, bm.type, size, params, threads, test, tps, bound, bound > 0 ? read_gbs : 0.0});
  };
  llm::GenerationRequest req;
  req.sampling.temperature = 0.0f;
  req.ignore_eos = true;
  req.penalize_prompt = false;

  // Warm-up (page in the weights, wake the workers), as llama-bench does.
  req.prompt_ids = random_prompt(16, n_vocab, 7);
  req.max_tokens = 4;
  if (auto id = engine->submit(req); !id) return Error{id.error().message};
  run_until_idle(*engine);

  if (o.pp > 0) {
    double best = 0.0;
    for (unsigned r = 0; r < o.reps; ++r) {
      req.prompt_ids = random_prompt(o.pp, n_vocab, 100 + r);
      req.max_tokens = 1;
      if (auto id = engine->submit(req); !id) return Error{id.error().message};
      const Timing t = run_until_idle(*engine);
      if (!t.error.empty()) return Error{t.error};
      best = std::max(best, static_cast<double>(t.prefill_tokens) / t.prefill_s);
    }
    make_row("pp" + std::to_string(o.pp), best, 0.0);
  }
  if (o.tg > 0) {
    std::vector<unsigned> ns = {1};
    for (unsigned b : o.batches) {
      if (b > 1) ns.push_back(b);
    }
    for (unsigned n : ns) {
      double best = 0.0;
      for (unsigned r = 0; r < o.reps; ++r) {
        for (unsigned s = 0; s < n; ++s) {
          req.prompt_ids = random_prompt(1, n_vocab, 1000 + r * 16 + s);
          req.max_tokens = o.tg + 1;  // the first token comes from the prompt step
          if (auto id = engine->submit(req); !id) return Error{id.error().message};
        }
        const Timing t = run_until_idle(*engine);
        if (!t.error.empty()) return Error{t.error};
        best = std::max(best, static_cast<double>(t.decode_tokens) / t.decode_s);
      }
      // A model that fits in the last-level cache is not read from DRAM: no DRAM ceiling.
      static const uint64_t llc_bytes = last_level_cache_bytes();  // sysfs, read once
      const double bound = n == 1 && streamed > llc_bytes && read_gbs > 0
                               ? read_gbs * 1e9 / static_cast<double>(streamed)
                               : 0.0;
      make_row("tg" + std::to_string(o.tg) + (n > 1 ? "x" + std::to_string(n) : ""), best, bound);
    }
  }
  return {};
}

int run_bench(Options& o) {
  if (o.threads.empty()) o.threads = {1};
  for (unsigned t : o.threads) {
    if (t == 0 || t > 256) {
      std::cerr << "error: --threads: " << t << " not in [1, 256]\n";
      return 2;
    }
  }
  if (o.reps == 0) {
    std::cerr << "error: --reps: must be >= 1\n";
    return 2;
  }
  if (o.pp > 8192 || o.tg > 8192) {
    std::cerr << "error: --pp / --tg: at most 8192\n";
    return 2;
  }
  for (unsigned b : o.batches) {
    if (b == 0 || b > 64) {
      std::cerr << "error: --batch: " << b << " not in [1, 64]\n";
      return 2;
    }
  }

  std::vector<BenchModel> models;
  std::filesystem::path dir;
  if (!o.models.empty()) {
    for (const auto& m : o.models) {
      auto file = llm::GgufFile::open(m);
      if (!file) {
        std::cerr << "error: --model: " << file.error().message << "\n";
        return 1;
      }
      // The type of the largest tensor names the file's type.
      const llm::GgufTensorInfo* big = nullptr;
      for (const auto& t : file->tensors()) {
        if (!big || t.n_bytes > big->n_bytes) big = &t;
      }
      models.push_back({std::filesystem::path(m).stem().string(),
                        big ? llm::tensor_type_name(big->type) : "?", m});
    }
  } else {
    auto spec = spec_for_shape(o.shape);
    if (!spec) {
      std::cerr << "error: " << spec.error().message << "\n";
      return 2;
    }
    if (o.dir.empty()) {
      long pid = 0;
#ifdef __linux__
      pid = static_cast<long>(getpid());
#endif
      dir = std::filesystem::temp_directory_path() / ("airan-bench-llm-" + std::to_string(pid));
    } else {
      dir = o.dir;
    }
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      std::cerr << "error: --dir: cannot create " << dir << ": " << ec.message() << "\n";
      return 1;
    }
    for (const auto& type_name : o.types) {
      auto type = llm::engine_tensor_type_from_name(type_name);
      if (!type) {
        std::cerr << "error: --types: " << type.error().message << "\n";
        return 2;
      }
      llm::RandomModelSpec s = *spec;
      s.type = *type;
      const std::string name = o.shape + "-" + type_name;
      const auto path = dir / (name + ".gguf");
      if (!std::filesystem::exists(path)) {
        if (!o.json) std::fprintf(stderr, "writing %s ...\n", path.c_str());
        auto report = llm::write_random_model(s, path);
        if (!report) {
          std::cerr << "error: " << report.error().message << "\n";
          return 1;
        }
      }
      models.push_back({o.shape, type_name, path});
    }
  }

  // Before any model is loaded, so the probe's buffer never adds to a model's resident memory.
  std::map<unsigned, ReadBandwidth> bandwidth;
  if (o.tg > 0) {
    for (unsigned t : o.threads) {
      if (!bandwidth.contains(t)) bandwidth[t] = measure_read_bandwidth(t);
    }
  }

  std::vector<Row> rows;
  if (!o.json) {
    std::printf("| %-12s | %10s | %9s | %-5s | %7s | %-8s | %10s | %17s |\n", "model", "size",
                "params", "type", "threads", "test", "t/s", "bandwidth ceiling");
    std::printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", "------------",
                "---------:", "--------:", "-----", "------:", "--------",
                "---------:", "----------------:");
  }
  int rc = 0;
  for (const auto& bm : models) {
    for (unsigned t : o.threads) {
      const size_t first = rows.size();
      const double read_gbs = bandwidth.contains(t) ? bandwidth[t].gb_per_s : 0.0;
      if (Status st = bench_one(bm, t, read_gbs, o, rows); !st) {
        std::cerr << "error: " << bm.name << " " << bm.type << " x" << t << ": " << st.message()
                  << "\n";
        rc = 1;
        continue;
      }
      if (o.json) continue;
      for (size_t i = first; i < rows.size(); ++i) {
        const Row& r = rows[i];
        char ceiling[48] = "";
        if (r.bound_tokens_per_s > 0) {
          std::snprintf(ceiling, sizeof ceiling, "%.1f (%.0f %%)", r.bound_tokens_per_s,
                        100.0 * r.tokens_per_s / r.bound_tokens_per_s);
        }
        std::printf("| %-12s | %10s | %9s | %-5s | %7u | %-8s | %10.2f | %17s |\n", r.model.c_str(),
                    fmt_size(r.size_bytes).c_str(), fmt_params(r.params).c_str(), r.type.c_str(),
                    r.threads, r.test.c_str(), r.tokens_per_s, ceiling);
        std::fflush(stdout);
      }
    }
  }
  if (o.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const Row& r : rows) {
      nlohmann::json j = {{"model", r.model},
                          {"type", r.type},
                          {"params", r.params},
                          {"size_bytes", r.size_bytes},
                          {"threads", r.threads},
                          {"test", r.test},
                          {"tokens_per_s", r.tokens_per_s}};
      if (r.bound_tokens_per_s > 0) {
        j["bandwidth_bound_tokens_per_s"] = r.bound_tokens_per_s;
        j["read_bandwidth_gbs"] = r.read_gbs;
      }
      arr.push_back(j);
    }
    std::printf("%s\n", arr.dump(2).c_str());
  } else if (!bandwidth.empty()) {
    std::printf(
        "\nbandwidth ceiling: one sequence's decode cannot beat read bandwidth / bytes streamed "
        "per token.\nRead bandwidth measured in this run (one %.0f MiB buffer, best of 4 passes):",
        bandwidth.begin()->second.buffer_mib);
    for (const auto& [t, bw] : bandwidth) {
      std::printf(" %.1f GB/s on %u thread%s (llama.cpp's reference machine: %.1f);", bw.gb_per_s,
                  t, t == 1 ? "" : "s", reference_read_bandwidth_gbs(t));
    }
    std::printf("\n");
  }
  if (!dir.empty() && o.dir.empty() && !o.keep) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return rc;
}

}  // namespace

void add_bench_llm_command(CLI::App& bench) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = bench.add_subcommand(
      "llm", "LLM engine throughput (llama-bench style): prompt processing and decode tokens/s");
  cmd->add_option("--shape", o->shape, "generated model shape: small or tinyllama (1.1B)")
      ->capture_default_str();
  cmd->add_option("--types", o->types, "tensor types of the generated models")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--threads,-t", o->threads, "thread counts")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--model,-m", o->models, "bench these GGUF files instead (repeatable)");
  cmd->add_option("--batch", o->batches, "sequences decoding together for tg rows (1: none)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--pp", o->pp, "prompt tokens of the pp test (0: skip)")->capture_default_str();
  cmd->add_option("--tg", o->tg, "decode tokens of the tg tests (0: skip)")->capture_default_str();
  cmd->add_option("--reps,-r", o->reps, "repetitions (best is shown)")->capture_default_str();
  cmd->add_option("--dir", o->dir,
                  "folder for the generated models (kept; default: a temporary one)");
  cmd->add_flag("--keep", o->keep, "keep the temporary folder");
  cmd->add_flag("--json", o->json, "JSON array of rows instead of the table");
  cmd->callback([o] {
    const int rc = run_bench(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace airan::cli
