// Placeholder until the call-centre application lands (replaced by the callcenter work).
#include "cli/commands.h"

namespace airan::cli {
void add_callcenter_commands(CLI::App&) {}
}  // namespace airan::cli
