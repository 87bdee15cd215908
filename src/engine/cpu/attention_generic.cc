// Plain C++ attention of one query and head: the reference the SIMD paths meet, in
// CTranslate2's orders of operations (ct2_arith.h).
#include <algorithm>
#include <cmath>

#include "engine/cpu/kernels.h"

namespace nmtd::cpu::generic {

void attend(const float* q, const float* k, const float* v, int64_t kv_stride, int64_t len,
            int64_t dh, float scale, DotOrder order, float* scores, float* out) {
  for (int64_t j = 0; j < len; ++j) scores[j] = ct2_dot(order, q, k + j * kv_stride, dh, scale);
  softmax_row(scores, len, len);
  std::fill(out, out + dh, 0.0f);
  for (int64_t j = 0; j < len; ++j) {
    const float p = scores[j];
    const float* vj = v + j * kv_stride;
    for (int64_t c = 0; c < dh; ++c) out[c] = std::fma(p, vj[c], out[c]);
  }
}

}  // namespace nmtd::cpu::generic
