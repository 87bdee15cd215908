#pragma once
// The engine's speed as measured on this machine, for deadline-aware admission: how much
// engine time a text will take, and whether a new call can finish before its deadline given
// the work queued ahead of it and the batch running now.
//
// Work is counted in token-steps: a text's source tokens (the encoder's share) plus the output
// tokens it decodes times its beams (the decoder's). Seconds per token-step are the decayed
// sums of measured batch times over their work, so large batches, which admission cares
// about under load, weigh most; output tokens per source token are measured the same way.
#include <chrono>
#include <mutex>
#include <optional>

#include "engine/decode/decoding.h"

namespace nmtd::worker {

class ThroughputModel {
 public:
  // Batches measured before the model is trusted: until then nothing is refused on a guess.
  static constexpr int kMinBatches = 3;

  // Expected token-steps of one text: its output estimated from the measured output/source
  // ratio, within the options' min and max decoding lengths.
  double text_work(int source_tokens, const DecodingOptions& options) const;
  // The same for a text whose output is known (after its batch ran).
  static double done_work(int source_tokens, int output_tokens, int beams);

  // One engine batch as it turned out.
  void record_batch(double work, std::chrono::microseconds took, int source_tokens,
                    int output_tokens);
  // Measured engine seconds per token-step; nullopt until kMinBatches batches were measured.
  std::optional<double> seconds_per_work() const;
  double output_ratio() const;

 private:
  // Each batch's weight in the sums falls by this factor per later batch: about the last ten
  // batches speak, so a slower machine phase shows within seconds.
  static constexpr double kDecay = 0.9;

  mutable std::mutex mutex_;
  int batches_ = 0;
  double seconds_ = 0, work_ = 0;
  double output_tokens_ = 0, source_tokens_ = 0;
};

// What is ahead of a new call in the engine.
struct Backlog {
  double queued_work = 0;   // texts waiting in the queue
  double running_work = 0;  // the batch in the engine now, as estimated when it began
  std::chrono::microseconds running_for{0};
};

struct LateVerdict {
  std::chrono::milliseconds needed;       // estimated time until the call would finish
  std::chrono::milliseconds own;          // of which its own texts' engine time
  std::chrono::milliseconds retry_after;  // until the work ahead of it is done
};

// A verdict when the call cannot finish before `remaining` runs out even if the engine ran a
// quarter faster than measured (refusals are for clear cases only); nullopt: admit it. Always
// nullopt while the model has too few measurements.
std::optional<LateVerdict> judge_deadline(const ThroughputModel& model, const Backlog& backlog,
                                          double own_work, std::chrono::microseconds remaining);

}  // namespace nmtd::worker
