#include "cli/commands.h"

namespace airan::cli {

void add_bench_commands(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks: a readable table, or JSON rows with --json");
  bench->require_subcommand(1);
  add_bench_ldpc_commands(*bench);
  add_bench_pusch_link_command(*bench);
  add_bench_pusch_command(*bench);
  add_bench_predictor_command(*bench);
  add_bench_llm_park_command(*bench);
  add_bench_llm_command(*bench);
  add_bench_policies_command(*bench);
  add_bench_jitter_command(*bench);
  add_bench_serve_command(*bench);
}

}  // namespace airan::cli
