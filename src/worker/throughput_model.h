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
#include <cstdint>
#include <mutex>
#include <optional>

#include "engine/decode/decoding.h"

namespace nmtd::worker {

// A line y = mean_y + slope (x - mean_x) through points whose weights fall by `decay` per later
// point (least squares), with a slope never below 0: more source never means less output,
// more rows never a cheaper step. With too few distinct x, the slope is 0 (the mean of y).
class DecayedLine {
 public:
  explicit DecayedLine(double decay) : decay_(decay) {}
  void add(double x, double y);
  bool empty() const { return n_ <= 0; }
  double mean_x() const { return sx_ / n_; }
  // Call only when not empty().
  double at(double x) const;
  // The points' (decayed) root-mean-square distance from the line: how far a y strays from at().
  double residual_sd() const;

 private:
  // The least-squares slope over the centred sums, never below 0; 0 with too few distinct x.
  double slope() const;

  double decay_;
  double n_ = 0, sx_ = 0, sy_ = 0, sxx_ = 0, sxy_ = 0, syy_ = 0;
};

class ThroughputModel {
 public:
  // Batches measured before the model is trusted: until then nothing is refused on a guess.
  static constexpr int kMinBatches = 3;

  // Texts measured before their output length is predicted from their source length (until
  // then: the measured output/source ratio of whole batches).
  static constexpr int kMinTexts = 8;
  // Steps measured before a step's time is trusted.
  static constexpr int kMinSteps = 8;

  // Expected decoder steps of one text (its output tokens and end token), within the options'
  // min and max decoding lengths: a line fitted through recent texts' (source, output) lengths.
  // A trained model's output grows with its source; a random-weight model's runs to the
  // length limit whatever the source, which a ratio alone prices at a tenth for short texts.
  double text_steps(int source_tokens, const DecodingOptions& options) const;
  // The steps a text's output reaches or stays under in most cases: text_steps plus
  // kLengthSpread times the recent texts' spread around the line. Admission prices a text's
  // own steps with it: outputs of one source length vary (a random-weight model's from 20 to
  // 256 steps), and the mean alone made the diagnostic soak's calls take up to 3.9x their
  // priced engine time.
  double text_steps_high(int source_tokens, const DecodingOptions& options) const;
  static constexpr double kLengthSpread = 1.5;
  // Expected token-steps of one text: its source tokens plus text_steps times its beams.
  double text_work(int source_tokens, const DecodingOptions& options) const;
  // The same for a text whose output is known (after its batch ran).
  static double done_work(int source_tokens, int output_tokens, int beams);

  // One engine batch as it turned out.
  void record_batch(double work, std::chrono::microseconds took, int source_tokens,
                    int output_tokens);
  // One text as it turned out (output_steps: its output tokens and end token).
  void record_text(int source_tokens, int output_steps);
  // One decoder step of the running batch and the rows it carried.
  void record_step(std::chrono::microseconds took, int64_t rows = 1);
  // Measured engine seconds per token-step; nullopt until kMinBatches batches were measured.
  std::optional<double> seconds_per_work() const;
  // Seconds per decoder step of `rows` rows (0: of the recent steps' rows), from a line fitted
  // through the recent steps' (rows, time); nullopt until kMinSteps steps. A text cannot
  // finish sooner than its steps take one after the other, however many rows share them, and
  // a busy session fills up: admission prices a step at the most rows it may carry.
  std::optional<double> seconds_per_step(int64_t rows = 0) const;
  // One text's wall time per step, from the moment it joined a running decode (its encoder
  // done) to the step it finished. Unlike the step line it holds everything else the engine
  // did meanwhile: newcomers' encoders between steps, a CPU shared with the other workers and
  // with a replacement loading beside it. The full-shape soak lost calls that the step line
  // alone priced 10-30 % too fast. Texts of fewer than kMinPaceSteps steps are not counted:
  // the encoders of a few steps say little about a long text's pace.
  void record_pace(std::chrono::microseconds in_decode, int steps);
  // Recent texts' pace in seconds per step; nullopt until kMinTexts texts were counted.
  std::optional<double> seconds_per_step_paced() const;
  static constexpr int kMinPaceSteps = 8;
  double output_ratio() const;

 private:
  // Each batch's weight in the sums falls by this factor per later batch: about the last ten
  // batches speak, so a slower machine phase shows within seconds.
  static constexpr double kDecay = 0.9;
  // Per text and per step: about the last fifty texts and the last ten steps.
  static constexpr double kTextDecay = 0.98;
  static constexpr double kStepDecay = 0.95;
  // Per text's pace: about the last ten texts, so that a slower phase shows within one decode.
  static constexpr double kPaceDecay = 0.9;

  mutable std::mutex mutex_;
  int batches_ = 0;
  double seconds_ = 0, work_ = 0;
  double output_tokens_ = 0, source_tokens_ = 0;
  int texts_ = 0;
  DecayedLine output_by_source_{kTextDecay};  // a text's output steps by its source tokens
  int steps_ = 0;
  DecayedLine seconds_by_rows_{kStepDecay};  // a step's seconds by its rows
  int paced_texts_ = 0;
  double pace_weight_ = 0, pace_seconds_ = 0;  // decayed sums of texts and of their paces
};

// What is ahead of a new call in the engine.
struct Backlog {
  double queued_work = 0;   // texts waiting in the queue
  double running_work = 0;  // the batch in the engine now, as estimated when it began
  std::chrono::microseconds running_for{0};
  int64_t max_rows = 0;  // rows one decoder step may carry (0: unknown)
};

struct LateVerdict {
  std::chrono::milliseconds needed;       // estimated time until the call would finish
  std::chrono::milliseconds own;          // of which its own texts' engine time
  std::chrono::milliseconds retry_after;  // until the work ahead of it is done
};

// How admission sees a call's completion, in seconds (judge_deadline's parts; logged at debug
// for each admitted call, so that estimates can be set against what the calls took).
struct CompletionEstimate {
  double ahead_s = 0;     // the queued and running work at the measured throughput
  double own_work_s = 0;  // its own work at that throughput
  double own_steps = 0;   // its longest text's expected steps
  double step_line_s = 0, step_pace_s = 0;  // a step's price: the line's, the texts' pace
  double serial_s = 0;                      // own_steps at the larger of the two
  double own_s = 0;                         // max(own_work_s, serial_s)
};
// nullopt while the model has too few measurements.
std::optional<CompletionEstimate> estimate_completion(const ThroughputModel& model,
                                                      const Backlog& backlog, double own_work,
                                                      double own_steps);

// A verdict when the call is not expected to finish within nine tenths of `remaining`;
// nullopt: admit it. The
// call needs the work ahead of it done (at the measured throughput), then its own: its work at
// that throughput, but no less than its longest text's own_steps one after the other at the
// measured step time: the step line's at the most rows a step may carry, or the recent texts'
// pace when that is slower. Always nullopt while the model has too few measurements.
std::optional<LateVerdict> judge_deadline(const ThroughputModel& model, const Backlog& backlog,
                                          double own_work, std::chrono::microseconds remaining,
                                          double own_steps = 0);
// The same verdict on an estimate already made (judge_deadline is estimate_completion, then this).
std::optional<LateVerdict> judge_estimate(const CompletionEstimate& estimate,
                                          std::chrono::microseconds remaining);

}  // namespace nmtd::worker
