#pragma once
// Each subcommand of `airan` registers itself on the app from its own file.

#include <CLI/CLI.hpp>

namespace airan::cli {

/// `airan bench NAME`: one subcommand per benchmark; each prints a table, or JSON with --json.
void add_bench_commands(CLI::App& app);

/// `airan bench ldpc` and `airan bench ldpc-bler` (channel coding).
void add_bench_ldpc_commands(CLI::App& bench);

/// `airan llm ...`: model info, generation, make-model (LLM engine).
void add_llm_commands(CLI::App& app);

/// `airan run`: airan's main job.
void add_run_command(CLI::App& app);

}  // namespace airan::cli
