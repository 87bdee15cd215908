// DecodingOptions::validate: the checks of CT2's validate_decoding_options that apply to
// nmtd's options, with messages that name the option and the allowed range.
#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "common/error.h"
#include "engine/decode/decoding.h"

namespace nmtd {
namespace {

[[noreturn]] void reject(const std::string& option, const std::string& range,
                         const std::string& value) {
  throw InvalidArgument(option + " must be " + range + " (got " + value + ")");
}

std::string str(float v) {
  std::ostringstream out;
  out << v;  // shortest form: "4", "0.5", "nan"
  return out.str();
}

}  // namespace

void DecodingOptions::validate() const {
  // Upper bounds CTranslate2 does not have: the logits of a step take beam_size x vocabulary
  // floats per input (1 MiB per beam at NLLB's 256k vocabulary), and a server must refuse
  // a request that would take all memory rather than be killed by it.
  if (beam_size < 1 || beam_size > kMaxBeamSize)
    reject("beam_size", "between 1 and " + std::to_string(kMaxBeamSize), std::to_string(beam_size));
  // Written as !(x > 0) so that NaN is rejected too.
  if (!(patience > 0.0f) || !std::isfinite(patience)) {
    reject("patience", "a finite number > 0", str(patience));
  }
  if (!std::isfinite(length_penalty))
    reject("length_penalty", "a finite number", str(length_penalty));
  if (max_decoding_length < 1) {
    reject("max_decoding_length", ">= 1", std::to_string(max_decoding_length));
  }
  if (min_decoding_length < 0 || min_decoding_length > max_decoding_length) {
    reject("min_decoding_length",
           "between 0 and max_decoding_length (" + std::to_string(max_decoding_length) + ")",
           std::to_string(min_decoding_length));
  }
  // A subnormal penalty would turn logit / penalty into inf and the row into NaN.
  if (!(repetition_penalty >= std::numeric_limits<float>::min()) ||
      !std::isfinite(repetition_penalty))
    reject("repetition_penalty", "a finite number > 0", str(repetition_penalty));
  if (no_repeat_ngram_size < 0) {
    reject("no_repeat_ngram_size", ">= 0", std::to_string(no_repeat_ngram_size));
  }
  // CT2 returns at most round(beam_size * patience) finished hypotheses per input.
  // Compared in floating point: beam_size * patience may exceed the range of an int.
  const float max_hypotheses = std::round(static_cast<float>(beam_size) * patience);
  if (max_hypotheses > static_cast<float>(kMaxFinishedHypotheses))
    reject("beam_size * patience", "at most " + std::to_string(kMaxFinishedHypotheses),
           str(max_hypotheses));
  // As CT2, alternatives and greedy sampling may return more hypotheses than the beam holds.
  const bool hypotheses_unbounded_by_beam = return_alternatives || (beam_size == 1 && samples());
  if (num_hypotheses < 1 ||
      (!hypotheses_unbounded_by_beam && static_cast<float>(num_hypotheses) > max_hypotheses)) {
    reject("num_hypotheses", "between 1 and round(beam_size * patience) = " + str(max_hypotheses),
           std::to_string(num_hypotheses));
  }

  // Sampling and alternatives.
  if (sampling_topk < 0)
    reject("sampling_topk", ">= 0 (0: the whole vocabulary, 1: no sampling)",
           std::to_string(sampling_topk));
  if (!(sampling_topp > 0.0f && sampling_topp <= 1.0f))
    reject("sampling_topp", "in (0, 1]", str(sampling_topp));
  if (!(sampling_temperature > 0.0f) || !std::isfinite(sampling_temperature))
    reject("sampling_temperature", "a finite number > 0", str(sampling_temperature));
  if (samples() && beam_size > 1)
    reject("beam_size", "1 when sampling (sampling_topk != 1): nmtd samples in greedy search only",
           std::to_string(beam_size));
  if (return_alternatives &&
      !(min_alternative_expansion_prob >= 0.0f && min_alternative_expansion_prob <= 1.0f))
    reject("min_alternative_expansion_prob", "in [0, 1]", str(min_alternative_expansion_prob));
  // Each alternative (or greedy sample) runs its own search: bound the rows as beam_size is.
  if (hypotheses_unbounded_by_beam &&
      static_cast<int64_t>(num_hypotheses) * beam_size > kMaxBeamSize)
    reject("num_hypotheses * beam_size",
           "at most " + std::to_string(kMaxBeamSize) + " with return_alternatives or sampling",
           std::to_string(static_cast<int64_t>(num_hypotheses) * beam_size));
}

int64_t rows_per_input(const DecodingOptions& options) {
  if (options.return_alternatives)
    return static_cast<int64_t>(options.num_hypotheses) * options.beam_size;
  if (options.beam_size == 1 && options.samples()) return options.num_hypotheses;
  return options.beam_size;
}

}  // namespace nmtd
