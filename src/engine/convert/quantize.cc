#include "engine/convert/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/error.h"

namespace nmtd {

namespace {

struct QuantName {
  std::string_view name;
  Quantization q;
};

constexpr QuantName kNames[] = {
    {"float32", Quantization::kFloat32},
    {"int8", Quantization::kInt8},
    {"int8_float32", Quantization::kInt8},
    {"int8_float16", Quantization::kInt8Float16},
    {"int8_bfloat16", Quantization::kInt8BFloat16},
    {"int16", Quantization::kInt16},
    {"float16", Quantization::kFloat16},
    {"bfloat16", Quantization::kBFloat16},
    {"int4", Quantization::kInt4},
};

}  // namespace

Quantization parse_quantization(std::string_view name) {
  for (const auto& n : kNames)
    if (n.name == name) return n.q;
  throw InvalidArgument("unknown quantization '" + std::string(name) + "' (expected " +
                        quantization_choices() + ")");
}

std::string_view quantization_name(Quantization q) {
  for (const auto& n : kNames)
    if (n.q == q) return n.name;
  return "?";
}

std::string quantization_choices() {
  return "float32|int8|int8_float32|int8_float16|int8_bfloat16|int16|float16|bfloat16|int4";
}

DType weight_dtype(Quantization q) {
  switch (q) {
    case Quantization::kFloat32:
      return DType::kF32;
    case Quantization::kInt8:
    case Quantization::kInt8Float16:
    case Quantization::kInt8BFloat16:
      return DType::kI8;
    case Quantization::kInt16:
      return DType::kI16;
    case Quantization::kFloat16:
      return DType::kF16;
    case Quantization::kBFloat16:
      return DType::kBF16;
    case Quantization::kInt4:
      return DType::kI4;
  }
  return DType::kF32;
}

DType float_dtype(Quantization q) {
  switch (q) {
    case Quantization::kInt8Float16:
    case Quantization::kFloat16:
      return DType::kF16;
    case Quantization::kInt8BFloat16:
    case Quantization::kBFloat16:
      return DType::kBF16;
    default:
      return DType::kF32;
  }
}

float abs_max(const float* w, int64_t n) {
  float m = 0.0f;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, std::fabs(w[i]));
  return m;
}

float quantize_row_int8(const float* w, int64_t n, int8_t* out) {
  float amax = abs_max(w, n);
  if (amax == 0.0f) amax = 127.0f;
  const float scale = 127.0f / amax;  // float32 division, as numpy does for float32 arrays
  for (int64_t i = 0; i < n; ++i) {
    // std::rint honours the default round-to-nearest-even mode, like numpy.rint.
    out[i] = static_cast<int8_t>(std::rint(w[i] * scale));
  }
  return scale;
}

void quantize_row_int4(const float* w, int64_t n, uint8_t* nibbles, uint16_t* scales) {
  std::memset(nibbles, 0, static_cast<std::size_t>((n + 1) / 2));
  for (int64_t g0 = 0, q = 0; g0 < n; g0 += kInt4Group, ++q) {
    const int64_t len = std::min(kInt4Group, n - g0);
    const float amax = abs_max(w + g0, len);
    // The values are rounded against the scale as stored, so its bfloat16 rounding moves
    // the grid but adds no error of its own.
    uint16_t stored = float_to_bfloat16(amax / 7.0f);
    if (!(bfloat16_to_float(stored) > 0.0f)) stored = float_to_bfloat16(1.0f);
    scales[q] = stored;
    const float s = bfloat16_to_float(stored);
    for (int64_t i = g0; i < g0 + len; ++i) {
      const float r = std::clamp(std::rint(w[i] / s), -8.0f, 7.0f);
      const auto nibble = static_cast<uint8_t>(static_cast<int>(r) + 8);
      nibbles[i / 2] |= static_cast<uint8_t>(i % 2 == 0 ? nibble : nibble << 4);
    }
  }
}

float int16_scale(float amax) { return amax == 0.0f ? 1.0f : 1024.0f / amax; }

void quantize_int16(const float* w, int64_t n, float scale, int16_t* out) {
  for (int64_t i = 0; i < n; ++i) {
    const float r = std::clamp(std::rint(w[i] * scale), -32768.0f, 32767.0f);
    out[i] = static_cast<int16_t>(r);
  }
}

void store_floats(const float* in, int64_t n, DType to, std::byte* out) {
  switch (to) {
    case DType::kF32:
      std::memcpy(out, in, static_cast<std::size_t>(n) * 4);
      return;
    case DType::kF16:
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = to == DType::kF16 ? float_to_half(in[i]) : float_to_bfloat16(in[i]);
        std::memcpy(out + 2 * i, &h, 2);
      }
      return;
    default:
      throw Error("store_floats: not a float dtype: " + std::string(dtype_name(to)));
  }
}

}  // namespace nmtd
