#pragma once
// A small HTTP/1.1 server and client over POSIX sockets, enough for the OpenAI-compatible API on
// a node: request bodies with Content-Length (and `Expect: 100-continue`), responses with
// Content-Length or chunked transfer (server-sent events), one request per connection
// (`Connection: close`), a fixed pool of handler threads, a body size limit checked before the
// body is read, and detection of a client that went away (for cancelling its generation).
// Written here because Debian's cpp-httplib package ships its implementation only as a shared
// library built with OpenSSL, zlib and brotli.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "airan/common/expected.h"

namespace airan::serve {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// A parsed request. Header names are lower-case.
struct HttpRequest {
  std::string method;  ///< "GET", "POST", ...
  std::string path;    ///< the target without the query
  std::string query;   ///< after '?', "" when none
  HttpHeaders headers;
  std::string body;
  /// The first header named `name` (lower-case), "" when absent.
  std::string_view header(std::string_view name) const;
};

/// The response side of one request, given to a handler.
class HttpExchange {
 public:
  virtual ~HttpExchange() = default;
  /// Sends a whole response. Returns false when the client is gone.
  virtual bool send(int status, std::string_view content_type, std::string_view body,
                    const HttpHeaders& extra = {}) = 0;
  /// Starts a chunked response (e.g. text/event-stream); then write() pieces. Returns false when
  /// the client is gone.
  virtual bool begin_stream(int status, std::string_view content_type,
                            const HttpHeaders& extra = {}) = 0;
  /// Writes one piece of a chunked response. Returns false when the client is gone.
  virtual bool write(std::string_view data) = 0;
  /// True when the client closed its side or the connection failed (checked without blocking).
  virtual bool client_gone() = 0;
  /// True once the server is stopping; long handlers should finish.
  virtual bool server_stopping() const = 0;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpExchange&)>;

/// Server settings.
struct HttpServerConfig {
  std::string host = "127.0.0.1";               ///< IPv4 address to bind ("0.0.0.0": all)
  uint16_t port = 8080;                         ///< 0: any free port (see HttpServer::port())
  size_t max_body_bytes = 1 << 20;              ///< larger bodies get 413 before they are read
  size_t max_header_bytes = 64 << 10;           ///< request line + headers
  unsigned threads = 16;                        ///< handler threads (open streams each hold one)
  std::chrono::milliseconds io_timeout{10000};  ///< per read / write while receiving or sending
};

/// An HTTP server that gives every request to one handler.
class HttpServer {
 public:
  /// `handler` gets every well-formed request; `error_body(status, message)` makes the body
  /// (application/json) of responses the server writes itself (400, 411, 413, 431, 503).
  HttpServer(HttpServerConfig config, HttpHandler handler,
             std::function<std::string(int, std::string_view)> error_body);
  /// Stops the server.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and listens, then serves on background threads. Error: bad host, port in use.
  Status start();
  /// The bound port (after start()).
  uint16_t port() const;
  /// Stops accepting, lets running handlers see server_stopping(), waits for them (any thread
  /// but a handler's; idempotent).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A response received by http_request().
struct HttpClientResponse {
  int status = 0;
  HttpHeaders headers;  ///< names lower-case
  std::string body;     ///< the whole body (when no on_body callback consumed it)
  std::string_view header(std::string_view name) const;
};

/// Options of one client request.
struct HttpClientRequest {
  std::string method = "GET";
  std::string path = "/";
  std::string body;
  std::string content_type = "application/json";
  HttpHeaders headers;
  std::chrono::milliseconds timeout{30000};  ///< per read / write
  /// Called with each piece of the (de-chunked) body as it arrives, instead of collecting it;
  /// returning false closes the connection at once (a client that goes away).
  std::function<bool(std::string_view)> on_body;
};

/// Sends one request to host:port over a new connection and reads the response. Error:
/// connection refused, timeout, or a malformed response (what was wrong).
Expected<HttpClientResponse> http_request(const std::string& host, uint16_t port,
                                          const HttpClientRequest& request);

/// The reason phrase of a status code ("OK", "Too Many Requests", ...).
std::string_view http_reason(int status);

}  // namespace airan::serve
