#include "cli/commands.h"

namespace airan::cli {
void add_run_command(CLI::App&) {}
}  // namespace airan::cli
