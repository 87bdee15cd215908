#pragma once
// `--listen` values: unix:PATH, HOST:PORT, or PORT alone (bound to 127.0.0.1, never to every
// interface by default).
#include <string>

namespace nmtd::worker {

struct ListenAddress {
  std::string grpc_uri;   // what grpc::ServerBuilder::AddListeningPort takes
  std::string unix_path;  // non-empty for unix sockets
};

// Throws InvalidArgument for a malformed value.
ListenAddress parse_listen_address(const std::string& value);

// gRPC removes whatever file is at a unix socket's path before binding, which would let a
// second worker silently steal the first one's socket. Refuse when a server answers there;
// remove a stale socket left by a dead process. Throws Error when in use.
void claim_unix_socket_path(const std::string& path);

}  // namespace nmtd::worker
