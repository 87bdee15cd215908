#include "engine/nn/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nmtd {

void attend_one(const float* q, const float* keys, const float* values, int64_t stride,
                int64_t len, int64_t dh, float scale, float* scores, float* out) {
  float max_score = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < len; ++j) {
    const float* k = keys + j * stride;
    float dot = 0.0f;
    for (int64_t c = 0; c < dh; ++c) dot += q[c] * k[c];
    scores[j] = dot * scale;
    max_score = std::max(max_score, scores[j]);
  }
  float sum = 0.0f;
  for (int64_t j = 0; j < len; ++j) {
    scores[j] = std::exp(scores[j] - max_score);
    sum += scores[j];
  }
  const float inv = 1.0f / sum;
  std::fill(out, out + dh, 0.0f);
  for (int64_t j = 0; j < len; ++j) {
    const float p = scores[j] * inv;
    const float* v = values + j * stride;
    for (int64_t c = 0; c < dh; ++c) out[c] += p * v[c];
  }
}

}  // namespace nmtd
