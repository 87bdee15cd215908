#pragma once
// The logits processors of CTranslate2 4.8.1, applied to one row of logits before the
// log-softmax. CT2 on CPU writes disabled tokens (DisableTokens::add) straight into the
// logits as the lowest float, in this order: the min-length EOS ban, the repetition
// penalty (which reads the logits as already modified), the no-repeat-ngram bans, then
// the unk ban. Reproducing that order keeps the values bit-identical.
#include <cstdint>
#include <span>
#include <vector>

#include "engine/decode/decoding.h"

namespace nmtd::decoding {

class LogitsProcessors {
 public:
  LogitsProcessors(const DecodingOptions& options, const DecodeVocab& vocab);

  // Whether apply() reads the previous tokens (the search can then skip keeping them).
  bool needs_history() const { return repetition_ || ngram_size_ > 0; }

  // Processes one row at decoding step `step`. `history` holds the tokens this row produced
  // in the previous steps (the forced prefix included, the start token not).
  void apply(float* logits, std::span<const int32_t> history, int step);

 private:
  void penalize_repetitions(float* logits, std::span<const int32_t> history);
  void ban_repeated_ngrams(float* logits, std::span<const int32_t> history) const;

  int min_length_;
  bool repetition_;
  float repetition_penalty_;
  int ngram_size_;
  bool disable_unk_;
  int32_t end_id_;
  int32_t unk_id_;
  std::vector<float> previous_scores_;  // scratch, reused across rows and steps
};

}  // namespace nmtd::decoding
