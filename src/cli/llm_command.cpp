// `airan llm ...`: inspect GGUF model files (and, later, generate text and make test models).
#include <cstdio>
#include <iostream>
#include <string>

#include "airan/llm/gguf.h"
#include "airan/llm/model_params.h"
#include "airan/llm/tokenizer.h"
#include "cli/commands.h"

namespace airan::cli {
namespace {

std::string human_bytes(uint64_t n) {
  char buf[64];
  if (n >= (1ULL << 30)) {
    std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(n) / (1ULL << 30));
  } else if (n >= (1ULL << 20)) {
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(n) / (1ULL << 20));
  } else if (n >= 1024) {
    std::snprintf(buf, sizeof buf, "%.2f KiB", static_cast<double>(n) / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  }
  return buf;
}

// Prints everything `llm info` shows; returns the process exit code.
int print_model_info(const std::string& path, size_t max_array_items) {
  auto file = llm::GgufFile::open(path);
  if (!file) {
    std::cerr << "error: " << file.error().message << "\n";
    return 1;
  }
  const llm::GgufFile& f = *file;
  std::printf("file: %s\n", path.c_str());
  std::printf(
      "gguf version %u, %zu metadata entries, %zu tensors, alignment %u, data at byte %llu, "
      "%s\n",
      f.version(), f.metadata().size(), f.tensors().size(), f.alignment(),
      static_cast<unsigned long long>(f.data_offset()), human_bytes(f.file_size()).c_str());

  auto params = llm::read_model_params(f);
  auto arch = f.get_string_or("general.architecture", "(none)");
  std::printf("\narchitecture: %s\n", arch ? arch->c_str() : "(not a string)");
  if (params) {
    const auto& p = *params;
    std::printf("  n_embd %u, n_layer %u, n_head %u, n_head_kv %u, head_dim %u", p.n_embd,
                p.n_layer, p.n_head, p.n_head_kv, p.head_dim);
    if (p.head_dim_v != p.head_dim) std::printf(" (v %u)", p.head_dim_v);
    std::printf(", n_ff %u\n  vocab %u, context length %u, rope base %g, n_rot %u, rms eps %g\n",
                p.n_ff, p.n_vocab, p.n_ctx_train, static_cast<double>(p.rope_freq_base), p.n_rot,
                static_cast<double>(p.rms_eps));
  } else {
    std::printf("  hyperparameters: not available (%s)\n", params.error().message.c_str());
  }

  auto tok_model = f.get_string_or("tokenizer.ggml.model", "(none)");
  auto tok_pre = f.get_string_or("tokenizer.ggml.pre", "(none)");
  std::printf("tokenizer: model %s, pre %s", tok_model ? tok_model->c_str() : "(not a string)",
              tok_pre ? tok_pre->c_str() : "(not a string)");
  if (f.find("tokenizer.ggml.tokens")) {
    auto tok = llm::Tokenizer::from_gguf(f);
    if (tok) {
      std::printf(", %zu tokens, bos %d, eos %d, add_bos %s\n", tok->n_vocab(), tok->bos(),
                  tok->eos(), tok->add_bos() ? "yes" : "no");
    } else {
      std::printf("\n  tokenizer not usable: %s\n", tok.error().message.c_str());
    }
  } else {
    std::printf(", no vocabulary\n");
  }

  std::printf("\nmetadata:\n");
  size_t key_width = 0;
  for (const auto& kv : f.metadata()) key_width = std::max(key_width, kv.key.size());
  for (const auto& kv : f.metadata()) {
    std::string type = llm::gguf_type_name(kv.value.type);
    std::printf("  %-*s %-7s %s\n", static_cast<int>(key_width), kv.key.c_str(), type.c_str(),
                kv.value.to_string(max_array_items).c_str());
  }

  std::printf("\ntensors:\n  %-40s %-10s %-26s %12s\n", "name", "type", "shape", "bytes");
  uint64_t weight_bytes = 0;
  size_t unknown = 0;
  for (const auto& t : f.tensors()) {
    std::string type = llm::tensor_type_name(t.type);
    if (const auto* tr = llm::tensor_type_traits(t.type); tr && !tr->engine_supported) {
      type += "*";
    }
    if (!t.type_known()) ++unknown;
    weight_bytes += t.n_bytes;
    std::printf("  %-40s %-10s %-26s %12s\n", t.name.c_str(), type.c_str(),
                t.shape_string().c_str(), t.type_known() ? std::to_string(t.n_bytes).c_str() : "?");
  }
  std::printf("  (* = a type the engine does not compute with)\n");
  if (unknown) {
    std::printf(
        "  %zu tensor(s) of unknown type: their size is not counted and the engine cannot "
        "use them\n",
        unknown);
  }

  std::printf("\nmemory estimate:\n  weights  %s\n", human_bytes(weight_bytes).c_str());
  if (params) {
    const uint64_t kv = llm::kv_cache_bytes(*params, params->n_ctx_train, 2);
    std::printf("  KV cache %s (F16, %u tokens)\n  total    %s\n", human_bytes(kv).c_str(),
                params->n_ctx_train, human_bytes(weight_bytes + kv).c_str());
  }
  return 0;
}

}  // namespace

void add_llm_commands(CLI::App& app) {
  CLI::App* llm = app.add_subcommand("llm", "LLM engine: inspect GGUF models");
  llm->require_subcommand(1);

  struct InfoOptions {
    std::string model;
    size_t array_items = 8;
  };
  auto opts = std::make_shared<InfoOptions>();
  CLI::App* info =
      llm->add_subcommand("info", "Print a GGUF file's metadata, tensor table and memory estimate");
  info->add_option("--model,-m", opts->model, "GGUF model file")->required();
  info->add_option("--array-items", opts->array_items, "array elements shown per metadata entry");
  info->callback([opts] {
    const int rc = print_model_info(opts->model, opts->array_items);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace airan::cli
