#pragma once
// One admitted Translate call (or one stream message) while its texts are cached, queued or
// computed, and the texts themselves as the batcher sees them. The call completes exactly once:
// when its last text has a result, or at its first failure; later results are dropped.
#include <grpcpp/support/status.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/translator.h"

namespace nmtd::worker {

using Clock = std::chrono::steady_clock;

struct CallResult {
  grpc::Status status;
  std::vector<TranslationResult> results;  // one per text when status is OK
  std::vector<ScoringResult> scores;       // one per item of a Score call when status is OK
  std::vector<bool> from_cache;
  int64_t queue_time_us = 0;
  int64_t compute_time_us = 0;
  // Set on a refusal that may succeed later: when to try again (retry trailers, unary calls).
  std::chrono::milliseconds retry_after{0};
};

class PendingCall {
 public:
  using Completion = std::function<void(CallResult&&)>;

  PendingCall(std::string request_id, std::size_t texts, Clock::time_point deadline,
              std::function<bool()> client_cancelled, Completion completion);

  const std::string& request_id() const { return request_id_; }
  Clock::time_point admitted() const { return admitted_; }
  Clock::time_point deadline() const { return deadline_; }
  bool done() const { return done_.load(std::memory_order_acquire); }
  // False once the call completed: its RPC may be gone by then, and asking it would read
  // freed memory (the batcher asks about every text of a call, one of which may complete it).
  bool cancelled() const;
  bool expired(Clock::time_point now) const { return now >= deadline_; }

  void set_result(std::size_t index, TranslationResult result, bool from_cache);
  void set_score(std::size_t index, ScoringResult score);
  // Records that one engine batch served some of this call's texts.
  void add_timing(Clock::time_point batch_start, std::chrono::microseconds compute);
  // Completes the call with an error unless it already completed.
  void fail(grpc::Status status, std::chrono::milliseconds retry_after = {});

  // Debug-only fault to act out when the batcher reaches this call (see Batcher).
  std::string fault;

 private:
  void complete_locked(std::unique_lock<std::mutex>& lock, grpc::Status status);

  const std::string request_id_;
  const Clock::time_point admitted_ = Clock::now();
  const Clock::time_point deadline_;
  const std::function<bool()> client_cancelled_;
  Completion completion_;
  mutable std::mutex mutex_;
  CallResult result_;
  std::size_t remaining_;
  std::atomic<bool> done_{false};
};

// One text (or one Score item) waiting for the engine.
struct TextJob {
  std::shared_ptr<PendingCall> call;
  std::size_t index = 0;            // position in the call's texts
  std::vector<std::string> source;  // [src_lang, pieces..., </s>]
  std::string target_language;
  std::vector<std::string> target_prefix;  // pieces forced after the target language token
  std::string cache_key;                   // empty: not cached
  std::shared_ptr<const TranslationOptions> options;  // a Score item's: greedy, for pricing
  // Set for a Score item: `target` is scored, not translated ([tgt_lang, pieces...]).
  std::shared_ptr<const ScoringOptions> scoring;
  std::vector<std::string> target;
  std::string batch_key;  // texts batch together only under equal keys
  Clock::time_point enqueued = Clock::now();
  double work = 0;                     // expected engine work in token-steps (ThroughputModel)
  Clock::time_point decoding_since{};  // when it joined a running decode, its encoder done
  int tokens() const { return static_cast<int>(source.size()); }
};

}  // namespace nmtd::worker
