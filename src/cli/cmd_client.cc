// `nmtd client`: a small nmt.v1 client for people and scripts — translate, list languages,
// show status, check health — against a worker (or, later, the front).
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/flags.h"
#include "common/error.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "nmt/v1/translator.grpc.pb.h"

namespace nmtd::cli {
namespace {

Flags client_flags() {
  Flags f("client",
          "[--server ADDR] translate --source LANG --target LANG [OPTIONS] TEXT...\n"
          "   or: nmtd client [--server ADDR] languages | status | health\n"
          "Talks nmt.v1 to a worker or front. ADDR is unix:PATH or HOST:PORT "
          "(default 127.0.0.1:50051). `status` prints GetStatus as JSON.");
  f.value("server", "unix:PATH or HOST:PORT", "127.0.0.1:50051")
      .value("source", "source language (NLLB code)")
      .value("target", "target language (NLLB code)")
      .value("beam-size", "beam width")
      .value("max-decoding-length", "output tokens at most")
      .value("num-hypotheses", "n-best")
      .value("sampling-topk", "draw each token from the K most probable (1: no sampling, 0: all)")
      .value("sampling-topp", "draw from the most probable tokens holding this mass, (0, 1]")
      .value("sampling-temperature", "divide the logits by this before drawing, > 0")
      .value("sampling-seed", "seed of the draws: the same seed gives the same translations")
      .value("min-alternative-expansion-prob", "leave out alternatives less probable than this")
      .toggle("return-alternatives", "num-hypotheses translations differing at the first token")
      .value("deadline-ms", "call deadline", "30000")
      .toggle("return-scores", "print each score before its text (tab-separated)");
  return f;
}

std::string to_json(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

int fail(const grpc::Status& status) {
  std::fprintf(stderr, "nmtd client: %d %s\n", static_cast<int>(status.error_code()),
               status.error_message().c_str());
  return 1;
}

}  // namespace

int cmd_client(const Args& args) {
  Flags f = client_flags();
  if (!f.parse(args)) return 0;
  if (f.positional().empty())
    throw InvalidArgument("which action? translate, languages, status or health");
  const std::string action = f.positional().front();
  auto channel = grpc::CreateChannel(f.get("server"), grpc::InsecureChannelCredentials());
  auto stub = nmt::v1::Translator::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(f.get_int("deadline-ms")));
  if (action == "translate") {
    nmt::v1::TranslateRequest request;
    request.set_source_language(f.get("source"));
    request.set_target_language(f.get("target"));
    for (std::size_t i = 1; i < f.positional().size(); ++i) request.add_texts(f.positional()[i]);
    if (request.texts_size() == 0) {  // no TEXT: one per line of standard input
      std::string line;
      while (std::getline(std::cin, line)) request.add_texts(line);
    }
    auto* o = request.mutable_options();
    if (f.has("beam-size")) o->set_beam_size(f.get_int("beam-size"));
    if (f.has("max-decoding-length")) o->set_max_decoding_length(f.get_int("max-decoding-length"));
    if (f.has("num-hypotheses")) o->set_num_hypotheses(f.get_int("num-hypotheses"));
    o->set_return_scores(f.on("return-scores"));
    if (f.has("sampling-topk")) o->set_sampling_topk(f.get_int("sampling-topk"));
    if (f.has("sampling-topp"))
      o->set_sampling_topp(static_cast<float>(f.get_double("sampling-topp")));
    if (f.has("sampling-temperature"))
      o->set_sampling_temperature(static_cast<float>(f.get_double("sampling-temperature")));
    if (f.has("sampling-seed")) {
      const std::string seed = f.get("sampling-seed");
      uint64_t value = 0;
      const auto [end, ec] = std::from_chars(seed.data(), seed.data() + seed.size(), value);
      if (ec != std::errc() || end != seed.data() + seed.size())
        throw InvalidArgument("--sampling-seed must be an integer >= 0, got '" + seed + "'");
      o->set_sampling_seed(value);
    }
    if (f.on("return-alternatives")) o->set_return_alternatives(true);
    if (f.has("min-alternative-expansion-prob"))
      o->set_min_alternative_expansion_prob(
          static_cast<float>(f.get_double("min-alternative-expansion-prob")));
    nmt::v1::TranslateResponse response;
    const auto status = stub->Translate(&ctx, request, &response);
    if (!status.ok()) return fail(status);
    for (const auto& t : response.translations()) {
      for (const auto& h : t.hypotheses()) {
        if (f.on("return-scores")) std::printf("%.6f\t", h.score());
        std::printf("%s\n", h.text().c_str());
      }
    }
    return 0;
  }
  if (action == "languages") {
    nmt::v1::ListLanguagesResponse response;
    const auto status = stub->ListLanguages(&ctx, {}, &response);
    if (!status.ok()) return fail(status);
    for (const auto& code : response.languages()) std::printf("%s\n", code.c_str());
    return 0;
  }
  if (action == "status") {
    nmt::v1::GetStatusResponse response;
    const auto status = stub->GetStatus(&ctx, {}, &response);
    if (!status.ok()) return fail(status);
    std::printf("%s", to_json(response).c_str());
    return 0;
  }
  if (action == "health") {
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::health::v1::HealthCheckResponse response;
    const auto status = health->Check(&ctx, {}, &response);
    if (!status.ok()) return fail(status);
    std::printf(
        "%s\n",
        grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()).c_str());
    return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 3;
  }
  throw InvalidArgument("unknown action '" + action + "' (translate, languages, status, health)");
}

}  // namespace nmtd::cli
