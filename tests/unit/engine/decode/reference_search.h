#pragma once
// An independent, deliberately plain rendering of CT2 4.8.1's greedy and beam search for
// one input at a time: beams are objects holding their tokens, logits come straight from a
// stateless function of the tokens, candidates are fully sorted. No batching, no row
// selection, no heap: what the real search does with those must not change the result.
#include <cstdint>
#include <vector>

#include "engine/decode/decoding.h"
#include "unit/engine/decode/toy_model.h"

namespace nmtd::testing {

// `batch_has_prefix`: whether any input of the batch the input is decoded in has a target
// prefix (CT2 then penalizes secondary end tokens at the first free step of every input).
std::vector<DecodeResult> reference_decode(const LogitsFn& fn, int64_t vocab,
                                           const DecodeInput& input, const DecodeVocab& ids,
                                           const DecodingOptions& options, bool batch_has_prefix);

}  // namespace nmtd::testing
