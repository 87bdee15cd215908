#include "worker/throughput_model.h"

#include <algorithm>
#include <cmath>

namespace nmtd::worker {
namespace {

// Before any measurement: one output token per source token, about right between languages.
constexpr double kDefaultOutputRatio = 1.0;
// Refuse only when even an engine this much faster than measured would be late.
constexpr double kOptimism = 0.75;

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(std::llround(std::max(0.0, seconds) * 1e3));
}

}  // namespace

double ThroughputModel::text_work(int source_tokens, const DecodingOptions& options) const {
  const double expected =
      std::clamp(output_ratio() * source_tokens, static_cast<double>(options.min_decoding_length),
                 static_cast<double>(options.max_decoding_length));
  return static_cast<double>(source_tokens) + expected * std::max(1, options.beam_size);
}

double ThroughputModel::done_work(int source_tokens, int output_tokens, int beams) {
  return static_cast<double>(source_tokens) +
         static_cast<double>(output_tokens) * static_cast<double>(beams);
}

void ThroughputModel::record_batch(double work, std::chrono::microseconds took, int source_tokens,
                                   int output_tokens) {
  if (work <= 0 || took.count() <= 0) return;
  std::lock_guard lock(mutex_);
  ++batches_;
  seconds_ = seconds_ * kDecay + static_cast<double>(took.count()) * 1e-6;
  work_ = work_ * kDecay + work;
  output_tokens_ = output_tokens_ * kDecay + output_tokens;
  source_tokens_ = source_tokens_ * kDecay + source_tokens;
}

std::optional<double> ThroughputModel::seconds_per_work() const {
  std::lock_guard lock(mutex_);
  if (batches_ < kMinBatches || work_ <= 0) return std::nullopt;
  return seconds_ / work_;
}

double ThroughputModel::output_ratio() const {
  std::lock_guard lock(mutex_);
  return source_tokens_ > 0 ? output_tokens_ / source_tokens_ : kDefaultOutputRatio;
}

std::optional<LateVerdict> judge_deadline(const ThroughputModel& model, const Backlog& backlog,
                                          double own_work, std::chrono::microseconds remaining) {
  const auto per_work = model.seconds_per_work();
  if (!per_work) return std::nullopt;
  const double running_left =
      std::max(0.0, backlog.running_work * *per_work - backlog.running_for.count() * 1e-6);
  const double ahead = backlog.queued_work * *per_work + running_left;
  const double own = own_work * *per_work;
  if ((ahead + own) * kOptimism <= remaining.count() * 1e-6) return std::nullopt;
  return LateVerdict{to_ms(ahead + own), to_ms(own), to_ms(ahead)};
}

}  // namespace nmtd::worker
