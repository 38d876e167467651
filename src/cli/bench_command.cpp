#include "cli/commands.h"

namespace airan::cli {

void add_bench_commands(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks: a readable table, or JSON rows with --json");
  bench->require_subcommand(1);
  add_bench_ldpc_commands(*bench);
}

}  // namespace airan::cli
