// The airan command: one executable, one subcommand per job (`airan --help` lists them).
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"airan: an AI-RAN node (5G NR uplink PHY and LLM inference sharing one server)"};
  app.require_subcommand(1);
  airan::cli::add_run_command(app);
  airan::cli::add_bench_commands(app);
  airan::cli::add_llm_commands(app);
  airan::cli::add_calibrate_command(app);
  airan::cli::add_serve_command(app);
  airan::cli::add_callcenter_commands(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
