// `airan callcenter analyze` and `airan callcenter load` against a small HTTP server started in
// the test on a free loopback port: real sockets, real HTTP round trips.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "airan/callcenter/analyzer.h"
#include "cli/commands.h"
#include "test_data.h"

namespace airan::callcenter {
namespace {

using nlohmann::json;

struct HttpReply {
  int status = 200;
  std::string body;
};

// A minimal HTTP/1.1 server: keep-alive connections, Content-Length request bodies, responses
// with Content-Length or (chunked = true) chunked transfer encoding.
class TestHttpServer {
 public:
  using Handler = std::function<HttpReply(const std::string& path, const std::string& body)>;

  /// `chunked`: chunked responses; `close_each`: the connection ends after every response,
  /// announced with "Connection: close" unless `silent_close` (as a server's idle timeout would).
  TestHttpServer(Handler handler, bool chunked = false, bool close_each = false,
                 bool silent_close = false)
      : handler_(std::move(handler)),
        chunked_(chunked),
        close_each_(close_each),
        silent_close_(silent_close) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;  // any free port
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
      return;
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~TestHttpServer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    accept_thread_.join();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (int fd : conn_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : conn_threads_) t.join();
    // Closed only now, so no descriptor number is reused while another thread may touch it.
    for (int fd : conn_fds_) ::close(fd);
  }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  size_t requests() const { return requests_; }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mutex_);
    return bodies_;
  }

 private:
  void accept_loop() {
    while (!stopping_) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) break;
      std::lock_guard<std::mutex> lock(mutex_);
      conn_fds_.push_back(fd);
      conn_threads_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    std::string buf;
    char tmp[8192];
    while (true) {
      size_t head_end;
      while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
        const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0) return;
        buf.append(tmp, static_cast<size_t>(n));
      }
      const std::string head = buf.substr(0, head_end);
      buf.erase(0, head_end + 4);
      const size_t sp1 = head.find(' ');
      const size_t sp2 = head.find(' ', sp1 + 1);
      const std::string path = head.substr(sp1 + 1, sp2 - sp1 - 1);
      size_t length = 0;
      const size_t cl = head.find("Content-Length: ");
      if (cl != std::string::npos) length = std::stoul(head.substr(cl + 16));
      while (buf.size() < length) {
        const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0) return;
        buf.append(tmp, static_cast<size_t>(n));
      }
      const std::string body = buf.substr(0, length);
      buf.erase(0, length);
      ++requests_;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        bodies_.push_back(body);
      }
      const HttpReply reply = handler_(path, body);
      std::string out =
          "HTTP/1.1 " + std::to_string(reply.status) + " X\r\nContent-Type: application/json\r\n";
      if (close_each_ && !silent_close_) out += "Connection: close\r\n";
      if (chunked_) {
        out += "Transfer-Encoding: chunked\r\n\r\n";
        // Two chunks, to exercise reassembly.
        const size_t half = reply.body.size() / 2;
        for (const std::string& part : {reply.body.substr(0, half), reply.body.substr(half)}) {
          std::ostringstream hex;
          hex << std::hex << part.size();
          out += hex.str() + "\r\n" + part + "\r\n";
        }
        out += "0\r\n\r\n";
      } else {
        out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
      }
      size_t sent = 0;
      while (sent < out.size()) {
        const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
      if (close_each_) {
        ::shutdown(fd, SHUT_WR);
        buf.clear();
      }
    }
  }

  Handler handler_;
  bool chunked_;
  bool close_each_;
  bool silent_close_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> requests_{0};
  std::thread accept_thread_;
  std::mutex mutex_;
  std::vector<int> conn_fds_;
  std::vector<std::thread> conn_threads_;
  std::vector<std::string> bodies_;
};

// Runs `airan <args>`; returns the exit code (0, or the code of the CLI::RuntimeError).
int run_cli(const std::string& args) {
  CLI::App app("airan");
  app.require_subcommand(1);
  cli::add_callcenter_commands(app);
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code();
  }
  return 0;
}

std::filesystem::path examples_dir() {
  return std::filesystem::path(AIRAN_SOURCE_DIR) / "examples" / "callcenter";
}

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("airan_cc_" + std::to_string(::getpid()) + "_" + name);
}

json read_json(const std::filesystem::path& p) {
  bool ok = false;
  const std::string text = test::read_text(p, &ok);
  EXPECT_TRUE(ok) << p;
  json j = json::parse(text, nullptr, false);
  std::filesystem::remove(p);
  return j;
}

// The route the server adds: analysis by rules, 503 for one call to test error counting.
HttpReply analyze_route(const std::string& path, const std::string& body) {
  if (path != "/v1/callcenter/analyze") return {404, R"({"error": "no route"})"};
  auto doc = analyze_json(body, AnalyzerOptions{}, nullptr);
  if (!doc) return {400, json{{"error", doc.error().message}}.dump()};
  if ((*doc)["call_id"] == "EN-2026-0414-233") return {503, R"({"error": "overloaded"})"};
  return {200, doc->dump()};
}

TEST(CallcenterLoad, ReplaysTranscriptsAndCountsStatuses) {
  TestHttpServer server(analyze_route);
  ASSERT_GT(server.port(), 0);
  const auto out = temp_file("load.json");
  const int rc =
      run_cli("callcenter load " + examples_dir().string() + " --rate 300 --api " + server.url() +
              " --requests 30 --clients 4 --seed 3 --json --check --out " + out.string());
  ASSERT_EQ(rc, 0);
  const json r = read_json(out);
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["requests"], 30);
  EXPECT_EQ(server.requests(), 30u);
  EXPECT_EQ(r["transcripts"], 6);
  // Files in name order; the roaming call (third) is every sixth request from the third.
  EXPECT_EQ(r["status_counts"]["503"], 5);
  EXPECT_EQ(r["status_counts"]["200"], 25);
  EXPECT_EQ(r["ok"], 25);
  EXPECT_EQ(r["errors"], 5);
  EXPECT_EQ(r["invalid_bodies"], 0);
  const json& l = r["latency_ms"];
  EXPECT_GT(l["p50"].get<double>(), 0.0);
  EXPECT_LE(l["p50"].get<double>(), l["p90"].get<double>());
  EXPECT_LE(l["p90"].get<double>(), l["p99"].get<double>());
  EXPECT_LE(l["p99"].get<double>(), l["max"].get<double>());
  EXPECT_GT(r["throughput_rps"].get<double>(), 0.0);
  EXPECT_EQ(r["target"], server.url() + "/v1/callcenter/analyze");
  // The transcripts went over the wire unchanged.
  bool ok = false;
  const std::string first = test::read_text(examples_dir() / "en_billing_double_charge.json", &ok);
  const auto bodies = server.bodies();
  EXPECT_EQ(std::count(bodies.begin(), bodies.end(), first), 5);
}

TEST(CallcenterLoad, DurationModeAndTable) {
  TestHttpServer server(analyze_route, /*chunked=*/true);
  const auto out = temp_file("load.txt");
  ASSERT_EQ(run_cli("callcenter load " + examples_dir().string() + " --rate 40 --api " +
                    server.url() + "/ --duration 0.5 --seed 9 --out " + out.string()),
            0);
  bool ok = false;
  const std::string text = test::read_text(out, &ok);
  std::filesystem::remove(out);
  ASSERT_TRUE(ok);
  EXPECT_NE(text.find("| requests |   ok | errors |"), std::string::npos) << text;
  EXPECT_NE(text.find("status: 200 x"), std::string::npos) << text;
  EXPECT_GT(server.requests(), 0u);
}

TEST(CallcenterLoad, ServersThatCloseEveryConnection) {
  TestHttpServer server(analyze_route, /*chunked=*/false, /*close_each=*/true);
  const auto out = temp_file("close.json");
  ASSERT_EQ(
      run_cli("callcenter load " + examples_dir().string() + " --rate 200 --api " + server.url() +
              " --requests 12 --clients 2 --json --check --out " + out.string()),
      0);
  const json r = read_json(out);
  EXPECT_EQ(r["ok"], 10);
  EXPECT_EQ(r["status_counts"]["503"], 2);
  EXPECT_EQ(r["invalid_bodies"], 0);
  EXPECT_EQ(server.requests(), 12u);
}

TEST(CallcenterLoad, StaleKeepAliveConnectionsAreReopened) {
  // The server drops each connection after one response without saying so: the client's next
  // request on it finds it closed before any response byte and is sent again on a new one.
  TestHttpServer server(analyze_route, /*chunked=*/false, /*close_each=*/true,
                        /*silent_close=*/true);
  const auto out = temp_file("stale.json");
  ASSERT_EQ(run_cli("callcenter load " + examples_dir().string() + " --rate 200 --api " +
                    server.url() + " --requests 12 --clients 2 --json --out " + out.string()),
            0);
  const json r = read_json(out);
  EXPECT_EQ(r["ok"], 10);
  EXPECT_EQ(r["status_counts"]["503"], 2);
  EXPECT_EQ(r["errors"], 2);
}

TEST(CallcenterLoad, RefusedConnectionsAreErrors) {
  // A port that was free a moment ago and has no listener now.
  int port = 0;
  {
    TestHttpServer probe([](const std::string&, const std::string&) { return HttpReply{}; });
    port = probe.port();
  }
  const auto out = temp_file("refused.json");
  ASSERT_EQ(run_cli("callcenter load " + examples_dir().string() +
                    " --rate 500 --api http://127.0.0.1:" + std::to_string(port) +
                    " --requests 4 --json --out " + out.string()),
            0);
  const json r = read_json(out);
  EXPECT_EQ(r["ok"], 0);
  EXPECT_EQ(r["errors"], 4);
  ASSERT_EQ(r["status_counts"].size(), 1u);
  EXPECT_NE(r["status_counts"].begin().key().find("connect 127.0.0.1"), std::string::npos);
}

TEST(CallcenterLoad, BadArguments) {
  EXPECT_EQ(run_cli("callcenter load /nonexistent --rate 1 --api http://127.0.0.1:1"), 2);
  EXPECT_EQ(run_cli("callcenter load " + examples_dir().string() + " --rate 0 --api http://x:1"),
            2);
  EXPECT_EQ(run_cli("callcenter load " + examples_dir().string() + " --rate 1 --api https://x"), 2);
}

TEST(CallcenterAnalyze, ThroughAnOpenAiCompatibleApi) {
  json last_request;
  std::mutex m;
  TestHttpServer server(
      [&](const std::string& path, const std::string& body) -> HttpReply {
        if (path != "/v1/chat/completions") return {404, "{}"};
        {
          std::lock_guard<std::mutex> lock(m);
          last_request = json::parse(body);
        }
        json content = json::parse(R"({
          "summary": {"issue": "二重請求", "resolution": "返金済み", "next_steps": ["メールで通知"]},
          "intent": {"category": "billing", "confidence": 0.95},
          "sentiment": {"overall": {"label": "positive", "score": 0.5}, "turns": []},
          "names": [{"turn": 3, "text": "山田花子"}],
          "agent_assist": {"next_best_reply": "他にご不明点はございますか。", "suggestions": []}})");
        for (int k = 0; k < 11; ++k)
          content["sentiment"]["turns"].push_back({{"label", "neutral"}, {"score", 0.0}});
        json reply = {
            {"choices",
             {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content.dump()}}}}}}};
        return {200, reply.dump()};
      },
      /*chunked=*/true);
  const auto out = temp_file("api.json");
  ASSERT_EQ(
      run_cli("callcenter analyze " + (examples_dir() / "ja_billing_double_charge.json").string() +
              " --api " + server.url() + "/v1 --api-model qwen --api-key sk-test --seed 5 --out " +
              out.string()),
      0);
  const json doc = read_json(out);
  ASSERT_TRUE(validate_analysis_json(doc).is_ok()) << validate_analysis_json(doc).message();
  EXPECT_EQ(doc["meta"]["attempts"], 1);
  EXPECT_EQ(doc["meta"]["sources"]["summary"], "model");
  EXPECT_EQ(doc["meta"]["sources"]["pii"], "rules+model");
  EXPECT_EQ(doc["summary"]["issue"], "二重請求");
  EXPECT_EQ(doc["pii"]["redacted_turns"][3]["text"], "[PHONE]です。名義は[NAME]です。");
  EXPECT_EQ(last_request["model"], "qwen");
  EXPECT_EQ(last_request["seed"], 5);
  EXPECT_EQ(last_request["response_format"]["type"], "json_object");
  ASSERT_EQ(last_request["messages"].size(), 2u);
  EXPECT_EQ(last_request["messages"][0]["role"], "system");
  EXPECT_EQ(last_request["messages"][1]["content"].get<std::string>().find("1234"),
            std::string::npos);
}

TEST(CallcenterAnalyze, RulesOnlyAndErrors) {
  const auto out = temp_file("rules.json");
  ASSERT_EQ(run_cli("callcenter analyze " + (examples_dir() / "ja_connection_drop.json").string() +
                    " --no-llm --out " + out.string()),
            0);
  const json doc = read_json(out);
  ASSERT_TRUE(validate_analysis_json(doc).is_ok()) << validate_analysis_json(doc).message();
  EXPECT_EQ(doc["language"], "ja");
  EXPECT_EQ(doc["language_detected"], true);
  EXPECT_EQ(doc["meta"]["llm_used"], false);

  const auto bad = temp_file("bad.json");
  {
    std::ofstream f(bad);
    f << R"({"turns": [{"speaker": "agent", "start": 0, "text": "x"}, {"speaker": "robot", "start": 1, "text": "y"}]})";
  }
  EXPECT_EQ(run_cli("callcenter analyze " + bad.string() + " --no-llm"), 2);
  std::filesystem::remove(bad);
  EXPECT_EQ(run_cli("callcenter analyze /nonexistent.json --no-llm"), 1);
  // With the API down, the rules still give a complete document.
  const auto down = temp_file("down.json");
  ASSERT_EQ(run_cli("callcenter analyze " + (examples_dir() / "en_roaming.json").string() +
                    " --api http://127.0.0.1:1 --max-retries 0 --out " + down.string()),
            0);
  const json d = read_json(down);
  EXPECT_TRUE(validate_analysis_json(d).is_ok());
  EXPECT_EQ(d["meta"]["attempts"], 1);
  EXPECT_EQ(d["meta"]["sources"]["intent"], "rules");
}

}  // namespace
}  // namespace airan::callcenter
