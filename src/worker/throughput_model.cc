#include "worker/throughput_model.h"

#include <algorithm>
#include <cmath>

namespace nmtd::worker {
namespace {

// Before any measurement: one output token per source token, about right between languages.
constexpr double kDefaultOutputRatio = 1.0;
// A call is admitted when its estimate leaves a tenth of its time spare: the estimate follows
// the last seconds' load, and a burst behind it or a worker killed beside it slows the engine
// it shares. Admitting what an engine a quarter faster than measured could have finished (up
// to 133 % of the time left), as before, lost 50 calls in 17 minutes of the full-shape soak
// with chaos: bursts admitted on that hope, and texts re-sent after their worker died.
constexpr double kShare = 0.9;

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(std::llround(std::max(0.0, seconds) * 1e3));
}

}  // namespace

void DecayedLine::add(double x, double y) {
  n_ = n_ * decay_ + 1;
  sx_ = sx_ * decay_ + x;
  sy_ = sy_ * decay_ + y;
  sxx_ = sxx_ * decay_ + x * x;
  sxy_ = sxy_ * decay_ + x * y;
  syy_ = syy_ * decay_ + y * y;
}

double DecayedLine::slope() const {
  const double cxx = sxx_ - sx_ * sx_ / n_, cxy = sxy_ - sx_ * sy_ / n_;
  return cxx > 1e-9 * n_ ? std::max(0.0, cxy / cxx) : 0.0;
}

double DecayedLine::residual_sd() const {
  if (n_ <= 1) return 0;
  const double cxx = sxx_ - sx_ * sx_ / n_, cxy = sxy_ - sx_ * sy_ / n_,
               cyy = syy_ - sy_ * sy_ / n_;
  const double b = slope();
  return std::sqrt(std::max(0.0, (cyy - 2 * b * cxy + b * b * cxx) / n_));
}

double DecayedLine::at(double x) const { return sy_ / n_ + slope() * (x - mean_x()); }

double ThroughputModel::text_steps(int source_tokens, const DecodingOptions& options) const {
  double expected = 0;
  {
    std::lock_guard lock(mutex_);
    const double x = source_tokens;
    if (texts_ < kMinTexts || output_by_source_.empty()) {
      expected = (source_tokens_ > 0 ? output_tokens_ / source_tokens_ : kDefaultOutputRatio) * x;
    } else {
      expected = output_by_source_.at(x);
    }
  }
  return std::clamp(expected, static_cast<double>(options.min_decoding_length),
                    static_cast<double>(options.max_decoding_length));
}

double ThroughputModel::text_steps_high(int source_tokens, const DecodingOptions& options) const {
  double spread = 0;
  {
    std::lock_guard lock(mutex_);
    if (texts_ >= kMinTexts && !output_by_source_.empty()) spread = output_by_source_.residual_sd();
  }
  return std::clamp(text_steps(source_tokens, options) + kLengthSpread * spread,
                    static_cast<double>(options.min_decoding_length),
                    static_cast<double>(options.max_decoding_length));
}

double ThroughputModel::text_work(int source_tokens, const DecodingOptions& options) const {
  return static_cast<double>(source_tokens) +
         text_steps(source_tokens, options) * std::max(1, options.beam_size);
}

void ThroughputModel::record_text(int source_tokens, int output_steps) {
  if (source_tokens <= 0 || output_steps <= 0) return;
  std::lock_guard lock(mutex_);
  ++texts_;
  output_by_source_.add(source_tokens, output_steps);
}

void ThroughputModel::record_step(std::chrono::microseconds took, int64_t rows) {
  if (took.count() <= 0 || rows <= 0) return;
  std::lock_guard lock(mutex_);
  ++steps_;
  seconds_by_rows_.add(static_cast<double>(rows), static_cast<double>(took.count()) * 1e-6);
}

std::optional<double> ThroughputModel::seconds_per_step(int64_t rows) const {
  std::lock_guard lock(mutex_);
  if (steps_ < kMinSteps || seconds_by_rows_.empty()) return std::nullopt;
  const double at = rows > 0 ? static_cast<double>(rows) : seconds_by_rows_.mean_x();
  return std::max(0.0, seconds_by_rows_.at(at));
}

void ThroughputModel::record_pace(std::chrono::microseconds in_decode, int steps) {
  if (steps < kMinPaceSteps || in_decode.count() <= 0) return;
  std::lock_guard lock(mutex_);
  ++paced_texts_;
  pace_weight_ = pace_weight_ * kPaceDecay + 1;
  pace_seconds_ =
      pace_seconds_ * kPaceDecay + static_cast<double>(in_decode.count()) * 1e-6 / steps;
}

std::optional<double> ThroughputModel::seconds_per_step_paced() const {
  std::lock_guard lock(mutex_);
  if (paced_texts_ < kMinTexts || pace_weight_ <= 0) return std::nullopt;
  return pace_seconds_ / pace_weight_;
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

std::optional<CompletionEstimate> estimate_completion(const ThroughputModel& model,
                                                      const Backlog& backlog, double own_work,
                                                      double own_steps) {
  const auto per_work = model.seconds_per_work();
  if (!per_work) return std::nullopt;
  CompletionEstimate e;
  const double running_left =
      std::max(0.0, backlog.running_work * *per_work - backlog.running_for.count() * 1e-6);
  e.ahead_s = backlog.queued_work * *per_work + running_left;
  e.own_work_s = own_work * *per_work;
  e.step_line_s = model.seconds_per_step(backlog.max_rows).value_or(0.0);
  e.step_pace_s = model.seconds_per_step_paced().value_or(0.0);
  e.own_steps = own_steps;
  e.serial_s = own_steps * std::max(e.step_line_s, e.step_pace_s);
  // Its texts start once the work ahead has made room, then run their steps.
  e.own_s = std::max(e.own_work_s, e.serial_s);
  return e;
}

std::optional<LateVerdict> judge_deadline(const ThroughputModel& model, const Backlog& backlog,
                                          double own_work, std::chrono::microseconds remaining,
                                          double own_steps) {
  const auto e = estimate_completion(model, backlog, own_work, own_steps);
  return e ? judge_estimate(*e, remaining) : std::nullopt;
}

std::optional<LateVerdict> judge_estimate(const CompletionEstimate& e,
                                          std::chrono::microseconds remaining) {
  if (e.ahead_s + e.own_s <= kShare * remaining.count() * 1e-6) return std::nullopt;
  return LateVerdict{to_ms(e.ahead_s + e.own_s), to_ms(e.own_s), to_ms(e.ahead_s)};
}

}  // namespace nmtd::worker
