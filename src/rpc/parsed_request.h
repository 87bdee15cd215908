#pragma once
// Requests whose bytes do not parse get INVALID_ARGUMENT saying why, not what gRPC gives them.
//
// gRPC C++ 1.51's callback handlers answer a unary request that fails to deserialize with
// UNIMPLEMENTED and an empty message, and end a stream's reads as if the client had closed its
// side, so a bad message in a stream silently ends it. Protobuf refuses invalid UTF-8 in a
// proto3 `string`, so a text with a stray byte is such a request. The services therefore read
// requests as Parsed<T>, whose deserialization never fails but records why the bytes are not a
// T, and answer that themselves: a unary call with INVALID_ARGUMENT, a stream message in band.
#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace nmtd::rpc {

template <class Message>
struct Parsed {
  Message message;
  std::string error;  // empty: `message` is what the client sent; else why its bytes are not one
  bool ok() const { return error.empty(); }
};

// Why `bytes` do not parse as a `type`: not wire format, or which string field (nested ones
// named by path, repeated ones by index) holds invalid UTF-8.
std::string why_unparsable(const google::protobuf::Descriptor& type, std::string_view bytes);

// INVALID_ARGUMENT "the request is not a valid <type>: <error>".
grpc::Status unparsable_status(const google::protobuf::Descriptor& type, const std::string& error);

// The index of a method ("nmt.v1.Translator.Translate") in its generated service: the order
// in which the generated CallbackService adds them. Aborts on an unknown name (a typo).
int method_index(const std::string& full_method_name);

void read_all(grpc::ByteBuffer& buffer, std::string& out);

// A generated CallbackService whose methods read Parsed<Request>: each derived service names
// the methods it serves this way in its constructor.
template <class Service>
class ParseChecked : public Service {
 protected:
  template <class Request, class Response>
  using UnaryHandler = std::function<grpc::ServerUnaryReactor*(grpc::CallbackServerContext*,
                                                               const Request*, Response*)>;
  template <class Request, class Response>
  using StreamOpener = std::function<grpc::ServerBidiReactor<Parsed<Request>, Response>*(
      grpc::CallbackServerContext*)>;

  // A unary method: requests that parse go to `handler`, the others are answered
  // unparsable_status() after on_unparsable() has seen them.
  template <class Request, class Response>
  void serve_unary(const std::string& full_method_name, UnaryHandler<Request, Response> handler) {
    auto checked = [this, handler = std::move(handler)](
                       grpc::CallbackServerContext* ctx, const Parsed<Request>* request,
                       Response* response) -> grpc::ServerUnaryReactor* {
      if (request->ok()) return handler(ctx, &request->message, response);
      auto* reactor = ctx->DefaultReactor();
      const grpc::Status status = unparsable_status(*Request::descriptor(), request->error);
      on_unparsable(ctx, status);
      reactor->Finish(status);
      return reactor;
    };
    // The service owns its handlers (grpc::Service keeps them in unique_ptrs).
    this->MarkMethodCallback(
        method_index(full_method_name),
        std::make_unique<grpc::internal::CallbackUnaryHandler<Parsed<Request>, Response>>(
            std::move(checked))
            .release());
  }

  // A bidi stream: its reactor reads Parsed<Request> and answers a bad message itself.
  template <class Request, class Response>
  void serve_stream(const std::string& full_method_name, StreamOpener<Request, Response> open) {
    this->MarkMethodCallback(
        method_index(full_method_name),
        std::make_unique<grpc::internal::CallbackBidiHandler<Parsed<Request>, Response>>(
            std::move(open))
            .release());
  }

  // A unary request that did not parse, about to be answered `status` (metrics, a log line).
  virtual void on_unparsable(grpc::CallbackServerContext*, const grpc::Status&) {}
};

}  // namespace nmtd::rpc

namespace grpc {

// Never fails: a request that does not parse becomes a Parsed<Message> with its error set.
template <class Message>
class SerializationTraits<nmtd::rpc::Parsed<Message>, void> {
 public:
  static Status Serialize(const nmtd::rpc::Parsed<Message>& parsed, ByteBuffer* buffer,
                          bool* own_buffer) {
    return SerializationTraits<Message>::Serialize(parsed.message, buffer, own_buffer);
  }

  static Status Deserialize(ByteBuffer* buffer, nmtd::rpc::Parsed<Message>* parsed) {
    parsed->error.clear();
    if (buffer == nullptr) {
      parsed->message.Clear();
      parsed->error = "no message came";
      return Status::OK;
    }
    bool ok = false;
    {
      ProtoBufferReader reader(buffer);
      ok = reader.status().ok() && parsed->message.ParseFromZeroCopyStream(&reader);
    }
    if (!ok) {
      parsed->message.Clear();
      std::string bytes;
      nmtd::rpc::read_all(*buffer, bytes);
      parsed->error = nmtd::rpc::why_unparsable(*Message::descriptor(), bytes);
    }
    // As GenericDeserialize does: the handler releases the buffer without freeing it.
    buffer->Clear();
    return Status::OK;
  }
};

}  // namespace grpc
