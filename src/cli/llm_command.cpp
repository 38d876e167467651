// `airan llm ...`: inspect GGUF model files, make random-weight test models, generate text.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "airan/llm/chat_template.h"
#include "airan/llm/engine.h"
#include "airan/llm/gguf.h"
#include "airan/llm/gguf_writer.h"
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

struct MakeModelOptions {
  std::string out;
  std::string type = "F32";
  llm::RandomModelSpec spec;
};

int make_model(MakeModelOptions& o) {
  auto type = llm::engine_tensor_type_from_name(o.type);
  if (!type) {
    std::cerr << "error: --type: " << type.error().message << "\n";
    return 2;
  }
  o.spec.type = *type;
  const auto start = std::chrono::steady_clock::now();
  auto report = llm::write_random_model(o.spec, o.out);
  if (!report) {
    std::cerr << "error: " << report.error().message << "\n";
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& line : report->fallbacks) std::fprintf(stderr, "note: %s\n", line.c_str());
  std::printf("wrote %s: %s, %.3f M parameters, vocab %u, %s, %s in %.1f s\n", o.out.c_str(),
              o.spec.arch.c_str(), static_cast<double>(report->n_params) / 1e6, report->n_vocab,
              o.type.c_str(), human_bytes(report->file_bytes).c_str(), seconds);
  return 0;
}

struct GenerateOptions {
  std::string model;
  std::string prompt;
  bool chat = false;
  std::string system;
  std::string template_name;
  std::string template_file;
  llm::SamplingParams sampling;
  uint64_t seed = llm::kRandomSeed;
  uint32_t max_tokens = 256;
  std::vector<std::string> stop;
  bool token_ids = false;
  bool ignore_eos = false;
  bool json_object = false;
  unsigned threads = 0;
  uint32_t ctx = 0;
  std::string kv_type = "f16";
};

// The prompt text of `o` for `engine`'s model: as given, or rendered with a chat template.
Expected<std::string> generate_prompt(const GenerateOptions& o, const llm::Engine& engine) {
  if (!o.chat) return o.prompt;
  Expected<llm::ChatTemplate> tmpl = Error{""};
  if (!o.template_file.empty()) {
    std::ifstream in(o.template_file, std::ios::binary);
    if (!in) return Error{"--template-file: cannot read " + o.template_file};
    std::stringstream ss;
    ss << in.rdbuf();
    tmpl = llm::ChatTemplate::from_user_format(ss.str());
    if (!tmpl) return Error{"--template-file: " + tmpl.error().message};
  } else if (!o.template_name.empty()) {
    tmpl = llm::ChatTemplate::from_name(o.template_name);
    if (!tmpl) return Error{"--template: " + tmpl.error().message};
  } else {
    tmpl = llm::ChatTemplate::from_gguf(engine.model().file());
    if (!tmpl) {
      return Error{"--chat: " + tmpl.error().message +
                   " (name one with --template llama2|llama3|chatml|ja-instruct, or give "
                   "--template-file)"};
    }
  }
  std::vector<llm::ChatMessage> messages;
  if (!o.system.empty()) messages.push_back({llm::ChatRole::kSystem, o.system});
  messages.push_back({llm::ChatRole::kUser, o.prompt});
  const llm::Tokenizer& tok = engine.tokenizer();
  llm::ChatRenderOptions ro;
  if (tok.bos() != llm::kNoToken) ro.bos_token = tok.token_text(tok.bos());
  if (tok.eos() != llm::kNoToken) ro.eos_token = tok.token_text(tok.eos());
  ro.strip_leading_bos = tok.add_bos();
  auto text = tmpl->render(messages, ro);
  if (!text) return Error{"--chat: " + text.error().message};
  return text;
}

int generate(GenerateOptions& o) {
  auto model = llm::Model::load(o.model);
  if (!model) {
    std::cerr << "error: --model: " << model.error().message << "\n";
    return 1;
  }
  llm::EngineConfig config;
  config.max_sequences = 1;
  const uint32_t train_ctx = model->params().n_ctx_train;
  config.n_ctx = o.ctx != 0 ? o.ctx : (train_ctx == 0 ? 4096 : std::min(train_ctx, 4096u));
  config.kv_budget_tokens = config.n_ctx;
  config.max_tokens_per_step = 512;
  config.prefill_chunk = 512;
  const unsigned threads =
      o.threads != 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  config.workers = threads - 1;
  if (o.kv_type == "f16") {
    config.kv_type = llm::KvType::kF16;
  } else if (o.kv_type == "f32") {
    config.kv_type = llm::KvType::kF32;
  } else {
    std::cerr << "error: --kv-type: '" << o.kv_type << "' is not f16 or f32\n";
    return 2;
  }
  auto engine = llm::Engine::create(std::move(*model), config);
  if (!engine) {
    std::cerr << "error: " << engine.error().message << "\n";
    return 1;
  }
  auto prompt = generate_prompt(o, *engine);
  if (!prompt) {
    std::cerr << "error: " << prompt.error().message << "\n";
    return 2;
  }

  llm::GenerationRequest request;
  request.prompt = *prompt;
  request.parse_special = o.chat;  // the template writes the model's control tokens as text
  request.sampling = o.sampling;
  // A seed that can be printed, so any run can be repeated.
  request.sampling.seed = o.seed != llm::kRandomSeed ? o.seed : std::random_device{}();
  request.stop = o.stop;
  request.max_tokens = o.max_tokens;
  request.ignore_eos = o.ignore_eos;
  request.json_object = o.json_object;
  auto id = engine->submit(request);
  if (!id) {
    std::cerr << "error: " << id.error().message << "\n";
    return 2;
  }

  std::vector<llm::TokenId> ids;
  llm::TokenEvent last;
  while (engine->pending() > 0) {
    for (const llm::TokenEvent& ev : engine->step()) {
      if (ev.token != llm::kNoToken) ids.push_back(ev.token);
      if (!ev.text.empty()) {
        std::fwrite(ev.text.data(), 1, ev.text.size(), stdout);
        std::fflush(stdout);
      }
      if (ev.finished) last = ev;
    }
  }
  std::printf("\n");
  if (o.token_ids) {
    std::printf("token ids:");
    for (llm::TokenId t : ids) std::printf(" %d", t);
    std::printf("\n");
  }
  std::fflush(stdout);
  if (last.reason == llm::GenerationFinish::kError) {
    std::cerr << "error: " << last.error << "\n";
    return 1;
  }
  const llm::EngineStats st = engine->stats();
  const auto rate = [](uint64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0.0; };
  std::fprintf(stderr,
               "prompt tokens %u, generated tokens %u (%s), seed %llu, threads %u\n"
               "prefill %.1f tok/s (%llu tokens, %.3f s), decode %.1f tok/s (%llu tokens, "
               "%.3f s)\n",
               last.prompt_tokens, last.completion_tokens,
               std::string(llm::generation_finish_name(last.reason)).c_str(),
               static_cast<unsigned long long>(request.sampling.seed), threads,
               rate(st.prefill_tokens, st.prefill_seconds),
               static_cast<unsigned long long>(st.prefill_tokens), st.prefill_seconds,
               rate(st.decode_tokens, st.decode_seconds),
               static_cast<unsigned long long>(st.decode_tokens), st.decode_seconds);
  return 0;
}

}  // namespace

void add_llm_commands(CLI::App& app) {
  CLI::App* llm =
      app.add_subcommand("llm", "LLM engine: inspect GGUF models, generate text, make test models");
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

  auto go = std::make_shared<GenerateOptions>();
  llm::SamplingParams& smp = go->sampling;
  CLI::App* gen =
      llm->add_subcommand("generate", "Generate text from a prompt, streamed to stdout");
  gen->add_option("--model,-m", go->model, "GGUF model file")->required();
  gen->add_option("--prompt,-p", go->prompt, "prompt text (the user message with --chat)")
      ->required();
  gen->add_flag("--chat", go->chat, "render the prompt with the model's chat template");
  gen->add_option("--system", go->system, "system message (with --chat)");
  auto* tname = gen->add_option("--template", go->template_name,
                                "chat template family: llama2, llama3, chatml, ja-instruct");
  gen->add_option("--template-file", go->template_file,
                  "user chat template with {system}/{user}/{assistant} placeholders")
      ->excludes(tname);
  gen->add_option("--temperature", smp.temperature, "<= 0: greedy")->capture_default_str();
  gen->add_option("--top-k", smp.top_k, "<= 0: off")->capture_default_str();
  gen->add_option("--top-p", smp.top_p, "1: off")->capture_default_str();
  gen->add_option("--min-p", smp.min_p, "0: off")->capture_default_str();
  gen->add_option("--repeat-penalty", smp.repeat_penalty, "1: off")->capture_default_str();
  gen->add_option("--frequency-penalty", smp.frequency_penalty)->capture_default_str();
  gen->add_option("--presence-penalty", smp.presence_penalty)->capture_default_str();
  gen->add_option("--seed", go->seed, "random seed (default: drawn, and printed)");
  gen->add_option("--max-tokens,-n", go->max_tokens,
                  "tokens to generate at most (0: until the "
                  "context is full)")
      ->capture_default_str();
  gen->add_option("--stop", go->stop, "string that ends generation (repeatable)");
  gen->add_flag("--token-ids", go->token_ids, "print the generated token ids after the text");
  gen->add_flag("--ignore-eos", go->ignore_eos, "keep going after an end-of-generation token");
  gen->add_flag("--json-object", go->json_object,
                "constrain the output to one JSON object (closed within --max-tokens)");
  gen->add_option("--threads,-t", go->threads, "threads (0: all cores)")->capture_default_str();
  gen->add_option("--ctx", go->ctx, "context length (0: the model's, at most 4096)")
      ->capture_default_str();
  gen->add_option("--kv-type", go->kv_type, "KV cache type: f16 or f32")->capture_default_str();
  gen->callback([go] {
    if ((!go->template_name.empty() || !go->template_file.empty() || !go->system.empty()) &&
        !go->chat) {
      std::cerr << "error: --template, --template-file and --system need --chat\n";
      throw CLI::RuntimeError(2);
    }
    const int rc = generate(*go);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });

  auto mm = std::make_shared<MakeModelOptions>();
  llm::RandomModelSpec& sp = mm->spec;
  CLI::App* make = llm->add_subcommand(
      "make-model", "Write a GGUF Llama-family model with random weights (tests, benchmarks)");
  make->add_option("--out,-o", mm->out, "output GGUF file")->required();
  make->add_option("--arch", sp.arch, "llama or qwen2")->capture_default_str();
  make->add_option("--n-embd", sp.n_embd, "model width")->capture_default_str();
  make->add_option("--n-layer", sp.n_layer, "transformer blocks")->capture_default_str();
  make->add_option("--n-head", sp.n_head, "query heads")->capture_default_str();
  make->add_option("--n-head-kv", sp.n_head_kv, "key/value heads")->capture_default_str();
  make->add_option("--n-ff", sp.n_ff, "feed-forward width")->capture_default_str();
  make->add_option("--head-dim", sp.head_dim, "per-head size (0: n_embd / n_head)")
      ->capture_default_str();
  make->add_option("--vocab", sp.n_vocab,
                   "vocabulary size (generated vocabulary; with --vocab-from 0 = the file's)")
      ->capture_default_str();
  make->add_option("--ctx", sp.n_ctx, "context length written to the metadata")
      ->capture_default_str();
  make->add_option("--type", mm->type, "F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K or Q6_K")
      ->capture_default_str();
  make->add_option("--seed", sp.seed, "random seed")->capture_default_str();
  make->add_option("--rope-base", sp.rope_freq_base, "RoPE frequency base")->capture_default_str();
  make->add_option("--rms-eps", sp.rms_eps, "RMSNorm epsilon")->capture_default_str();
  make->add_flag("--tied", sp.tied_embeddings, "no output.weight (tied to token_embd)");
  make->add_option("--vocab-from", sp.vocab_from,
                   "copy the tokenizer.* metadata of this GGUF instead of generating a vocabulary");
  make->add_option("--chat-template", sp.chat_template, "text for tokenizer.chat_template");
  make->add_option("--threads", sp.threads, "threads generating weights (0: all cores)")
      ->capture_default_str();
  make->callback([mm, make] {
    // --vocab-from alone takes the copied vocabulary's size.
    if (!mm->spec.vocab_from.empty() && make->count("--vocab") == 0) mm->spec.n_vocab = 0;
    const int rc = make_model(*mm);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace airan::cli
