#pragma once
// The connection policy every nmtd gRPC server (worker, front) applies.
#include <grpcpp/grpcpp.h>

#include <cstddef>

namespace nmtd::rpc {

// Message bounds, no SO_REUSEPORT (a second instance on the same port fails loudly), and a
// keepalive policy that lets idle clients ping every 10 s without ever earning a GOAWAY.
void apply_server_policy(grpc::ServerBuilder& builder, std::size_t max_message_bytes);

}  // namespace nmtd::rpc
