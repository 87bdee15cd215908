#include "engine/compute_type.h"

#include "common/error.h"

namespace nmtd {

ComputeType parse_compute_type(std::string_view name) {
  struct Entry {
    std::string_view name;
    ComputeType type;
  };
  static constexpr Entry kNames[] = {
      {"default", ComputeType::kDefault},
      {"auto", ComputeType::kAuto},
      {"float32", ComputeType::kFloat32},
      {"int8", ComputeType::kInt8},
      {"int8_float32", ComputeType::kInt8Float32},
      {"int8_float16", ComputeType::kInt8Float16},
      {"int8_bfloat16", ComputeType::kInt8BFloat16},
      {"int16", ComputeType::kInt16},
      {"float16", ComputeType::kFloat16},
      {"bfloat16", ComputeType::kBFloat16},
      {"int4", ComputeType::kInt4},
  };
  for (const auto& e : kNames)
    if (e.name == name) return e.type;
  throw InvalidArgument("unknown compute type '" + std::string(name) +
                        "' (valid: default, auto, float32, int8, int8_float32, int8_float16, "
                        "int8_bfloat16, int16, float16, bfloat16, int4)");
}

std::string_view compute_type_name(CpuCompute c) {
  switch (c) {
    case CpuCompute::kInt8:
      return "int8";
    case CpuCompute::kInt4:
      return "int4";
    case CpuCompute::kFloat32:
      break;
  }
  return "float32";
}

namespace {

// int4 storage and the int4 request, which CTranslate2 has no counterpart for.
CpuCompute resolve_int4(ComputeType requested, DType stored_weights) {
  if (stored_weights != DType::kI4)
    throw Unsupported(
        "compute type int4 needs a model stored in int4 (nmtd convert "
        "--quantization int4); this model stores " +
        std::string(dtype_name(stored_weights)) + " weights");
  switch (requested) {
    case ComputeType::kDefault:
    case ComputeType::kAuto:
    case ComputeType::kInt4:
      return CpuCompute::kInt4;
    case ComputeType::kFloat32:
      return CpuCompute::kFloat32;
    case ComputeType::kInt8:
    case ComputeType::kInt8Float32:
      throw Unsupported(
          "this model stores int4 weights, which compute type int8 cannot use (use int4, "
          "default or float32; for int8, convert the original weights with --quantization int8)");
    default:
      return resolve_cpu_compute(requested, DType::kF32);  // the CPU's own refusals
  }
}

}  // namespace

CpuCompute resolve_cpu_compute(ComputeType requested, DType stored_weights) {
  if (requested == ComputeType::kInt4 || stored_weights == DType::kI4)
    return resolve_int4(requested, stored_weights);
  switch (requested) {
    case ComputeType::kInt4:
      break;  // resolved above
    case ComputeType::kFloat32:
      return CpuCompute::kFloat32;
    case ComputeType::kAuto:
    case ComputeType::kInt8:
    case ComputeType::kInt8Float32:
      return CpuCompute::kInt8;
    case ComputeType::kInt8Float16:  // as CTranslate2: an explicit type the CPU cannot do fails
    case ComputeType::kInt8BFloat16:
      throw Unsupported(
          "compute type " +
          std::string(requested == ComputeType::kInt8Float16 ? "int8_float16" : "int8_bfloat16") +
          " is not supported on CPU; use int8 or float32");
    case ComputeType::kInt16:
      throw Unsupported(
          "compute type int16 is not supported on CPU (CTranslate2 needs Intel MKL for it); "
          "use int8 or float32");
    case ComputeType::kFloat16:
    case ComputeType::kBFloat16:
      throw Unsupported("compute type " +
                        std::string(requested == ComputeType::kFloat16 ? "float16" : "bfloat16") +
                        " is not supported on CPU; use float32 or int8");
    case ComputeType::kDefault:
      break;
  }
  switch (stored_weights) {
    case DType::kI8:
    case DType::kI16:
      return CpuCompute::kInt8;
    default:
      return CpuCompute::kFloat32;
  }
}

}  // namespace nmtd
