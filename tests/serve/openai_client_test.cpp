// Real clients against a loopback server: the official `openai` npm package
// (tests/serve/openai_client/check.mjs; skipped without node or its node_modules, installed by
// scripts/install-deps) and curl (skipped without curl).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "serve_test_util.h"

namespace airan::serve {
namespace {

bool have_program(const char* name) {
  const std::string cmd = std::string("command -v ") + name + " > /dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// Runs `cmd` in a shell; returns its exit status and fills `out` with stdout and stderr.
int run(const std::string& cmd, std::string& out) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(OpenAiClient, OfficialNodeClientChatsWithTheServer) {
  const std::filesystem::path dir =
      std::filesystem::path(AIRAN_SOURCE_DIR) / "tests" / "serve" / "openai_client";
  if (!have_program("node")) GTEST_SKIP() << "node is not installed";
  if (!std::filesystem::exists(dir / "node_modules" / "openai")) {
    GTEST_SKIP() << "run scripts/install-deps (npm ci in " << dir.string() << ")";
  }
  ApiServerConfig config;
  config.api_keys = {"test-key"};
  test::TestServer s(config);
  std::string out;
  const std::string cmd = "node " + (dir / "check.mjs").string() +
                          " http://127.0.0.1:" + std::to_string(s.port()) + "/v1 test-key";
  const int rc = run(cmd, out);
  EXPECT_EQ(rc, 0) << cmd << "\n" << out;
  EXPECT_NE(out.find("ok: stories"), std::string::npos) << out;
}

TEST(OpenAiClient, CurlStreamsAndGetsErrors) {
  if (!have_program("curl")) GTEST_SKIP() << "curl is not installed";
  test::TestServer s;
  const std::string base = "http://127.0.0.1:" + std::to_string(s.port());
  std::string out;
  int rc = run("curl -sS -N " + base +
                   "/v1/chat/completions -H 'Content-Type: application/json' -d "
                   "'{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":4,"
                   "\"stream\":true}'",
               out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out.rfind("data: {", 0), 0u) << out;
  EXPECT_NE(out.find("\"object\":\"chat.completion.chunk\""), std::string::npos) << out;
  const std::string done = "data: [DONE]\n\n";
  ASSERT_GE(out.size(), done.size());
  EXPECT_EQ(out.substr(out.size() - done.size()), done);

  // A body over 1 KiB makes curl send `Expect: 100-continue`.
  out.clear();
  const std::string big(3000, 'x');
  rc = run("curl -sS -w '\\n%{http_code}' " + base +
               "/v1/completions -H 'Content-Type: application/json' -d '{\"prompt\":\"" + big +
               "\",\"max_tokens\":1,\"seed\":\"no\"}'",
           out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out.substr(out.size() - 3), "400") << out;
  const auto err = nlohmann::json::parse(out.substr(0, out.size() - 4));
  EXPECT_EQ(err["error"]["param"], "seed");
}

}  // namespace
}  // namespace airan::serve
