#pragma once
// Row-wise reductions for the log-softmax that CTranslate2 applies to each row of logits.
// CT2 computes y = x + (-max - log(Σ exp(x - max))) in float. The searches need only that
// one offset per row, never a materialized log-softmax, so these helpers return just it.
#include <cmath>
#include <cstdint>

namespace nmtd::decoding {

// Largest value of x[0..n) (n >= 1).
float row_max(const float* x, int64_t n);

// Σ exp(x[i] - max) over the row. Uses a polynomial exp that the compiler vectorizes
// (relative error ~1e-7, like the vectorized exp CT2 uses); terms below e^-87 count as 0.
float row_exp_sum(const float* x, int64_t n, float max);

// The log-softmax offset c with log_softmax(x)[i] == x[i] + c, computed as CT2 does.
inline float log_softmax_offset(float max, float exp_sum) { return -max - std::log(exp_sum); }

// Index of the first i with x[i] + offset == target, or n when there is none. With target =
// max + offset this is the first maximum after rounding, i.e. CT2's top-1 (lower index wins).
int64_t first_index_reaching(const float* x, int64_t n, float offset, float target);

}  // namespace nmtd::decoding
