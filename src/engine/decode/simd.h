#pragma once
// A fixed-width float vector (GCC/Clang vector extensions) for the row loops of the search:
// portable source that compiles to SSE2 by default and to AVX2 in the clones that
// NMTD_DECODE_CLONES selects at run time. Every operation is element-wise IEEE float, so the
// results do not depend on which clone runs.
#include <cstdint>
#include <cstring>

// GCC warns that 32-byte vectors passed by value have a different ABI with and without AVX.
// These helpers are internal and inlined, never called across an AVX/non-AVX boundary.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace nmtd::decoding::simd {

constexpr int kWidth = 8;
using VecF = float __attribute__((vector_size(32)));
using VecI = int32_t __attribute__((vector_size(32)));

[[gnu::always_inline]] inline VecF load(const float* p) {
  VecF v;
  std::memcpy(&v, p, sizeof v);  // unaligned rows: memcpy compiles to one unaligned load
  return v;
}

[[gnu::always_inline]] inline VecF splat(float x) { return VecF{} + x; }

// Whether any lane of a comparison mask is set: a log2 reduction with shuffles, since
// extracting the lanes one by one costs more than the comparisons themselves.
[[gnu::always_inline]] inline bool any(VecI mask) {
#if defined(__clang__)
  mask |= __builtin_shufflevector(mask, mask, 4, 5, 6, 7, 0, 1, 2, 3);
  mask |= __builtin_shufflevector(mask, mask, 2, 3, 0, 1, 6, 7, 4, 5);
  mask |= __builtin_shufflevector(mask, mask, 1, 0, 3, 2, 5, 4, 7, 6);
#else
  mask |= __builtin_shuffle(mask, VecI{4, 5, 6, 7, 0, 1, 2, 3});
  mask |= __builtin_shuffle(mask, VecI{2, 3, 0, 1, 6, 7, 4, 5});
  mask |= __builtin_shuffle(mask, VecI{1, 0, 3, 2, 5, 4, 7, 6});
#endif
  return mask[0] != 0;
}

}  // namespace nmtd::decoding::simd

// Hot loops get an AVX2 clone chosen when the program starts (ifunc); other targets keep
// the portable version.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NMTD_DECODE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define NMTD_DECODE_CLONES
#endif
