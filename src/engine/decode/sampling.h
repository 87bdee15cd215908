#pragma once
// Random sampling as CTranslate2 4.8.1's RandomSampler (src/sampling.cc) draws one token per
// row: keep the top sampling_topk scores (all of them for 0), divide by sampling_temperature,
// keep the smallest most-probable set whose mass reaches sampling_topp (a token stays while
// the mass before it is below p, as CT2's TopPMask), then draw from the softmax of what is
// left. The distribution is CT2's; the random numbers are nmtd's own: a 64-bit Mersenne
// twister per input and hypothesis, seeded from sampling_seed, with the draw made by inverse
// CDF, so the same seed gives the same tokens on every platform.
#include <cstdint>
#include <random>
#include <vector>

#include "engine/decode/decoding.h"

namespace nmtd::decoding {

class TokenSampler {
 public:
  // `stream` tells apart the generators of one input (its hypotheses).
  TokenSampler(const DecodingOptions& options, uint64_t stream);

  // Draws a token from a row of n scores (logits or log-probs: the softmax is the same).
  // Scores at the lowest float (banned tokens) are never drawn unless nothing else is left.
  int32_t sample(const float* scores, int64_t n);

  // The probabilities sample() draws from, for tests: (token, probability) pairs.
  struct Weighted {
    int32_t token;
    double probability;
  };
  const std::vector<Weighted>& distribution(const float* scores, int64_t n);

  // A uniform double in [0, 1) from the generator's top 53 bits.
  double uniform();

 private:
  int topk_;
  float topp_;
  float temperature_;
  std::mt19937_64 generator_;
  std::vector<Weighted> support_;  // scratch, reused across steps
};

// The seed of hypothesis `stream` of an input sampled with `seed` (splitmix64 of both).
uint64_t sampling_stream_seed(uint64_t seed, uint64_t stream);

}  // namespace nmtd::decoding
