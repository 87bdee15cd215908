#pragma once
// Element types, numbered as CTranslate2's model.bin dtype codes (0..5), and nmtd's int4
// (code 6, two values a byte; docs/model-format.md), which CTranslate2 does not know.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace nmtd {

enum class DType : uint8_t { kF32 = 0, kI8 = 1, kI16 = 2, kI32 = 3, kF16 = 4, kBF16 = 5, kI4 = 6 };
inline constexpr int kMaxDTypeCode = 6;
// model.bin binary version 7 is nmtd's: version 6 plus the int4 dtype. CTranslate2 (which
// reads up to 6) refuses such a file at its first field.
inline constexpr uint32_t kInt4BinaryVersion = 7;

// Bytes per element; int4 packs two elements a byte, so it answers 1 for the byte that
// holds them and a payload's size comes from int4_payload_bytes().
inline std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::kI8:
    case DType::kI4:
      return 1;
    case DType::kI16:
    case DType::kF16:
    case DType::kBF16:
      return 2;
    case DType::kF32:
    case DType::kI32:
      return 4;
  }
  return 0;
}

inline std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::kF32:
      return "float32";
    case DType::kI8:
      return "int8";
    case DType::kI16:
      return "int16";
    case DType::kI32:
      return "int32";
    case DType::kF16:
      return "float16";
    case DType::kBF16:
      return "bfloat16";
    case DType::kI4:
      return "int4";
  }
  return "?";
}

// The payload of an int4 [rows, cols] matrix: each row starts on a byte (ceil(cols / 2)).
inline uint64_t int4_payload_bytes(uint64_t rows, uint64_t cols) { return rows * ((cols + 1) / 2); }

inline std::optional<DType> dtype_from_code(unsigned code) {
  if (code > kMaxDTypeCode) return std::nullopt;
  return static_cast<DType>(code);
}

// IEEE binary16 and bfloat16 conversions (bit-exact, round-to-nearest-even on narrowing).
float half_to_float(uint16_t h);
uint16_t float_to_half(float f);
inline float bfloat16_to_float(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
uint16_t float_to_bfloat16(float f);

}  // namespace nmtd
