#pragma once
// The engine's only caller: takes batches from the admission queue, drops texts whose call was
// cancelled or whose deadline passed, runs the engine, and hands each text its result. Engine
// failures become INTERNAL for the calls of that batch, a log line with their request ids and
// a metric; the thread goes on.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/log/log.h"
#include "crash/in_flight_ring.h"
#include "worker/admission_queue.h"
#include "worker/throughput_model.h"
#include "worker/translation_cache.h"
#include "worker/worker_stats.h"

namespace nmtd::worker {

// What the engine is doing now, for the watchdog and GetStatus.
class EngineActivity {
 public:
  explicit EngineActivity(const ProgressCounter& progress) : progress_(progress) {}
  void begin(std::vector<std::string> request_ids);
  void end();
  // 0 when idle.
  std::chrono::milliseconds running_for() const;
  // How long the running call has gone without finishing a unit of work (since it began, if
  // none yet): what tells a stuck engine from a slow one. 0 when idle.
  std::chrono::milliseconds without_progress() const;
  std::vector<std::string> request_ids() const;

 private:
  const ProgressCounter& progress_;
  std::atomic<int64_t> started_ns_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> request_ids_;
};

// Fails the calls of texts that can no longer be answered (cancelled, expired), counting them.
void fail_dead_jobs(std::vector<TextJob>& dead, WorkerStats& stats);

class Batcher {
 public:
  Batcher(Translator& translator, AdmissionQueue& queue, TranslationCache& cache,
          const Batching& batching, WorkerStats& stats, crash::InFlightRing& in_flight, Logger& log,
          bool fault_injection);
  ~Batcher();  // stops and joins; texts still queued are left to the queue's owner
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  void start();
  const EngineActivity& activity() const { return activity_; }
  const ThroughputModel& throughput() const { return throughput_; }
  // What a call admitted now would find ahead of it in the engine (not the queue's share).
  Backlog running() const;

 private:
  void run(std::stop_token stop);
  void compute(std::vector<TextJob>& batch);
  // True when it acted one out: such a batch's time is no measurement.
  bool act_out_faults(const std::vector<TextJob>& batch);
  void measure(const std::vector<TextJob>& batch, const std::vector<TranslationResult>& results,
               std::chrono::microseconds took);

  Translator& translator_;
  AdmissionQueue& queue_;
  TranslationCache& cache_;
  const Batching batching_;
  WorkerStats& stats_;
  crash::InFlightRing& in_flight_;
  Logger& log_;
  const bool fault_injection_;
  EngineActivity activity_;
  ThroughputModel throughput_;
  std::atomic<double> running_work_{0};
  std::jthread thread_;
};

}  // namespace nmtd::worker
