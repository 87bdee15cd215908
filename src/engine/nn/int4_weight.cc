#include "engine/nn/int4_weight.h"

#include <cmath>
#include <cstring>
#include <string>

#include "common/error.h"
#include "common/printable.h"
#include "engine/model/model_file.h"

namespace nmtd {

namespace {

struct Int4View {
  int64_t rows = 0;
  int64_t cols = 0;
  const uint8_t* nibbles = nullptr;
  std::vector<uint16_t> scales;  // bfloat16 [rows][groups]
  int64_t groups() const { return (cols + ops::int4_group_size() - 1) / ops::int4_group_size(); }
};

Int4View read_int4(const ModelFile& file, const Variable& v) {
  Int4View view;
  view.rows = v.shape.at(0);
  view.cols = v.shape.at(1);
  view.nibbles = reinterpret_cast<const uint8_t*>(file.payload(v).data());
  const std::string scale_name = v.name + "_scale";
  const Variable* s = file.find(scale_name);
  if (s == nullptr)
    throw ModelFormatError("model.bin: int4 variable '" + printable(v.name) + "' has no '" +
                           printable(scale_name) + "'");
  const std::vector<int64_t> want = {view.rows, view.groups()};
  if (s->dtype != DType::kBF16 || s->shape != want)
    throw ModelFormatError(
        "model.bin: '" + printable(s->name) + "' is " + std::string(dtype_name(s->dtype)) + " of " +
        std::to_string(s->shape.size()) + " dimensions, expected bfloat16 [" +
        std::to_string(want[0]) + ", " + std::to_string(want[1]) +
        "] (one scale per row per group of " + std::to_string(ops::int4_group_size()) + ")");
  const auto bytes = file.payload(*s);
  view.scales.resize(static_cast<std::size_t>(s->num_elements()));
  std::memcpy(view.scales.data(), bytes.data(), view.scales.size() * 2);
  for (std::size_t i = 0; i < view.scales.size(); ++i) {
    const float f = bfloat16_to_float(view.scales[i]);
    if (!(std::isfinite(f) && f > 0.0f))
      throw ModelFormatError("model.bin: variable '" + printable(s->name) + "' holds " +
                             std::to_string(f) + " at element " + std::to_string(i) +
                             " (quantization scales must be finite and above 0)");
  }
  return view;
}

}  // namespace

ops::PackedWeight pack_int4_weight(const ModelFile& file, const Variable& v, ThreadPool& pool) {
  const Int4View w = read_int4(file, v);
  return ops::pack_i4(w.nibbles, w.scales.data(), w.rows, w.cols, pool);
}

std::vector<float> dequantize_int4_weight(const ModelFile& file, const Variable& v) {
  const Int4View w = read_int4(file, v);
  const int64_t row_bytes = (w.cols + 1) / 2;
  const int64_t group = ops::int4_group_size();
  std::vector<float> out(static_cast<std::size_t>(w.rows * w.cols));
  for (int64_t r = 0; r < w.rows; ++r) {
    for (int64_t i = 0; i < w.cols; ++i) {
      const uint8_t byte = w.nibbles[r * row_bytes + i / 2];
      const int q = (i % 2 == 0 ? byte & 0x0F : byte >> 4) - 8;
      out[r * w.cols + i] =
          static_cast<float>(q) * bfloat16_to_float(w.scales[r * w.groups() + i / group]);
    }
  }
  return out;
}

}  // namespace nmtd
