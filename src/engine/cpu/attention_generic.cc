// Plain C++ attention of one query and head: the reference the SIMD paths meet.
#include <algorithm>

#include "engine/cpu/kernels.h"

namespace nmtd::cpu::generic {

void attend(const float* q, const float* k, const float* v, int64_t kv_stride, int64_t len,
            int64_t dh, float scale, float* scores, float* out) {
  for (int64_t j = 0; j < len; ++j) {
    const float* kj = k + j * kv_stride;
    float dot = 0.0f;
    for (int64_t c = 0; c < dh; ++c) dot += q[c] * kj[c];
    scores[j] = dot * scale;
  }
  softmax_row(scores, len, len);
  std::fill(out, out + dh, 0.0f);
  for (int64_t j = 0; j < len; ++j) {
    const float p = scores[j];
    const float* vj = v + j * kv_stride;
    for (int64_t c = 0; c < dh; ++c) out[c] += p * vj[c];
  }
}

}  // namespace nmtd::cpu::generic
