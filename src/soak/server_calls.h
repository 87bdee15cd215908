#pragma once
// The soak's client side of the server: one channel, and the calls the load profiles and the
// chaos probes make through nmt.v1 and the Baketa-compatible API, each reduced to the status
// code's name and whether an OK answer held what was asked for.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "baketa/translation/v1/translation.grpc.pb.h"
#include "nmt/v1/translator.grpc.pb.h"

namespace nmtd::soak {

struct CallResult {
  std::string code;                          // "OK", "UNAVAILABLE", ...
  bool well_formed = false;                  // OK and the answer holds one translation per text
  std::string message;                       // the error message, or what was wrong with the answer
  std::chrono::milliseconds retry_after{0};  // a refusal's retry hint (translate() only)
};

std::string status_code_name(grpc::StatusCode code);

// How one finished call reads: the same judgement for the blocking calls below and for the
// callback-API calls of bursts and floods.
CallResult translate_result(const grpc::Status& status, const nmt::v1::TranslateRequest& request,
                            const nmt::v1::TranslateResponse& response);
CallResult baketa_result(const grpc::Status& status,
                         const baketa::translation::v1::TranslateRequest& request,
                         const baketa::translation::v1::TranslateResponse& response);

struct ChannelKind {
  bool keepalive_pings = false;  // ping every 10 s even when idle, as Baketa's client does
};

class ServerCalls {
 public:
  ServerCalls(const std::string& target, ChannelKind kind = {});

  // nmt.v1.Translator/Translate of `texts` between NLLB codes.
  CallResult translate(const std::vector<std::string>& texts, const std::string& source,
                       const std::string& target, std::chrono::milliseconds deadline,
                       const std::string& request_id) const;
  // baketa.translation.v1.TranslationService/Translate; codes as a Baketa client sends them.
  CallResult baketa_translate(const std::string& text, const std::string& source,
                              const std::string& target, std::chrono::milliseconds deadline,
                              const std::string& request_id) const;
  // TranslationService/TranslateBatch: one pair for all. An item refused in-band counts as
  // the gRPC code its error type stands for (RATE_LIMIT_EXCEEDED -> RESOURCE_EXHAUSTED...).
  CallResult baketa_batch(const std::vector<std::string>& texts, const std::string& source,
                          const std::string& target, std::chrono::milliseconds deadline,
                          const std::string& request_id) const;
  std::optional<nmt::v1::GetStatusResponse> status(std::chrono::milliseconds deadline) const;

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  nmt::v1::Translator::Stub& translator() const { return *translator_; }
  baketa::translation::v1::TranslationService::Stub& baketa() const { return *baketa_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<nmt::v1::Translator::Stub> translator_;
  std::unique_ptr<baketa::translation::v1::TranslationService::Stub> baketa_;
};

// The code a Baketa client would send for an NLLB code ("ja" for jpn_Jpan), or the NLLB code
// itself where the language has no ISO 639-1 code.
std::string baketa_code(const std::string& nllb_code);

}  // namespace nmtd::soak
