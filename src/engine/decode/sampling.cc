#include "engine/decode/sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "common/error.h"

namespace nmtd::decoding {

uint64_t sampling_stream_seed(uint64_t seed, uint64_t stream) {
  // splitmix64's finalizer over seed and stream, so that nearby seeds and streams give
  // unrelated generator states.
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

TokenSampler::TokenSampler(const DecodingOptions& options, uint64_t stream)
    : topk_(options.sampling_topk),
      topp_(options.sampling_topp),
      temperature_(options.sampling_temperature),
      generator_(sampling_stream_seed(options.sampling_seed, stream)) {}

double TokenSampler::uniform() { return static_cast<double>(generator_() >> 11) * 0x1.0p-53; }

const std::vector<TokenSampler::Weighted>& TokenSampler::distribution(const float* scores,
                                                                      int64_t n) {
  if (topk_ > n)
    throw InvalidArgument("sampling_topk (" + std::to_string(topk_) +
                          ") is greater than the vocabulary size (" + std::to_string(n) + ")");
  support_.clear();
  support_.reserve(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    support_.push_back({static_cast<int32_t>(i), static_cast<double>(scores[i])});
  }
  // Higher score first, the lower index first among equals (CT2's TopK).
  const auto higher = [](const Weighted& a, const Weighted& b) {
    return a.probability > b.probability || (a.probability == b.probability && a.token < b.token);
  };
  if (topk_ > 0 && topk_ < n) {
    std::partial_sort(support_.begin(), support_.begin() + topk_, support_.end(), higher);
    support_.resize(static_cast<std::size_t>(topk_));
  } else if (topp_ < 1.0f) {
    std::sort(support_.begin(), support_.end(), higher);
  }
  // Softmax of score / temperature. A banned token (lowest float) gets probability 0.
  double max = -std::numeric_limits<double>::infinity();
  for (const auto& w : support_) max = std::max(max, w.probability / temperature_);
  double total = 0.0;
  for (auto& w : support_) {
    const double p = std::exp(w.probability / temperature_ - max);
    w.probability = std::isfinite(p) ? p : 0.0;
    total += w.probability;
  }
  for (auto& w : support_) w.probability /= total;
  if (topp_ < 1.0f) {
    // The support is sorted by probability: keep each token while the mass before it is < p.
    double before = 0.0;
    std::size_t kept = 0;
    while (kept < support_.size() && before < topp_) before += support_[kept++].probability;
    support_.resize(kept);
    for (auto& w : support_) w.probability /= before;
  }
  return support_;
}

int32_t TokenSampler::sample(const float* scores, int64_t n) {
  const auto& support = distribution(scores, n);
  double u = uniform();
  for (const auto& w : support) {
    if (u < w.probability) return w.token;
    u -= w.probability;
  }
  // Rounding left u above the last probability: take the last token that can be drawn.
  for (auto it = support.rbegin(); it != support.rend(); ++it) {
    if (it->probability > 0.0) return it->token;
  }
  return support.front().token;
}

}  // namespace nmtd::decoding
