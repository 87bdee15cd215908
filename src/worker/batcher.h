#pragma once
// The engine's only caller, and the driver of its continuous batching: it takes a batch from
// the admission queue, opens a decode session for it (engine/decode_session.h) and, between
// decoder steps, admits newcomers from the queue (within the row budget and the batching
// limits), drops the texts whose call was cancelled or whose deadline passed, and answers each
// text the step it finishes. A short text thus joins a running decode and leaves it at once
// instead of waiting behind the whole batch. Engine failures become INTERNAL for the texts in
// the session, a log line with their request ids and a metric; the thread goes on.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/log/log.h"
#include "crash/in_flight_ring.h"
#include "engine/decode_session.h"
#include "worker/admission_queue.h"
#include "worker/decode_memory_plan.h"
#include "worker/engine_activity.h"
#include "worker/engine_faults.h"
#include "worker/throughput_model.h"
#include "worker/translation_cache.h"
#include "worker/worker_stats.h"

namespace nmtd::worker {

class Batcher {
 public:
  // faults: test-only misbehaviour acted out as texts reach the engine (nullptr: none).
  // memory: the decoder memory lent to every session and the batching limits within it
  // (decode_memory_plan.h); the batcher's thread makes it resident before its first batch.
  Batcher(Translator& translator, AdmissionQueue& queue, TranslationCache& cache,
          const DecodeMemoryPlan& memory, WorkerStats& stats, crash::InFlightRing& in_flight,
          Logger& log, EngineFaults* faults = nullptr);
  ~Batcher();  // stops and joins; texts still queued are left to the queue's owner
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  void start();
  const EngineActivity& activity() const { return activity_; }
  const ThroughputModel& throughput() const { return throughput_; }
  // What a call admitted now would find ahead of it in the engine (not the queue's share).
  Backlog running() const;

 private:
  class Session;

  void run(std::stop_token stop);
  // Decodes `first` and whatever joins it until nothing is left to decode.
  void drive(std::vector<TextJob> first, std::stop_token stop);
  // Scores a batch of Score items (teacher-forced; they never join a decode session).
  void score(std::vector<TextJob> batch);
  // A session for a first batch of `texts` with these options: in the lent memory when they
  // fit it (lent = true), else in memory of its own.
  std::unique_ptr<DecodeSession> open_session(const TranslationOptions& options, int64_t texts,
                                              bool& lent);

  Translator& translator_;
  AdmissionQueue& queue_;
  TranslationCache& cache_;
  const DecodeMemoryPlan memory_plan_;
  const Batching batching_;
  std::optional<DecoderMemory> memory_;  // lent to the running session, if any
  WorkerStats& stats_;
  crash::InFlightRing& in_flight_;
  Logger& log_;
  EngineFaults* const faults_;
  EngineActivity activity_;
  ThroughputModel throughput_;
  std::atomic<double> running_work_{0};
  std::jthread thread_;
};

}  // namespace nmtd::worker
