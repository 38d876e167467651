// Placeholder until the serving module lands (replaced by the serve work).
#include "cli/commands.h"

namespace airan::cli {
void add_serve_command(CLI::App&) {}
void add_bench_serve_command(CLI::App&) {}
}  // namespace airan::cli
