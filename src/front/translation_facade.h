#pragma once
// What the client-compatible APIs (Baketa's gRPC contract, LibreTranslate's HTTP API) share: a
// batch of texts in one language pair, each cut at line and sentence boundaries (a paragraph, a
// many-line dialogue box, a text past the model's input limit), the distinct pieces translated
// in as few nmt.v1 calls as the workers' bounds allow, and each text put back together with its
// line breaks and spacing. Repeated lines are asked once and then come from the workers' cache.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "front/front_service.h"
#include "nmt/v1/translator.pb.h"
#include "text_split/text_split.h"

namespace nmtd::front {

struct FacadeRequest {
  std::vector<std::string> texts;
  std::string source;  // NLLB codes, already resolved
  std::string target;
  nmt::v1::DecodingOptions options;
  std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max();
  std::string request_id;
};

struct TextOutcome {
  grpc::Status status;  // this text's own problem, if any
  std::string translation;
  std::vector<std::string> alternatives;  // further hypotheses, when options asked for n-best
  float score = -1;                       // mean hypothesis score of its pieces; -1 unknown
  int pieces = 0;                         // what it was cut into (0: nothing to translate)
};

class TranslationFacade {
 public:
  // `done(status, outcomes)`: status is OK when the texts were looked at (each outcome then has
  // its own status); otherwise no worker could serve (UNAVAILABLE, DEADLINE_EXCEEDED,
  // RESOURCE_EXHAUSTED, ...) and outcomes are empty.
  using Done = std::function<void(const grpc::Status&, std::vector<TextOutcome>&&)>;

  TranslationFacade(FrontService& service, std::size_t max_text_bytes);

  // Refuses at once (through `done`) what cannot be split: invalid UTF-8, over the hard limit.
  void translate(FacadeRequest request, Done done);

  std::size_t max_text_bytes() const { return max_text_bytes_; }

 private:
  FrontService& service_;
  const std::size_t max_text_bytes_;
  text_split::Splitter splitter_;
};

}  // namespace nmtd::front
