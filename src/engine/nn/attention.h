#pragma once
// Scaled dot-product attention of one query vector over `len` keys, for one head.
#include <cstdint>

namespace nmtd {

// q: [dh]; keys/values: len rows of `stride` floats, the head's slice starting at each row;
// out: [dh]. `scores` is scratch of at least len floats.
void attend_one(const float* q, const float* keys, const float* values, int64_t stride,
                int64_t len, int64_t dh, float scale, float* scores, float* out);

}  // namespace nmtd
