// `airan callcenter ...`: analyse call transcripts (locally, or through an OpenAI-compatible API)
// and replay transcripts against a server's /v1/callcenter/analyze route as a load test.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "airan/callcenter/analyzer.h"
#include "airan/callcenter/engine_chat.h"
#include "airan/callcenter/taxonomy.h"
#include "airan/callcenter/transcript.h"
#include "airan/llm/engine.h"
#include "cli/commands.h"

namespace airan::cli {
namespace {

using nlohmann::json;
namespace cc = airan::callcenter;
using Clock = std::chrono::steady_clock;

Expected<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read " + path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes `text` to `path`, or stdout when `path` is empty.
Status write_output(const std::string& path, const std::string& text) {
  if (path.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return Status::ok();
  }
  std::ofstream out(path, std::ios::binary);
  if (!out) return Error{"--out: cannot write " + path};
  out << text;
  return out ? Status::ok() : Status(Error{"--out: write to " + path + " failed"});
}

// ---- a small HTTP/1.1 client ----
// The system's cpp-httplib header declares its classes only (the implementation is the Debian
// shared library, built with TLS), so the two requests this command makes are written directly
// on POSIX sockets: POST with a JSON body, keep-alive, Content-Length or chunked responses.

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpConnection {
 public:
  HttpConnection(std::string host, std::string port, int timeout_s)
      : host_(std::move(host)), port_(std::move(port)), timeout_s_(timeout_s) {}
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;
  ~HttpConnection() { close_fd(); }

  /// POSTs `body` to `path`. Error: connect, send or receive failed (names which), or the
  /// response is not HTTP/1.x. A kept-alive connection the server closed is reopened once.
  Expected<HttpResponse> post(const std::string& path, const std::string& body,
                              const std::string& bearer) {
    std::string req = "POST " + path + " HTTP/1.1\r\nHost: " + host_ + ":" + port_ +
                      "\r\nContent-Type: application/json\r\nAccept: application/json\r\n"
                      "Connection: keep-alive\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n";
    if (!bearer.empty()) req += "Authorization: Bearer " + bearer + "\r\n";
    req += "\r\n";
    req += body;
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = fd_ >= 0;
      if (fd_ < 0) {
        if (Status s = open(); !s) return Error{s.message()};
      }
      bool nothing_received = false;
      auto res = exchange(req, nothing_received);
      if (res) return res;
      close_fd();
      // A stale keep-alive connection: the server closed it before reading the request.
      if (!(reused && nothing_received)) return res;
    }
    return Error{"connection closed by the server"};
  }

 private:
  Status open() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    if (int rc = getaddrinfo(host_.c_str(), port_.c_str(), &hints, &list); rc != 0) {
      return Error{"resolve " + host_ + ": " + gai_strerror(rc)};
    }
    std::string why = "no address";
    for (addrinfo* a = list; a; a = a->ai_next) {
      const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      timeval tv{};
      tv.tv_sec = timeout_s_;
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        fd_ = fd;
        break;
      }
      why = std::strerror(errno);
      ::close(fd);
    }
    freeaddrinfo(list);
    if (fd_ < 0) return Error{"connect " + host_ + ":" + port_ + ": " + why};
    buf_.clear();
    return Status::ok();
  }

  void close_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
  }

  // Reads more bytes into buf_. Error names what happened.
  Status fill() {
    char tmp[16384];
    const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n > 0) {
      buf_.append(tmp, static_cast<size_t>(n));
      return Status::ok();
    }
    if (n == 0) return Error{"connection closed by the server"};
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Error{"read timeout"};
    return Error{std::string("receive: ") + std::strerror(errno)};
  }

  Expected<HttpResponse> exchange(const std::string& req, bool& nothing_received) {
    size_t sent = 0;
    while (sent < req.size()) {
      const ssize_t n = ::send(fd_, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        nothing_received = true;
        return Error{std::string("send: ") + std::strerror(errno)};
      }
      sent += static_cast<size_t>(n);
    }
    size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (buf_.size() > (64u << 10)) return Error{"response headers over 64 KiB"};
      if (Status s = fill(); !s) {
        nothing_received = buf_.empty();
        return Error{s.message()};
      }
    }
    const std::string head = buf_.substr(0, head_end);
    buf_.erase(0, head_end + 4);
    HttpResponse res;
    if (!head.starts_with("HTTP/1.") || head.size() < 12) return Error{"not an HTTP/1.x response"};
    res.status = std::atoi(head.c_str() + 9);
    bool chunked = false;
    bool close_after = head.starts_with("HTTP/1.0");
    long long length = -1;
    std::istringstream lines(head);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = line.substr(line.find_first_not_of(' ', colon + 1) == std::string::npos
                                          ? line.size()
                                          : line.find_first_not_of(' ', colon + 1));
      std::string lower = value;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (name == "content-length") length = std::atoll(value.c_str());
      if (name == "transfer-encoding" && lower.find("chunked") != std::string::npos) chunked = true;
      if (name == "connection" && lower.find("close") != std::string::npos) close_after = true;
    }
    if (chunked) {
      while (true) {
        size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos) {
          if (Status s = fill(); !s) return Error{s.message()};
        }
        const long long size = std::strtoll(buf_.substr(0, eol).c_str(), nullptr, 16);
        if (size < 0) return Error{"bad chunk size"};
        buf_.erase(0, eol + 2);
        while (buf_.size() < static_cast<size_t>(size) + 2) {
          if (Status s = fill(); !s) return Error{s.message()};
        }
        res.body.append(buf_, 0, static_cast<size_t>(size));
        buf_.erase(0, static_cast<size_t>(size) + 2);
        if (size == 0) break;  // trailers are not used by the servers this talks to
      }
    } else if (length >= 0) {
      while (buf_.size() < static_cast<size_t>(length)) {
        if (Status s = fill(); !s) return Error{s.message()};
      }
      res.body = buf_.substr(0, static_cast<size_t>(length));
      buf_.erase(0, static_cast<size_t>(length));
    } else {
      close_after = true;
      while (true) {
        Status s = fill();
        if (!s) break;
      }
      res.body = std::move(buf_);
      buf_.clear();
    }
    if (close_after) close_fd();
    return res;
  }

  std::string host_;
  std::string port_;
  int timeout_s_;
  int fd_ = -1;
  std::string buf_;
};

// "http://host:port/prefix" split into host, port and path prefix.
struct ApiUrl {
  std::string origin;  // http://host:port, for messages
  std::string host;
  std::string port;    // "80" when the URL has none
  std::string prefix;  // "" or "/something", no trailing slash
};

Expected<ApiUrl> parse_api_url(const std::string& url) {
  if (url.starts_with("https://")) {
    return Error{
        "--api: https is not supported (airan's client is built without TLS); use http://"};
  }
  if (!url.starts_with("http://"))
    return Error{"--api: expected http://HOST[:PORT][/PATH], got " + url};
  const size_t slash = url.find('/', 7);
  ApiUrl u;
  u.origin = url.substr(0, slash);
  std::string authority = u.origin.substr(7);
  if (authority.empty()) return Error{"--api: no host in " + url};
  u.port = "80";
  if (authority.front() == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string::npos) return Error{"--api: unclosed '[' in " + url};
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      u.port = authority.substr(close + 2);
  } else if (const size_t colon = authority.rfind(':'); colon != std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
  }
  if (u.host.empty() || u.port.empty() ||
      u.port.find_first_not_of("0123456789") != std::string::npos) {
    return Error{"--api: expected http://HOST[:PORT][/PATH], got " + url};
  }
  if (slash != std::string::npos) u.prefix = url.substr(slash);
  while (!u.prefix.empty() && u.prefix.back() == '/') u.prefix.pop_back();
  // An OpenAI base URL often already ends in /v1.
  if (u.prefix.ends_with("/v1")) u.prefix.resize(u.prefix.size() - 3);
  return u;
}

const char* role_name(llm::ChatRole role) {
  switch (role) {
    case llm::ChatRole::kSystem:
      return "system";
    case llm::ChatRole::kUser:
      return "user";
    case llm::ChatRole::kAssistant:
      return "assistant";
  }
  return "user";
}

// A ChatFn calling POST {url}/v1/chat/completions.
cc::ChatFn make_api_chat_fn(const ApiUrl& url, const std::string& api_key, const std::string& model,
                            int timeout_s) {
  return [url, api_key, model, timeout_s](
             const std::vector<llm::ChatMessage>& messages,
             const cc::ChatCallOptions& options) -> Expected<std::string> {
    json body;
    if (!model.empty()) body["model"] = model;
    body["messages"] = json::array();
    for (const llm::ChatMessage& m : messages) {
      body["messages"].push_back({{"role", role_name(m.role)}, {"content", m.content}});
    }
    body["max_tokens"] = options.max_tokens;
    body["temperature"] = options.temperature;
    body["seed"] = options.seed;
    if (options.json_object) body["response_format"] = {{"type", "json_object"}};
    HttpConnection client(url.host, url.port, timeout_s);
    const std::string path = url.prefix + "/v1/chat/completions";
    auto res = client.post(path, body.dump(), api_key);
    if (!res) return Error{"POST " + url.origin + path + ": " + res.error().message};
    if (res->status != 200) {
      return Error{"POST " + path + ": HTTP " + std::to_string(res->status) + ": " +
                   res->body.substr(0, 300)};
    }
    json reply = json::parse(res->body, nullptr, false);
    if (reply.is_discarded()) return Error{"chat completion: the response body is not JSON"};
    const json* content = nullptr;
    if (auto ch = reply.find("choices"); ch != reply.end() && ch->is_array() && !ch->empty()) {
      const json& c0 = (*ch)[0];
      if (auto msg = c0.find("message"); msg != c0.end() && msg->is_object()) {
        if (auto ct = msg->find("content"); ct != msg->end() && ct->is_string()) content = &*ct;
      }
    }
    if (!content)
      return Error{"chat completion: no choices[0].message.content string in the response"};
    return content->get<std::string>();
  };
}

struct AnalyzeOptions {
  std::string file;
  std::string model;
  std::string api;
  std::string api_key;
  std::string api_model;
  std::string taxonomy;
  std::string chat_template;
  bool no_llm = false;
  unsigned max_retries = 2;
  uint32_t max_tokens = 768;
  float temperature = 0.2f;
  uint64_t seed = 42;
  uint32_t ctx = 4096;
  unsigned threads = 0;
  int timeout_s = 300;
  bool compact = false;
  std::string out;
};

int run_analyze(const AnalyzeOptions& o) {
  auto text = read_file(o.file);
  if (!text) {
    std::cerr << "error: " << text.error().message << "\n";
    return 1;
  }
  auto transcript = cc::parse_transcript(*text);
  if (!transcript) {
    std::cerr << "error: " << o.file << ": " << transcript.error().message << "\n";
    return 2;
  }
  cc::Taxonomy taxonomy = cc::default_taxonomy();
  if (!o.taxonomy.empty()) {
    auto t = cc::load_taxonomy(o.taxonomy);
    if (!t) {
      std::cerr << "error: --taxonomy: " << t.error().message << "\n";
      return 2;
    }
    taxonomy = std::move(*t);
  }
  cc::AnalyzerOptions options;
  options.taxonomy = &taxonomy;
  options.max_retries = o.max_retries;
  options.chat.max_tokens = o.max_tokens;
  options.chat.temperature = o.temperature;
  options.chat.seed = o.seed;

  std::unique_ptr<llm::Engine> engine;
  cc::ChatFn chat;
  if (!o.no_llm && !o.model.empty()) {
    auto model = llm::Model::load(o.model);
    if (!model) {
      std::cerr << "error: --model: " << model.error().message << "\n";
      return 1;
    }
    llm::EngineConfig config;
    config.max_sequences = 1;
    config.n_ctx = o.ctx;
    config.kv_budget_tokens = o.ctx;
    config.max_tokens_per_step = 512;
    config.prefill_chunk = 512;
    const unsigned threads =
        o.threads != 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    config.workers = threads - 1;
    auto e = llm::Engine::create(std::move(*model), config);
    if (!e) {
      std::cerr << "error: " << e.error().message << "\n";
      return 1;
    }
    engine = std::make_unique<llm::Engine>(std::move(*e));
    auto fn = cc::make_engine_chat_fn(*engine, o.chat_template);
    if (!fn) {
      std::cerr << "error: --chat-template: " << fn.error().message << "\n";
      return 2;
    }
    chat = std::move(*fn);
    options.model_name = std::filesystem::path(o.model).filename().string();
  } else if (!o.no_llm && !o.api.empty()) {
    auto url = parse_api_url(o.api);
    if (!url) {
      std::cerr << "error: " << url.error().message << "\n";
      return 2;
    }
    chat = make_api_chat_fn(*url, o.api_key, o.api_model, o.timeout_s);
    options.model_name = o.api_model.empty() ? o.api : o.api_model + " @ " + o.api;
  }
  cc::CallAnalysis analysis = cc::analyze(*transcript, options, chat ? &chat : nullptr);
  const json doc = cc::to_json(analysis, *transcript, taxonomy);
  if (Status s = write_output(o.out, doc.dump(o.compact ? -1 : 2) + "\n"); !s) {
    std::cerr << "error: " << s.message() << "\n";
    return 1;
  }
  return 0;
}

// ---- load ----

struct LoadOptions {
  std::string dir;
  double rate = 1.0;
  std::string api;
  std::string api_key;
  double duration_s = 0.0;
  size_t requests = 0;
  unsigned clients = 8;
  uint64_t seed = 1;
  int timeout_s = 120;
  bool json_output = false;
  bool check_bodies = false;
  std::string out;
};

struct RequestResult {
  std::string status;  // HTTP status code, or the client error's name
  bool ok = false;     // 2xx
  bool body_valid = true;
  double latency_s = 0;  // send to full response
  double lag_s = 0;      // how late it was sent against the Poisson schedule
};

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  // Nearest rank.
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

int run_load(const LoadOptions& o) {
  if (!(o.rate > 0.0)) {
    std::cerr << "error: --rate: expected requests per second > 0\n";
    return 2;
  }
  if (o.clients == 0) {
    std::cerr << "error: --clients: expected at least 1\n";
    return 2;
  }
  auto url = parse_api_url(o.api);
  if (!url) {
    std::cerr << "error: " << url.error().message << "\n";
    return 2;
  }
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(o.dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      files.push_back(entry.path());
  }
  if (ec) {
    std::cerr << "error: DIR: cannot list " << o.dir << ": " << ec.message() << "\n";
    return 2;
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "error: DIR: no *.json transcripts in " << o.dir << "\n";
    return 2;
  }
  std::vector<std::string> bodies;
  for (const auto& f : files) {
    auto text = read_file(f.string());
    if (!text) {
      std::cerr << "error: " << text.error().message << "\n";
      return 1;
    }
    // Catch a broken file here rather than count it as server errors.
    if (auto t = cc::parse_transcript(*text); !t) {
      std::cerr << "warning: " << f.string() << ": " << t.error().message
                << " (sent anyway; expect HTTP 400)\n";
    }
    bodies.push_back(std::move(*text));
  }

  // Poisson arrivals: exponential gaps with mean 1 / rate.
  std::mt19937_64 rng(o.seed);
  std::exponential_distribution<double> gap(o.rate);
  std::vector<double> arrivals;
  constexpr size_t kMaxRequests = 1'000'000;
  if (o.requests > 0) {
    double t = 0.0;
    for (size_t k = 0; k < std::min(o.requests, kMaxRequests); ++k)
      arrivals.push_back(t += gap(rng));
  } else {
    const double duration = o.duration_s > 0.0 ? o.duration_s : 10.0;
    for (double t = gap(rng); t < duration && arrivals.size() < kMaxRequests; t += gap(rng)) {
      arrivals.push_back(t);
    }
  }
  const std::string path = url->prefix + "/v1/callcenter/analyze";
  std::vector<RequestResult> results(arrivals.size());
  std::atomic<size_t> next{0};
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < o.clients; ++w) {
    workers.emplace_back([&] {
      HttpConnection client(url->host, url->port, o.timeout_s);
      for (size_t k = next++; k < arrivals.size(); k = next++) {
        const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(arrivals[k]));
        std::this_thread::sleep_until(due);
        RequestResult& r = results[k];
        const auto sent = Clock::now();
        r.lag_s = std::chrono::duration<double>(sent - due).count();
        auto res = client.post(path, bodies[k % bodies.size()], o.api_key);
        r.latency_s = std::chrono::duration<double>(Clock::now() - sent).count();
        if (!res) {
          r.status = res.error().message;
          continue;
        }
        r.status = std::to_string(res->status);
        r.ok = res->status >= 200 && res->status < 300;
        if (r.ok && o.check_bodies) {
          json doc = json::parse(res->body, nullptr, false);
          r.body_valid = !doc.is_discarded() && cc::validate_analysis_json(doc).is_ok();
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  const double wall_s = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> ok_latency_ms;
  std::vector<double> lag_ms;
  std::map<std::string, size_t> by_status;
  size_t ok = 0;
  size_t invalid = 0;
  for (const RequestResult& r : results) {
    ++by_status[r.status];
    lag_ms.push_back(r.lag_s * 1e3);
    if (r.ok) {
      ++ok;
      ok_latency_ms.push_back(r.latency_s * 1e3);
      invalid += !r.body_valid;
    }
  }
  double mean = 0.0;
  for (double v : ok_latency_ms) mean += v;
  if (!ok_latency_ms.empty()) mean /= static_cast<double>(ok_latency_ms.size());

  json report = {
      {"target", url->origin + path},
      {"transcripts", bodies.size()},
      {"rate_rps", o.rate},
      {"clients", o.clients},
      {"seed", o.seed},
      {"requests", results.size()},
      {"ok", ok},
      {"errors", results.size() - ok},
      {"invalid_bodies", invalid},
      {"wall_s", wall_s},
      {"throughput_rps", wall_s > 0 ? static_cast<double>(ok) / wall_s : 0.0},
      {"latency_ms",
       {{"p50", percentile(ok_latency_ms, 0.50)},
        {"p90", percentile(ok_latency_ms, 0.90)},
        {"p99", percentile(ok_latency_ms, 0.99)},
        {"max", percentile(ok_latency_ms, 1.0)},
        {"mean", mean}}},
      {"schedule_lag_ms", {{"p99", percentile(lag_ms, 0.99)}, {"max", percentile(lag_ms, 1.0)}}},
      {"status_counts", by_status}};
  std::string text;
  if (o.json_output) {
    text = report.dump(2) + "\n";
  } else {
    char buf[512];
    std::snprintf(
        buf, sizeof buf,
        "callcenter load: %s, Poisson %.2f req/s, %u clients, %zu transcripts, seed %llu\n\n",
        report["target"].get<std::string>().c_str(), o.rate, o.clients, bodies.size(),
        static_cast<unsigned long long>(o.seed));
    text += buf;
    text +=
        "| requests |   ok | errors | wall s | ok req/s | p50 ms | p90 ms | p99 ms | max ms |\n";
    text +=
        "|---------:|-----:|-------:|-------:|---------:|-------:|-------:|-------:|-------:|\n";
    std::snprintf(
        buf, sizeof buf, "| %8zu | %4zu | %6zu | %6.2f | %8.2f | %6.1f | %6.1f | %6.1f | %6.1f |\n",
        results.size(), ok, results.size() - ok, wall_s, report["throughput_rps"].get<double>(),
        percentile(ok_latency_ms, 0.5), percentile(ok_latency_ms, 0.9),
        percentile(ok_latency_ms, 0.99), percentile(ok_latency_ms, 1.0));
    text += buf;
    text += "\nstatus:";
    for (const auto& [status, n] : by_status) text += " " + status + " x" + std::to_string(n);
    std::snprintf(buf, sizeof buf, "\nschedule lag: p99 %.1f ms, max %.1f ms (client saturation)\n",
                  percentile(lag_ms, 0.99), percentile(lag_ms, 1.0));
    text += buf;
    if (o.check_bodies) text += "invalid analysis bodies: " + std::to_string(invalid) + "\n";
  }
  if (Status s = write_output(o.out, text); !s) {
    std::cerr << "error: " << s.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

void add_callcenter_commands(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "callcenter", "Call-centre automation: analyse call transcripts, load-test the API");
  cmd->require_subcommand(1);

  auto ao = std::make_shared<AnalyzeOptions>();
  CLI::App* analyze = cmd->add_subcommand(
      "analyze",
      "Summary, intent, sentiment, PII redaction and agent assist of one transcript (JSON)");
  analyze->add_option("file", ao->file, "transcript JSON file")->required();
  auto* model = analyze->add_option("--model,-m", ao->model, "GGUF model for the local engine");
  auto* api =
      analyze->add_option("--api", ao->api, "OpenAI-compatible server, e.g. http://127.0.0.1:8080")
          ->excludes(model);
  analyze->add_option("--api-key", ao->api_key, "bearer token for --api")->needs(api);
  analyze->add_option("--api-model", ao->api_model, "model name sent to --api")->needs(api);
  analyze->add_option("--taxonomy", ao->taxonomy, "intent taxonomy JSON (default: built-in)");
  analyze
      ->add_option("--chat-template", ao->chat_template,
                   "llama2, llama3, chatml or ja-instruct for models without a template")
      ->needs(model);
  analyze->add_flag("--no-llm", ao->no_llm, "rules only (no model)")
      ->excludes(model)
      ->excludes(api);
  analyze->add_option("--max-retries", ao->max_retries, "model retries after invalid replies")
      ->capture_default_str();
  analyze->add_option("--max-tokens", ao->max_tokens, "tokens per model reply")
      ->capture_default_str();
  analyze->add_option("--temperature", ao->temperature, "sampling temperature")
      ->capture_default_str();
  analyze->add_option("--seed", ao->seed, "sampling seed")->capture_default_str();
  analyze->add_option("--ctx", ao->ctx, "context length of the local engine, tokens")
      ->capture_default_str();
  analyze->add_option("--threads", ao->threads, "threads of the local engine (0: all)");
  analyze->add_option("--timeout", ao->timeout_s, "seconds to wait for --api")
      ->capture_default_str();
  analyze->add_flag("--compact", ao->compact, "one-line JSON");
  analyze->add_option("--out,-o", ao->out, "write the JSON here instead of stdout");
  analyze->callback([ao] {
    const int rc = run_analyze(*ao);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });

  auto lo = std::make_shared<LoadOptions>();
  CLI::App* load = cmd->add_subcommand(
      "load", "Replay transcripts against POST {URL}/v1/callcenter/analyze at a Poisson rate");
  load->add_option("dir", lo->dir, "folder of transcript *.json files")->required();
  load->add_option("--rate", lo->rate, "mean arrival rate, requests per second")->required();
  load->add_option("--api", lo->api, "server, e.g. http://127.0.0.1:8080")->required();
  load->add_option("--api-key", lo->api_key, "bearer token");
  auto* dur = load->add_option("--duration", lo->duration_s, "seconds of arrivals (default 10)");
  load->add_option("--requests", lo->requests, "number of requests")->excludes(dur);
  load->add_option("--clients", lo->clients, "client threads (connections)")->capture_default_str();
  load->add_option("--seed", lo->seed, "seed of the arrival times")->capture_default_str();
  load->add_option("--timeout", lo->timeout_s, "seconds to wait for one response")
      ->capture_default_str();
  load->add_flag("--check", lo->check_bodies,
                 "validate every 2xx body against the analysis schema");
  load->add_flag("--json", lo->json_output, "print the report as JSON");
  load->add_option("--out,-o", lo->out, "write the report here instead of stdout");
  load->callback([lo] {
    const int rc = run_load(*lo);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });

  CLI::App* tax = cmd->add_subcommand("taxonomy", "Print the built-in intent taxonomy (JSON)");
  tax->callback([] {
    const std::string_view t = cc::default_taxonomy_json();
    std::fwrite(t.data(), 1, t.size(), stdout);
    std::printf("\n");
  });
}

}  // namespace airan::cli
