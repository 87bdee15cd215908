#pragma once
// Turns a nmt.v1 ScoreRequest into token pairs for the batcher, or into the INVALID_ARGUMENT a
// person can act on, naming the item and the field. Runs on gRPC threads: it tokenizes but
// never touches the engine.
#include <grpcpp/support/status.h>

#include <string>
#include <vector>

#include "engine/translator.h"
#include "nmt/v1/translator.pb.h"
#include "worker/worker_config.h"

namespace nmtd::worker {

struct ScorePair {
  std::vector<std::string> source;  // [src_lang, pieces..., </s>]
  std::vector<std::string> target;  // [tgt_lang, pieces...]
};

struct CheckedScoreRequest {
  ScoringOptions options;
  std::vector<ScorePair> pairs;  // one per item
  std::string batch_key;         // equal for requests whose items may share an engine batch
};

// Checks counts, sizes, UTF-8, languages, options and every target token against the model's
// vocabulary, and the token counts against limits.max_text_tokens.
grpc::Status check_score_request(const nmt::v1::ScoreRequest& request, const WorkerConfig& config,
                                 const nmtd::Translator& translator, CheckedScoreRequest& out);

}  // namespace nmtd::worker
