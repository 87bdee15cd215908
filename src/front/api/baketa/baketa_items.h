#pragma once
// One Baketa TranslateRequest looked at before any worker sees it: languages resolved (auto
// detected), bounds checked, and the in-band answer for each way it can fail.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>

#include "baketa/translation/v1/translation.pb.h"
#include "front/dispatch/translation_facade.h"
#include "lang/detect/detector.h"

namespace nmtd::front {

// The bounds a request is checked against before any worker sees it.
struct BaketaLimits {
  std::size_t max_text_chars = 10'000;  // the old server's bound, kept
  int max_batch_items = 32;
  int max_output_tokens = 256;  // per piece; 128 in a batch, as the old server did
  int max_output_tokens_batch = 128;
};

}  // namespace nmtd::front

namespace nmtd::front::baketa_items {

namespace pb = baketa::translation::v1;
using Clock = std::chrono::steady_clock;

struct PreparedItem {
  grpc::Status status;  // not OK: the item's own problem
  pb::TranslationErrorType error_type = pb::TRANSLATION_ERROR_TYPE_UNSPECIFIED;
  std::string source;  // NLLB codes
  std::string target;
  bool nothing_to_translate = false;  // empty or whitespace only
  std::string detected;               // set when the source was "auto"
  double detection_confidence = 0;
};

PreparedItem prepare(const pb::TranslateRequest& request, const BaketaLimits& limits,
                     const lang::LanguageDetector* detector);

// The decoding the old server used: greedy, repetition penalty 1.2, no repeated trigram.
nmt::v1::DecodingOptions decoding(int max_output_tokens);

void fill_success(pb::TranslateResponse& out, const pb::TranslateRequest& request,
                  const PreparedItem& item, const TextOutcome* outcome, Clock::time_point started);
// `retry_after` (> 0 on a refusal that may succeed later): also in `metadata["retry_after_ms"]`,
// as the contract's error has no field for it.
void fill_failure(pb::TranslateResponse& out, const pb::TranslateRequest& request,
                  const grpc::Status& status, pb::TranslationErrorType type,
                  Clock::time_point started,
                  std::chrono::milliseconds retry_after = std::chrono::milliseconds(0));

// The Baketa error type and retryability for a status that came back from the workers.
pb::TranslationErrorType error_type_for(grpc::StatusCode code);

void set_now(google::protobuf::Timestamp& timestamp);
int64_t elapsed_ms(Clock::time_point since);

}  // namespace nmtd::front::baketa_items
