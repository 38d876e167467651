#include "cli/commands.h"

namespace airan::cli {
void add_bench_ldpc_commands(CLI::App&) {}
}  // namespace airan::cli
