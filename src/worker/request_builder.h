#pragma once
// Turns a nmt.v1 request into what the batcher needs, or into the INVALID_ARGUMENT a person
// can act on: which text, which limit, which option. Runs on gRPC threads: it tokenizes but
// never touches the engine.
#include <grpcpp/support/status.h>

#include <memory>
#include <string>

#include "engine/text/tokenizer.h"
#include "engine/translator.h"
#include "nmt/v1/translator.pb.h"
#include "worker/worker_config.h"

namespace nmtd::worker {

// Options from the request over the worker's defaults. Throws InvalidArgument naming the option.
TranslationOptions options_from_proto(const nmt::v1::DecodingOptions& proto,
                                      const TranslationOptions& defaults);

struct CheckedRequest {
  std::shared_ptr<const TranslationOptions> options;
  std::string batch_key;  // equal for requests whose texts may share an engine batch
};

// Checks counts, sizes, UTF-8, languages and options, these against the model's bounds too
// (not token counts: see source_tokens).
grpc::Status check_request(const nmt::v1::TranslateRequest& request, const WorkerConfig& config,
                           const nmtd::Translator& translator, CheckedRequest& out);

// The source tokens of text `index`, or INVALID_ARGUMENT when over limits.max_text_tokens.
grpc::Status source_tokens(const NllbTokenizer& tokenizer, const std::string& text,
                           std::size_t index, const std::string& source_language,
                           const TranslationOptions& options, const Limits& limits,
                           std::vector<std::string>& out);

}  // namespace nmtd::worker
