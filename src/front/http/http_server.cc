#include "front/http/http_server.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/error.h"
#include "front/http/bounded_server.h"
#include "front/http/loggable.h"
#include "front/http/request_body.h"

namespace nmtd::http {
namespace {

using HandlerResponse = httplib::Server::HandlerResponse;

bool reads_body(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

void validate(const HttpServerConfig& c) {
  const auto fail = [](const std::string& what) { throw InvalidArgument("http server: " + what); };
  if (c.threads < 1 || c.control_threads < 1) fail("threads must be at least 1");
  if (c.max_connections < 1 || c.max_connections_per_address < 1) {
    fail("max_connections and max_connections_per_address must be at least 1");
  }
  if (c.port < 0 || c.port > 65535) fail("port must be 0-65535, not " + std::to_string(c.port));
  if (c.max_body_bytes == 0 || c.max_header_bytes < 1024) {
    fail("max_body_bytes must be positive and max_header_bytes at least 1024");
  }
  using std::chrono::milliseconds;
  for (const milliseconds t :
       {c.read_timeout, c.write_timeout, c.idle_timeout, c.request_timeout, c.header_timeout}) {
    if (t <= milliseconds::zero()) fail("timeouts must be positive");
  }
  if (c.max_requests_per_connection == 0) fail("max_requests_per_connection must be positive");
}

std::string host_port(const std::string& host, int port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// httplib routes by std::regex; a literal pattern keeps matching linear and shallow (libstdc++
// recurses once per character of a `.*` match, which overflows the stack on long paths).
std::string literal_pattern(const std::string& path) {
  std::string out;
  for (const char c : path) {
    if (std::string_view("^$\\.*+?()[]{}|").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

HttpRequest to_request(const httplib::Request& req) {
  HttpRequest out;
  out.method = req.method;
  out.path = req.path;
  out.remote_addr = req.remote_addr;
  for (const auto& [name, value] : req.headers) {
    // httplib adds these as headers; they are not the client's.
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
        name == "LOCAL_PORT" || name == BoundedServer::kConnectionMark) {
      continue;
    }
    out.headers.emplace(name, value);
  }
  out.params.insert(req.params.begin(), req.params.end());
  out.client_gone = BoundedServer::hang_up_probe(req);
  return out;
}

void apply(const HttpResponse& from, httplib::Response& res) {
  res.status = from.status;
  for (const auto& [name, value] : from.headers) res.set_header(name, value);
  res.set_content(from.body, from.content_type);
}

// An answer after which the body's end on the wire is unknown (it was not read, or not to its
// end): BoundedServer closes the connection, and the client is told so.
HttpResponse closing(HttpResponse response) {
  response.headers.emplace_back("Connection", "close");
  return response;
}

}  // namespace

struct HttpServer::Impl {
  struct Resolved {
    const Handler* handler = nullptr;
    HttpResponse error;  // when handler is null
  };

  Impl(HttpServerConfig c, Logger& l) : config(std::move(c)), log(l) {
    validate(config);
    server = std::make_unique<BoundedServer>(config, log);
  }

  Resolved resolve(const std::string& method, const std::string& path) const;
  HttpResponse call(const Handler& handler, const HttpRequest& request) const;
  void install();

  HttpServerConfig config;
  Logger& log;
  std::map<std::string, std::map<std::string, Handler>> routes;  // path -> method -> handler
  std::set<std::pair<std::string, std::string>> control_routes;  // (method, path) on kControl
  std::mutex lifecycle;
  bool installed = false;
  bool started = false;
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> listen_returned{false};
  std::unique_ptr<BoundedServer> server;
  std::jthread acceptor;  // after `server`: joined (by stop()) before it is destroyed
};

HttpServer::Impl::Resolved HttpServer::Impl::resolve(const std::string& method,
                                                     const std::string& path) const {
  Resolved r;
  const auto route = routes.find(path);
  if (route == routes.end()) {
    r.error = HttpResponse::error(404, reason_phrase(404));
    return r;
  }
  const auto& methods = route->second;
  const auto it = methods.find(method == "HEAD" ? "GET" : method);
  if (it != methods.end()) {
    r.handler = &it->second;
    return r;
  }
  std::string allow;
  for (const auto& [name, handler] : methods) {
    allow += (allow.empty() ? "" : ", ") + name;
    if (name == "GET") allow += ", HEAD";
  }
  r.error = HttpResponse::error(
      405, std::string(reason_phrase(405)) + ": " + path + " takes " + allow + ", not " + method);
  r.error.headers.emplace_back("Allow", allow);
  return r;
}

HttpResponse HttpServer::Impl::call(const Handler& handler, const HttpRequest& request) const {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    log.error("http: handler for {} {} threw: {}", loggable(request.method), loggable(request.path),
              e.what());
  } catch (...) {
    log.error("http: handler for {} {} threw an unknown exception", loggable(request.method),
              loggable(request.path));
  }
  return HttpResponse::error(500, reason_phrase(500));
}

void HttpServer::Impl::install() {
  server->set_control_route([this](const std::string& method, const std::string& path) {
    return control_routes.contains({method == "HEAD" ? "GET" : method, path});
  });

  // Everything but bodies is decided here, before httplib reads a byte of body: unknown paths
  // and methods cost nothing, and GET, HEAD, OPTIONS never touch httplib's regex router.
  server->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    const Resolved r = resolve(req.method, req.path);
    if (r.handler == nullptr) {
      apply(r.error, res);
      return HandlerResponse::Handled;
    }
    if (reads_body(req.method)) return HandlerResponse::Unhandled;  // a body route below
    apply(call(*r.handler, to_request(req)), res);
    return HandlerResponse::Handled;
  });

  // Routes with a body read it through a ContentReader, so that request_body.cc bounds it.
  for (const auto& [path, methods] : routes) {
    for (const auto& [method, handler] : methods) {
      if (!reads_body(method)) continue;
      httplib::Server::HandlerWithContentReader h =
          [this, &handler](const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader& reader) {
            HttpRequest request = to_request(req);
            if (const auto error = read_body(req, reader, config.max_body_bytes, request)) {
              apply(closing(HttpResponse::error(error->status, error->message)), res);
              return;
            }
            apply(call(handler, request), res);
          };
      const std::string pattern = literal_pattern(path);
      if (method == "POST") server->Post(pattern, std::move(h));
      if (method == "PUT") server->Put(pattern, std::move(h));
      if (method == "PATCH") server->Patch(pattern, std::move(h));
      if (method == "DELETE") server->Delete(pattern, std::move(h));
    }
  }

  // Answer "Expect: 100-continue" with the final error at once, so that no client sends a body
  // only to have it refused; whether it sends it anyway is its choice, so the connection closes.
  server->set_expect_100_continue_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        const Resolved r = resolve(req.method, req.path);
        HttpResponse refusal = r.error;
        const auto length = content_length(req);
        if (r.handler != nullptr && length && *length > config.max_body_bytes) {
          refusal = HttpResponse::error(413, reason_phrase(413));
        } else if (r.handler != nullptr) {
          return 100;
        }
        apply(closing(refusal), res);
        return refusal.status;
      });

  // Errors httplib answers itself (400 unparsable, 413, 414...) get the same JSON shape.
  server->set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return HandlerResponse::Unhandled;
        const HttpResponse e = HttpResponse::error(res.status, reason_phrase(res.status));
        res.set_content(e.body, e.content_type);
        return HandlerResponse::Handled;
      }));
  server->set_exception_handler(
      [this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          log.error("http: {} {} failed: {}", loggable(req.method), loggable(req.path), e.what());
        } catch (...) {
          log.error("http: {} {} failed with an unknown exception", loggable(req.method),
                    loggable(req.path));
        }
        apply(HttpResponse::error(500, reason_phrase(500)), res);
      });
}

HttpServer::HttpServer(HttpServerConfig config, Logger& log)
    : impl_(std::make_unique<Impl>(std::move(config), log)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(const std::string& method, const std::string& path, Handler handler,
                       Lane lane) {
  std::lock_guard lock(impl_->lifecycle);
  if (impl_->started) throw Error("http server: routes must be added before start()");
  if (path.empty() || path.front() != '/') {
    throw InvalidArgument("http route \"" + path + "\" must start with '/'");
  }
  if (method.empty() || method == "HEAD" || !handler) {
    throw InvalidArgument("http route " + path + ": needs a method other than HEAD and a handler");
  }
  if (!impl_->routes[path].emplace(method, std::move(handler)).second) {
    throw InvalidArgument("http route " + method + " " + path + " is already taken");
  }
  if (lane == Lane::kControl) impl_->control_routes.emplace(method, path);
}

int HttpServer::start() {
  std::lock_guard lock(impl_->lifecycle);
  Impl& i = *impl_;
  if (i.started) throw Error("http server: start() called twice");
  if (!i.installed) i.install();  // once, even when a failed bind is retried
  i.installed = true;
  errno = 0;
  const int port =
      i.config.port == 0
          ? i.server->bind_to_any_port(i.config.host)
          : (i.server->bind_to_port(i.config.host, i.config.port) ? i.config.port : -1);
  if (port < 0) {
    const int err = errno;
    throw IoError("cannot listen on " + host_port(i.config.host, i.config.port) + ": " +
                  (err != 0 ? std::strerror(err) : "cannot bind or resolve the address"));
  }
  // Accepting is quick (the head reader takes each connection), so the backlog only has to
  // absorb bursts; the kernel caps it at net.core.somaxconn.
  i.server->set_backlog(
      static_cast<int>(std::clamp<std::size_t>(i.config.max_connections, 16, 4096)));
  i.started = true;
  i.acceptor = std::jthread([&i, port] {
    i.server->mark_acceptor_thread();
    i.server->listen_after_bind();
    i.listen_returned = true;
    if (!i.stop_requested) {
      i.log.error("http: stopped accepting connections on {} without being asked to",
                  host_port(i.config.host, port));
    }
  });
  // httplib's stop() only acts once listening has begun: wait for it, so stop() always works.
  while (!i.server->is_running() && !i.listen_returned) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  i.log.info("http: listening on {} ({} threads, {} requests may wait, {} connections open)",
             host_port(i.config.host, port), i.config.threads, i.config.max_pending_connections,
             i.config.max_connections);
  return port;
}

void HttpServer::stop() {
  std::lock_guard lock(impl_->lifecycle);
  Impl& i = *impl_;
  if (!i.acceptor.joinable()) return;
  i.stop_requested = true;
  i.server->stop();
  i.acceptor.join();
  i.log.info("http: stopped ({} requests served, {} connections refused)",
             i.server->stats().requests, i.server->stats().refused_connections);
}

HttpServerStats HttpServer::stats() const { return impl_->server->stats(); }

}  // namespace nmtd::http
