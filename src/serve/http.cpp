#include "airan/serve/http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

namespace airan::serve {
namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return r;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string_view find_header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

// Waits for `events` on `fd`; false on timeout or error.
bool wait_fd(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

bool send_all(int fd, std::string_view data, std::chrono::milliseconds timeout) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_fd(fd, POLLOUT, timeout)) return false;
      continue;
    }
    return false;
  }
  return true;
}

// Buffered reads from a socket with a per-read timeout.
class Reader {
 public:
  // `stop_fd` (optional): a descriptor that becomes readable when reading should give up.
  Reader(int fd, std::chrono::milliseconds timeout, int stop_fd = -1)
      : fd_(fd), timeout_(timeout), stop_fd_(stop_fd) {}

  // Reads more into the buffer: > 0 bytes read, 0 end of stream, -1 error, timeout or stop.
  ssize_t fill() {
    if (stop_fd_ >= 0) {
      pollfd p[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      int r;
      while ((r = ::poll(p, 2, static_cast<int>(timeout_.count()))) < 0 && errno == EINTR) {
      }
      if (r <= 0 || p[1].revents != 0) return -1;
    } else if (!wait_fd(fd_, POLLIN, timeout_)) {
      return -1;
    }
    char tmp[16384];
    for (;;) {
      const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) buf_.append(tmp, static_cast<size_t>(n));
      return n;
    }
  }
  // The buffer up to and including the first "\r\n\r\n" (at most `limit` bytes), consumed.
  // Error codes: 0 end of stream or timeout, -1 too long.
  int read_head(std::string& head, size_t limit) {
    for (;;) {
      const size_t end = buf_.find("\r\n\r\n", pos_);
      if (end != std::string::npos) {
        if (end + 4 - pos_ > limit) return -1;
        head = buf_.substr(pos_, end + 4 - pos_);
        pos_ = end + 4;
        return 1;
      }
      if (buf_.size() - pos_ > limit) return -1;
      if (fill() <= 0) return 0;
    }
  }
  // Exactly `n` bytes into `out` (appended). False on end of stream or timeout.
  bool read_exact(size_t n, std::string& out) {
    while (buf_.size() - pos_ < n) {
      if (fill() <= 0) return false;
    }
    out.append(buf_, pos_, n);
    pos_ += n;
    compact();
    return true;
  }
  // One CRLF-terminated line, without the CRLF.
  bool read_line(std::string& line, size_t limit) {
    for (;;) {
      const size_t end = buf_.find("\r\n", pos_);
      if (end != std::string::npos) {
        line = buf_.substr(pos_, end - pos_);
        pos_ = end + 2;
        return true;
      }
      if (buf_.size() - pos_ > limit || fill() <= 0) return false;
    }
  }
  // Whatever is buffered, consumed.
  std::string take() {
    std::string r = buf_.substr(pos_);
    buf_.clear();
    pos_ = 0;
    return r;
  }

 private:
  void compact() {
    if (pos_ > 65536) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
  }
  int fd_;
  std::chrono::milliseconds timeout_;
  int stop_fd_;
  std::string buf_;
  size_t pos_ = 0;
};

// Splits "Name: value" lines after the first line of `head` into lower-case names and values.
bool parse_headers(std::string_view head, HttpHeaders& out, std::string_view& first_line) {
  size_t eol = head.find("\r\n");
  if (eol == std::string_view::npos) return false;
  first_line = head.substr(0, eol);
  size_t pos = eol + 2;
  while (pos < head.size()) {
    eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos || eol == pos) break;
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    out.emplace_back(lower(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
  }
  return true;
}

bool parse_size(std::string_view s, size_t& out, int base = 10) {
  s = trim(s);
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string status_head(int status, std::string_view content_type, const HttpHeaders& extra) {
  std::string h = "HTTP/1.1 " + std::to_string(status) + " " + std::string(http_reason(status)) +
                  "\r\nContent-Type: " + std::string(content_type) + "\r\nConnection: close\r\n";
  for (const auto& [k, v] : extra) h += k + ": " + v + "\r\n";
  return h;
}

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const {
  return find_header(headers, name);
}

std::string_view HttpClientResponse::header(std::string_view name) const {
  return find_header(headers, name);
}

std::string_view http_reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

// ---------------------------------------------------------------------------------------------
// Server

namespace {

class Exchange final : public HttpExchange {
 public:
  Exchange(int fd, std::chrono::milliseconds timeout, const std::atomic<bool>& stopping)
      : fd_(fd), timeout_(timeout), stopping_(stopping) {}

  bool send(int status, std::string_view content_type, std::string_view body,
            const HttpHeaders& extra) override {
    if (state_ != State::kNone) return false;
    state_ = State::kSent;
    std::string h = status_head(status, content_type, extra);
    h += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    h += body;
    return ok_ = send_all(fd_, h, timeout_);
  }
  bool begin_stream(int status, std::string_view content_type, const HttpHeaders& extra) override {
    if (state_ != State::kNone) return false;
    state_ = State::kStreaming;
    std::string h = status_head(status, content_type, extra);
    h += "Transfer-Encoding: chunked\r\nCache-Control: no-cache\r\n\r\n";
    return ok_ = send_all(fd_, h, timeout_);
  }
  bool write(std::string_view data) override {
    if (state_ != State::kStreaming || !ok_) return false;
    if (data.empty()) return true;  // an empty chunk would end the body
    char size[32];
    const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::string piece(size, static_cast<size_t>(n));
    piece += data;
    piece += "\r\n";
    return ok_ = send_all(fd_, piece, timeout_);
  }
  bool client_gone() override {
    if (!ok_) return true;
    pollfd p{fd_, static_cast<short>(POLLIN | POLLRDHUP), 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0;
  }
  bool server_stopping() const override { return stopping_.load(std::memory_order_acquire); }

  // Ends a chunked body; sends a 500 when the handler sent nothing.
  void finish() {
    if (state_ == State::kStreaming && ok_) {
      ok_ = send_all(fd_, "0\r\n\r\n", timeout_);
    } else if (state_ == State::kNone) {
      send(500, "text/plain", "the handler sent no response\n", {});
    }
  }

 private:
  enum class State { kNone, kSent, kStreaming };
  int fd_;
  std::chrono::milliseconds timeout_;
  const std::atomic<bool>& stopping_;
  State state_ = State::kNone;
  bool ok_ = true;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerConfig config;
  HttpHandler handler;
  std::function<std::string(int, std::string_view)> error_body;
  int listen_fd = -1;
  int wake_pipe[2] = {-1, -1};
  uint16_t port = 0;
  std::atomic<bool> stopping{false};
  std::thread acceptor;
  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable queued;
  std::deque<int> connections;
  bool started = false;

  void accept_loop() {
    while (!stopping.load(std::memory_order_acquire)) {
      pollfd p[2] = {{listen_fd, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
      const int r = ::poll(p, 2, -1);
      if (r < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (p[1].revents) break;
      if (!(p[0].revents & POLLIN)) continue;
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::lock_guard lock(mutex);
      connections.push_back(fd);
      queued.notify_one();
    }
  }

  void worker_loop() {
    for (;;) {
      int fd;
      {
        std::unique_lock lock(mutex);
        queued.wait(lock, [&] { return !connections.empty() || stopping.load(); });
        if (connections.empty()) return;
        fd = connections.front();
        connections.pop_front();
      }
      if (stopping.load(std::memory_order_acquire)) {
        reply_error(fd, 503, "the server is shutting down");
      } else {
        serve_connection(fd);
      }
      ::close(fd);
    }
  }

  void reply_error(int fd, int status, std::string_view message) {
    std::string body = error_body(status, message);
    std::string h = status_head(status, "application/json", {});
    h += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    send_all(fd, h, config.io_timeout);
  }

  // After an early error reply: stop writing and read what the client still sends for a moment,
  // so closing does not reset the connection before the client has read the reply.
  void linger(int fd) {
    ::shutdown(fd, SHUT_WR);
    char tmp[16384];
    const auto until = Clock::now() + std::chrono::milliseconds(500);
    while (Clock::now() < until && wait_fd(fd, POLLIN, std::chrono::milliseconds(100))) {
      if (::recv(fd, tmp, sizeof tmp, 0) <= 0) break;
    }
  }

  void serve_connection(int fd) {
    // The wake pipe stays readable once stop() wrote to it: a silent client does not hold
    // stop() for the read timeout.
    Reader reader(fd, config.io_timeout, wake_pipe[0]);
    std::string head;
    const int got = reader.read_head(head, config.max_header_bytes);
    if (got == 0) return;  // closed or silent
    if (got < 0) {
      reply_error(
          fd, 431,
          "request line and headers exceed " + std::to_string(config.max_header_bytes) + " bytes");
      linger(fd);
      return;
    }
    HttpRequest req;
    std::string_view first;
    if (!parse_headers(head, req.headers, first)) {
      reply_error(fd, 400, "malformed HTTP header line");
      linger(fd);
      return;
    }
    const size_t sp1 = first.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : first.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || first.substr(sp2 + 1).rfind("HTTP/1.", 0) != 0) {
      reply_error(fd, 400, "malformed HTTP request line");
      linger(fd);
      return;
    }
    req.method = std::string(first.substr(0, sp1));
    std::string_view target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    if (const size_t q = target.find('?'); q != std::string_view::npos) {
      req.query = std::string(target.substr(q + 1));
      target = target.substr(0, q);
    }
    req.path = std::string(target);

    if (!req.header("transfer-encoding").empty()) {
      reply_error(fd, 411, "chunked request bodies are not supported; send Content-Length");
      linger(fd);
      return;
    }
    size_t length = 0;
    if (auto cl = req.header("content-length"); !cl.empty() && !parse_size(cl, length)) {
      reply_error(fd, 400, "Content-Length: expected a number of bytes");
      linger(fd);
      return;
    }
    if (length > config.max_body_bytes) {
      reply_error(fd, 413,
                  "request body of " + std::to_string(length) + " bytes exceeds " +
                      std::to_string(config.max_body_bytes) + " bytes");
      linger(fd);
      return;
    }
    if (length > 0 && lower(req.header("expect")) == "100-continue") {
      if (!send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", config.io_timeout)) return;
    }
    if (length > 0 && !reader.read_exact(length, req.body)) return;

    Exchange ex(fd, config.io_timeout, stopping);
    try {
      handler(req, ex);
    } catch (const std::exception& e) {
      ex.send(500, "application/json", error_body(500, e.what()), {});
    }
    ex.finish();
  }
};

HttpServer::HttpServer(HttpServerConfig config, HttpHandler handler,
                       std::function<std::string(int, std::string_view)> error_body)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->handler = std::move(handler);
  impl_->error_body = std::move(error_body);
}

HttpServer::~HttpServer() {
  stop();
}

Status HttpServer::start() {
  Impl& s = *impl_;
  if (s.started) return Error{"the server is already started"};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(s.config.port);
  const std::string host = s.config.host == "localhost" ? "127.0.0.1" : s.config.host;
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return Error{"host: '" + s.config.host + "' is not an IPv4 address"};
  }
  if (s.config.threads == 0) return Error{"threads: expected at least 1"};
  s.listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s.listen_fd < 0) return Error{std::string("socket: ") + std::strerror(errno)};
  const int one = 1;
  ::setsockopt(s.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(s.listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(s.listen_fd, 128) != 0) {
    const std::string why = std::strerror(errno);
    ::close(s.listen_fd);
    s.listen_fd = -1;
    return Error{"port: cannot listen on " + s.config.host + ":" + std::to_string(s.config.port) +
                 ": " + why};
  }
  socklen_t len = sizeof addr;
  ::getsockname(s.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  s.port = ntohs(addr.sin_port);
  if (::pipe2(s.wake_pipe, O_CLOEXEC) != 0) {
    ::close(s.listen_fd);
    s.listen_fd = -1;
    return Error{std::string("pipe: ") + std::strerror(errno)};
  }
  s.started = true;
  s.stopping.store(false);
  s.acceptor = std::thread([&s] { s.accept_loop(); });
  for (unsigned i = 0; i < s.config.threads; ++i) {
    s.workers.emplace_back([&s] { s.worker_loop(); });
  }
  return Status::ok();
}

uint16_t HttpServer::port() const {
  return impl_->port;
}

void HttpServer::stop() {
  Impl& s = *impl_;
  if (!s.started) return;
  s.started = false;
  s.stopping.store(true, std::memory_order_release);
  const char c = 1;
  (void)!::write(s.wake_pipe[1], &c, 1);
  s.acceptor.join();
  {
    std::lock_guard lock(s.mutex);
    s.queued.notify_all();
  }
  for (auto& w : s.workers) w.join();
  s.workers.clear();
  ::close(s.listen_fd);
  ::close(s.wake_pipe[0]);
  ::close(s.wake_pipe[1]);
  s.listen_fd = s.wake_pipe[0] = s.wake_pipe[1] = -1;
}

// ---------------------------------------------------------------------------------------------
// Client

Expected<HttpClientResponse> http_request(const std::string& host, uint16_t port,
                                          const HttpClientRequest& request) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res) {
    return Error{"cannot resolve host '" + host + "'"};
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ::freeaddrinfo(res);
    return Error{std::string("socket: ") + std::strerror(errno)};
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  const int rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
  ::freeaddrinfo(res);
  if (rc != 0) {
    return Error{"connect to " + host + ":" + std::to_string(port) + ": " + std::strerror(errno)};
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  std::string out = request.method + " " + request.path + " HTTP/1.1\r\nHost: " + host + ":" +
                    std::to_string(port) + "\r\nConnection: close\r\n";
  if (!request.body.empty() || request.method == "POST") {
    out += "Content-Type: " + request.content_type +
           "\r\nContent-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  for (const auto& [k, v] : request.headers) out += k + ": " + v + "\r\n";
  out += "\r\n";
  out += request.body;
  // A server may answer early (413) and stop reading; the reply is still read below.
  (void)send_all(fd, out, request.timeout);

  Reader reader(fd, request.timeout);
  HttpClientResponse resp;
  std::string head;
  for (;;) {
    head.clear();
    if (reader.read_head(head, 1 << 20) <= 0) return Error{"no HTTP response head received"};
    resp.headers.clear();
    std::string_view first;
    if (!parse_headers(head, resp.headers, first) || first.rfind("HTTP/1.", 0) != 0 ||
        first.size() < 12) {
      return Error{"malformed HTTP status line"};
    }
    size_t code = 0;
    if (!parse_size(first.substr(9, 3), code)) return Error{"malformed HTTP status code"};
    resp.status = static_cast<int>(code);
    if (resp.status != 100) break;  // 100 Continue precedes the real response
  }
  auto emit = [&](std::string_view piece) {
    if (request.on_body) return request.on_body(piece);
    resp.body.append(piece);
    return true;
  };
  if (lower(resp.header("transfer-encoding")) == "chunked") {
    std::string line;
    for (;;) {
      if (!reader.read_line(line, 1024)) return Error{"chunked body cut short"};
      size_t size = 0;
      const std::string_view hex = std::string_view(line).substr(0, line.find(';'));
      if (!parse_size(hex, size, 16)) return Error{"malformed chunk size '" + line + "'"};
      if (size == 0) break;
      std::string piece;
      if (!reader.read_exact(size, piece) || !reader.read_line(line, 2)) {
        return Error{"chunked body cut short"};
      }
      if (!emit(piece)) return resp;
    }
  } else if (auto cl = resp.header("content-length"); !cl.empty()) {
    size_t length = 0;
    if (!parse_size(cl, length)) return Error{"malformed Content-Length"};
    std::string body;
    if (!reader.read_exact(length, body)) return Error{"body cut short"};
    emit(body);
  } else {
    for (;;) {
      std::string piece = reader.take();
      if (!piece.empty() && !emit(piece)) return resp;
      if (reader.fill() <= 0) break;
    }
  }
  return resp;
}

}  // namespace airan::serve
