#pragma once
// Reading the int4 weights of docs/model-format.md: a [rows, cols] variable of dtype int4
// and its `_scale` variable, bfloat16 [rows, ceil(cols / 64)], checked against each other.
#include <memory>
#include <vector>

#include "common/thread_pool.h"
#include "engine/ops/ops.h"

namespace nmtd {

class ModelFile;
struct Variable;

// Packed for the int4 kernels. Throws ModelFormatError naming the variable when the scale
// is missing, of another dtype or shape, or holds a value that is not finite and above 0.
ops::PackedWeight pack_int4_weight(const ModelFile& file, const Variable& v, ThreadPool& pool);

// Dequantized to float32 row-major [rows, cols] (float32 compute of an int4 model).
std::vector<float> dequantize_int4_weight(const ModelFile& file, const Variable& v);

}  // namespace nmtd
