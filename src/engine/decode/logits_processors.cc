#include "engine/decode/logits_processors.h"

#include <algorithm>
#include <limits>

namespace nmtd::decoding {
namespace {
// CT2's DisableTokens value.
constexpr float kDisabled = std::numeric_limits<float>::lowest();
}  // namespace

LogitsProcessors::LogitsProcessors(const DecodingOptions& options, const DecodeVocab& vocab)
    : min_length_(options.min_decoding_length),
      repetition_(options.repetition_penalty != 1.0f),
      repetition_penalty_(options.repetition_penalty),
      ngram_size_(options.no_repeat_ngram_size),
      disable_unk_(options.disable_unk),
      end_id_(vocab.end_id),
      unk_id_(vocab.unk_id) {
  // A row's history is at most max_decoding_length tokens: no step has to grow the scratch.
  if (repetition_) previous_scores_.reserve(static_cast<std::size_t>(options.max_decoding_length));
}

void LogitsProcessors::apply(float* logits, std::span<const int32_t> history, int step) {
  if (step < min_length_) logits[end_id_] = kDisabled;
  if (repetition_) penalize_repetitions(logits, history);
  if (ngram_size_ > 0) ban_repeated_ngrams(logits, history);
  if (disable_unk_) logits[unk_id_] = kDisabled;
}

void LogitsProcessors::penalize_repetitions(float* logits, std::span<const int32_t> history) {
  // CT2 gathers every previous token's logit first and then writes the penalized values, so
  // a token seen several times is penalized once per step.
  previous_scores_.resize(history.size());
  for (std::size_t j = 0; j < history.size(); ++j) previous_scores_[j] = logits[history[j]];
  for (std::size_t j = 0; j < history.size(); ++j) {
    const float score = previous_scores_[j];
    logits[history[j]] = score < 0.0f ? score * repetition_penalty_ : score / repetition_penalty_;
  }
}

void LogitsProcessors::ban_repeated_ngrams(float* logits, std::span<const int32_t> history) const {
  const auto n = static_cast<std::size_t>(ngram_size_);
  if (history.size() < n) return;
  // Every earlier n-gram whose first n-1 tokens equal the last n-1 tokens bans its last token
  // (for n == 1 every previous token is banned).
  const auto suffix = history.last(n - 1);
  for (std::size_t begin = 0; begin + n <= history.size(); ++begin) {
    if (std::equal(suffix.begin(), suffix.end(), history.begin() + begin)) {
      logits[history[begin + n - 1]] = kDisabled;
    }
  }
}

}  // namespace nmtd::decoding
