// write_nllb_model(): turns the spec's variables into model.bin entries, tensor by tensor,
// each one produced in parallel row blocks directly in its stored dtype.
#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <mutex>

#include "common/error.h"
#include "common/thread_pool.h"
#include "engine/convert/model_writer.h"
#include "engine/convert/nllb_spec.h"

namespace nmtd {

namespace {

using Kind = SpecVariable::Kind;

// Rows per block: enough work per block to amortise the call, small enough that the float
// scratch of one block stays in cache.
constexpr int64_t kBlockElements = 1 << 16;

int64_t rows_of(const SpecVariable& v) { return v.shape[0]; }
int64_t cols_of(const SpecVariable& v) { return v.shape.size() == 2 ? v.shape[1] : 1; }

// Reads rows [begin, end) of a variable whose sources are stacked along the first dimension.
void read_var_rows(const WeightSource& src, const SpecVariable& v, int64_t begin, int64_t end,
                   float* out) {
  const int64_t cols = cols_of(v);
  int64_t base = 0;
  for (const auto& s : v.sources) {
    const int64_t lo = std::max(begin, base), hi = std::min(end, base + s.rows());
    if (lo < hi) {
      src.read_rows(s, lo - base, hi - base, out);
      out += (hi - lo) * cols;
    }
    base += s.rows();
  }
}

// Runs fn(row_begin, row_end, scratch) over all rows in blocks on the pool.
template <typename Fn>
void for_row_blocks(ThreadPool& pool, int64_t rows, int64_t cols, Fn&& fn) {
  const int64_t block = std::max<int64_t>(1, kBlockElements / std::max<int64_t>(cols, 1));
  const int64_t nblocks = (rows + block - 1) / block;
  pool.parallel_for(nblocks, 1, [&](int64_t b0, int64_t b1) {
    std::vector<float> scratch(static_cast<std::size_t>(block * cols));
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t r0 = b * block, r1 = std::min(rows, r0 + block);
      fn(r0, r1, scratch.data());
    }
  });
}

std::vector<std::byte> as_bytes(const std::vector<float>& v) {
  std::vector<std::byte> out(v.size() * sizeof(float));
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

void emit_int4_weight(const SpecVariable& v, const WeightSource& src, ThreadPool& pool,
                      ModelWriter& w) {
  const int64_t rows = rows_of(v), cols = cols_of(v);
  const int64_t row_bytes = (cols + 1) / 2;
  const int64_t groups = (cols + kInt4Group - 1) / kInt4Group;
  std::vector<std::byte> data(static_cast<std::size_t>(rows * row_bytes));
  std::vector<uint16_t> scales(static_cast<std::size_t>(rows * groups));
  for_row_blocks(pool, rows, cols, [&](int64_t r0, int64_t r1, float* buf) {
    read_var_rows(src, v, r0, r1, buf);
    for (int64_t r = r0; r < r1; ++r)
      quantize_row_int4(buf + (r - r0) * cols, cols,
                        reinterpret_cast<uint8_t*>(data.data()) + r * row_bytes,
                        scales.data() + r * groups);
  });
  std::vector<std::byte> scale_bytes(scales.size() * 2);
  std::memcpy(scale_bytes.data(), scales.data(), scale_bytes.size());
  w.add(v.name, DType::kI4, v.shape, std::move(data));
  w.add(v.name + "_scale", DType::kBF16, {rows, groups}, std::move(scale_bytes));
}

void emit_weight(const SpecVariable& v, const WeightSource& src, Quantization q, ThreadPool& pool,
                 ModelWriter& w) {
  const int64_t rows = rows_of(v), cols = cols_of(v);
  const DType dt = weight_dtype(q);
  if (dt == DType::kI4) return emit_int4_weight(v, src, pool, w);
  std::vector<std::byte> data(static_cast<std::size_t>(rows * cols) * dtype_size(dt));

  if (dt == DType::kI8) {
    std::vector<float> scales(static_cast<std::size_t>(rows));
    for_row_blocks(pool, rows, cols, [&](int64_t r0, int64_t r1, float* buf) {
      read_var_rows(src, v, r0, r1, buf);
      for (int64_t r = r0; r < r1; ++r)
        scales[r] = quantize_row_int8(buf + (r - r0) * cols, cols,
                                      reinterpret_cast<int8_t*>(data.data()) + r * cols);
    });
    w.add(v.name, dt, v.shape, std::move(data));
    w.add_f32(v.name + "_scale", {rows}, scales);
    return;
  }

  if (dt == DType::kI16) {
    // One scale for the whole tensor: a first pass finds amax, a second quantizes. Reading
    // twice is cheaper than holding a float copy of the largest tensor (the embedding).
    std::atomic<uint32_t> amax_bits{0};  // non-negative floats order like their bits
    for_row_blocks(pool, rows, cols, [&](int64_t r0, int64_t r1, float* buf) {
      read_var_rows(src, v, r0, r1, buf);
      const uint32_t m = std::bit_cast<uint32_t>(abs_max(buf, (r1 - r0) * cols));
      uint32_t cur = amax_bits.load();
      while (m > cur && !amax_bits.compare_exchange_weak(cur, m)) {
      }
    });
    const float scale = int16_scale(std::bit_cast<float>(amax_bits.load()));
    for_row_blocks(pool, rows, cols, [&](int64_t r0, int64_t r1, float* buf) {
      read_var_rows(src, v, r0, r1, buf);
      std::vector<int16_t> tmp(static_cast<std::size_t>((r1 - r0) * cols));
      quantize_int16(buf, (r1 - r0) * cols, scale, tmp.data());
      std::memcpy(data.data() + r0 * cols * 2, tmp.data(), tmp.size() * 2);
    });
    w.add(v.name, dt, v.shape, std::move(data));
    w.add_scalar_f32(v.name + "_scale", scale);
    return;
  }

  for_row_blocks(pool, rows, cols, [&](int64_t r0, int64_t r1, float* buf) {
    read_var_rows(src, v, r0, r1, buf);
    store_floats(buf, (r1 - r0) * cols, dt, data.data() + r0 * cols * dtype_size(dt));
  });
  w.add(v.name, dt, v.shape, std::move(data));
}

void emit_float(const SpecVariable& v, std::vector<float> values, Quantization q, ModelWriter& w) {
  const DType dt = float_dtype(q);
  if (dt == DType::kF32) {
    w.add(v.name, dt, v.shape, as_bytes(values));
    return;
  }
  std::vector<std::byte> data(values.size() * dtype_size(dt));
  store_floats(values.data(), static_cast<int64_t>(values.size()), dt, data.data());
  w.add(v.name, dt, v.shape, std::move(data));
}

void add_scalars(const NllbShape& s, ModelWriter& w) {
  for (const char* side : {"decoder", "encoder"}) {
    const std::string p = side;
    w.add_scalar_i8(p + "/activation", 0);  // ReLU in TransformerSpec revision 7
    w.add_scalar_i16(p + "/num_heads", static_cast<int16_t>(s.heads));
    w.add_scalar_i8(p + "/pre_norm", 1);  // M2M100Loader forces normalize_before
    w.add_scalar_f32(p + "/scale_embeddings", s.embed_scale);
  }
  w.add_scalar_i8("decoder/alibi", 0);
  w.add_scalar_i8("decoder/alibi_use_positive_positions", 0);
  w.add_scalar_i16("decoder/alignment_heads", 1);
  w.add_scalar_i16("decoder/alignment_layer", -1);
  w.add_scalar_i8("decoder/scale_alibi", 0);
  w.add_scalar_i8("decoder/start_from_zero_embedding", 0);
  w.add_scalar_i8("encoder/embeddings_merge", 0);
  w.add_scalar_i8("encoder/multi_query_attention", 0);
}

}  // namespace

void write_nllb_model(const NllbShape& shape, const NllbHfNames& names, const WeightSource& source,
                      Quantization q, ThreadPool& pool, ModelWriter& writer) {
  shape.validate();
  if (shape.heads > INT16_MAX) throw InvalidArgument("too many attention heads");
  const NllbSpec spec = build_nllb_spec(shape, names);
  for (const auto& v : spec.variables)
    for (const auto& s : v.sources) source.check(s);

  add_scalars(shape, writer);
  for (const auto& v : spec.variables) {
    switch (v.kind) {
      case Kind::kWeight:
        emit_weight(v, source, q, pool, writer);
        break;
      case Kind::kPositions:
        emit_float(v, nllb_position_table(shape.max_positions, shape.d_model), q, writer);
        break;
      case Kind::kFloat: {
        std::vector<float> values(static_cast<std::size_t>(rows_of(v) * cols_of(v)));
        read_var_rows(source, v, 0, rows_of(v), values.data());
        emit_float(v, std::move(values), q, writer);
        break;
      }
    }
    for (const auto& s : v.sources) source.done(s);
  }
  for (const auto& [alias, target] : spec.aliases) writer.add_alias(alias, target);
}

}  // namespace nmtd
