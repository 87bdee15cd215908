#pragma once
// Compute types as CTranslate2 users name them (and nmtd's int4), and how a request
// resolves on the CPU, where nmtd computes in float32, int8 (int8 weights, float32
// activations) or int4 (group-wise int4 weights of a model stored so, int8 activations).
#include <string>
#include <string_view>

#include "engine/dtype.h"

namespace nmtd {

enum class ComputeType {
  kDefault,  // keep what is stored (with CTranslate2's CPU fallbacks)
  kAuto,     // fastest available: int8
  kFloat32,
  kInt8,
  kInt8Float32,
  kInt8Float16,
  kInt8BFloat16,
  kInt16,
  kFloat16,
  kBFloat16,
  kInt4,  // nmtd's: only for models stored in int4
};

enum class CpuCompute { kFloat32, kInt8, kInt4 };

// Throws InvalidArgument listing the valid names.
ComputeType parse_compute_type(std::string_view name);
std::string_view compute_type_name(CpuCompute c);

// `stored_weights` is the dtype of the model's linear weights. Mirrors CTranslate2's
// resolve_compute_type on a CPU without MKL: float16/bfloat16 storage computes in float32,
// int16 storage in int8; an explicit float16, bfloat16, int16, int8_float16 or
// int8_bfloat16 request is Unsupported. int4 storage computes in int4 (default, auto, int4)
// or float32 (dequantized); int4 asked of other storage, or int8/int16 asked of int4
// storage, is Unsupported (requantizing 4-bit values to 8 bits gains nothing and costs
// twice the memory).
CpuCompute resolve_cpu_compute(ComputeType requested, DType stored_weights);

}  // namespace nmtd
