#pragma once
// Internal entry points of the two searches and what they share. decode() (decoding.cc)
// validates, dispatches and trims the end token; the searches return hypotheses that still
// end with it, as CT2's do (include_eos_in_hypotheses).
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/decode/decoding.h"

namespace nmtd::decoding {

using Hypotheses = std::vector<DecodeResult>;

// Greedy search (beam_size 1): one hypothesis per input.
std::vector<Hypotheses> greedy_search(StepModel& model, std::span<const DecodeInput> inputs,
                                      const DecodeVocab& vocab, const DecodingOptions& options,
                                      bool ties_on_log_probs);

// Beam search (beam_size > 1): options.num_hypotheses hypotheses per input, best first.
std::vector<Hypotheses> beam_search(StepModel& model, std::span<const DecodeInput> inputs,
                                    const DecodeVocab& vocab, const DecodingOptions& options);

// CT2's finalize_hypothesis_score: raw / length^length_penalty, in float.
inline float normalize_score(float raw, std::size_t length, float length_penalty) {
  return raw / std::pow(static_cast<float>(length), length_penalty);
}

// Whether any input has a target prefix. CT2 passes no prefix at all to the search when
// none has one, and some prefix rules (the secondary-EOS penalty at the first free step)
// depend on that batch-wide fact.
bool any_prefix(std::span<const DecodeInput> inputs);

// Whether origin is 0, 1, ..., rows - 1: selecting those rows would change nothing.
bool is_identity(std::span<const int32_t> origin, std::size_t rows);

}  // namespace nmtd::decoding
