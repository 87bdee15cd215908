#pragma once
// Compute types as CTranslate2 users name them, and how a request resolves on the CPU,
// where nmtd computes in float32 or int8 (int8 weights, float32 activations).
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
};

enum class CpuCompute { kFloat32, kInt8 };

// Throws InvalidArgument listing the valid names.
ComputeType parse_compute_type(std::string_view name);
std::string_view compute_type_name(CpuCompute c);

// `stored_weights` is the dtype of the model's linear weights. Mirrors CTranslate2's
// resolve_compute_type on a CPU without MKL: float16/bfloat16 storage computes in float32,
// int16 storage in int8; an explicit float16, bfloat16, int16, int8_float16 or
// int8_bfloat16 request is Unsupported.
CpuCompute resolve_cpu_compute(ComputeType requested, DType stored_weights);

}  // namespace nmtd
