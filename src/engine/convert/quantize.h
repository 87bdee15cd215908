#pragma once
// Weight storage types of `--quantization` and the formulas CTranslate2's converter uses
// (python/ctranslate2/specs/model_spec.py `_quantize`), reproduced bit for bit so that a
// converted model.bin equals the one ct2-transformers-converter writes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/dtype.h"

namespace nmtd {

enum class Quantization {
  kFloat32,
  kInt8,
  kInt8Float16,
  kInt8BFloat16,
  kInt16,
  kFloat16,
  kBFloat16,
  kInt4,  // nmtd's group-wise int4 (docs/model-format.md); CTranslate2 cannot load it
};

// Accepts CTranslate2's names (int8_float32 is int8). Throws InvalidArgument listing them.
Quantization parse_quantization(std::string_view name);
std::string_view quantization_name(Quantization q);
std::string quantization_choices();  // "float32|int8|..." for usage texts

// Storage of quantizable weights (Linear and embedding weights) and of every other float
// variable (biases, layer norms, position table). Scalars are never converted.
DType weight_dtype(Quantization q);
DType float_dtype(Quantization q);

float abs_max(const float* w, int64_t n);

// int8, one scale per output row: scale = 127 / amax (amax 0 -> 127, so scale 1),
// q = rint(w * scale) with round-half-to-even. Returns the scale.
float quantize_row_int8(const float* w, int64_t n, int8_t* out);

// int4, one bfloat16 scale per group of kInt4Group values of the row: s = amax / 7 rounded
// to bfloat16 (1 for an all-zero group), q = clamp(rint(w / s), -8, 7) (half to even),
// stored as the nibble q + 8, element i in the low (even i) or high (odd i) half of byte
// i / 2. Writes ceil(n / 2) bytes and ceil(n / kInt4Group) scales.
inline constexpr int64_t kInt4Group = 64;
void quantize_row_int4(const float* w, int64_t n, uint8_t* nibbles, uint16_t* scales);

// int16, one scale per tensor: scale = 2^10 / amax. CTranslate2 divides by zero for an
// all-zero tensor; we use scale 1 instead so that the file holds no inf/NaN.
float int16_scale(float amax);
void quantize_int16(const float* w, int64_t n, float scale, int16_t* out);

// Stores floats as float32, float16 or bfloat16 (round-to-nearest-even), unaligned output.
void store_floats(const float* in, int64_t n, DType to, std::byte* out);

}  // namespace nmtd
