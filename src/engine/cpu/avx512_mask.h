#pragma once
// The lane mask for the last, partial 16-float vector of a row (AVX-512 kernels only).
// Include after <immintrin.h>, inside the file's AVX-512 target region.
#include <cstdint>

namespace nmtd::cpu::avx512 {

inline __mmask16 tail_mask(int64_t valid) {
  return valid >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << valid) - 1u);
}

}  // namespace nmtd::cpu::avx512
