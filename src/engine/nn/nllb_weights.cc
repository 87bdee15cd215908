#include "engine/nn/nllb_weights.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>

#include "common/aligned_buffer.h"
#include "common/error.h"
#include "common/printable.h"
#include "engine/model/model_file.h"
#include "engine/nn/int4_weight.h"

namespace nmtd {

namespace {

std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// Loads variables of one model file, sharing the packed form of tensors that several names
// alias (NLLB ties the encoder embeddings, decoder embeddings and output projection).
class WeightReader {
 public:
  WeightReader(const ModelFile& file, CpuCompute compute, ThreadPool& pool)
      : file_(file), compute_(compute), pool_(pool) {}

  const Variable& get(const std::string& name) const { return file_.get(name); }
  bool has(const std::string& name) const { return file_.find(name) != nullptr; }

  void expect_shape(const Variable& v, std::vector<int64_t> shape) const {
    if (v.shape != shape)
      throw ModelFormatError("model.bin: variable '" + printable(v.name) + "' has shape " +
                             shape_str(v.shape) + ", expected " + shape_str(shape));
  }

  // Any float tensor as float32 (biases, layer norms, position tables).
  std::vector<float> floats(const std::string& name, std::vector<int64_t> shape) const {
    const Variable& v = get(name);
    expect_shape(v, std::move(shape));
    return to_float(v);
  }

  std::vector<float> to_float(const Variable& v) const {
    const auto bytes = file_.payload(v);
    const auto n = static_cast<std::size_t>(v.num_elements());
    std::vector<float> out(n);
    switch (v.dtype) {
      case DType::kF32:
        std::memcpy(out.data(), bytes.data(), n * 4);
        break;
      case DType::kF16:
      case DType::kBF16:
        for (std::size_t i = 0; i < n; ++i) {
          uint16_t h;
          std::memcpy(&h, bytes.data() + 2 * i, 2);
          out[i] = v.dtype == DType::kF16 ? half_to_float(h) : bfloat16_to_float(h);
        }
        break;
      default:
        throw ModelFormatError("model.bin: variable '" + printable(v.name) + "' has dtype " +
                               std::string(dtype_name(v.dtype)) + ", expected a float type");
    }
    check_finite(v, out);
    return out;
  }

  // NaN or infinity in a weight poisons every output it reaches (a NaN scale once turned
  // every translation into " "), so float tensors are checked as they are converted: one
  // more pass over data that loading reads anyway.
  static void check_finite(const Variable& v, const std::vector<float>& values) {
    bool all_finite = true;
    for (const float x : values) all_finite &= std::isfinite(x);
    if (all_finite) return;
    const auto bad =
        std::find_if(values.begin(), values.end(), [](float x) { return !std::isfinite(x); });
    throw ModelFormatError("model.bin: variable '" + printable(v.name) + "' holds " +
                           std::to_string(*bad) + " at element " +
                           std::to_string(bad - values.begin()) + " (weights must be finite)");
  }

  // Quantization scales divide the stored integers: each must be finite and above zero.
  static void check_scales(const Variable& v, const std::vector<float>& scale) {
    const auto bad = std::find_if(scale.begin(), scale.end(), [](float x) { return !(x > 0.0f); });
    if (bad != scale.end())
      throw ModelFormatError("model.bin: variable '" + printable(v.name) + "' holds " +
                             std::to_string(*bad) + " at element " +
                             std::to_string(bad - scale.begin()) +
                             " (quantization scales must be finite and above 0)");
  }

  // A [rows, cols] weight, dequantized when stored as int8/int16.
  std::vector<float> dequantized(const Variable& v) const {
    if (v.dtype == DType::kI4) return dequantize_int4_weight(file_, v);
    if (v.dtype != DType::kI8 && v.dtype != DType::kI16) return to_float(v);
    const auto bytes = file_.payload(v);
    const int64_t rows = v.shape[0];
    const int64_t cols = v.num_elements() / std::max<int64_t>(rows, 1);
    std::vector<float> out(static_cast<std::size_t>(v.num_elements()));
    if (v.dtype == DType::kI8) {
      const std::vector<float> scale = scales(v);
      const auto* q = reinterpret_cast<const int8_t*>(bytes.data());
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) out[r * cols + c] = q[r * cols + c] / scale[r];
    } else {
      const Variable* sv = file_.find(v.name + "_scale");
      // Old int16 models have no saved scale: CTranslate2 uses 1000.
      const float scale = sv ? static_cast<float>(file_.scalar(*sv)) : 1000.0f;
      if (sv) check_scales(*sv, {scale});
      for (std::size_t i = 0; i < out.size(); ++i) {
        int16_t x;
        std::memcpy(&x, bytes.data() + 2 * i, 2);
        out[i] = x / scale;
      }
    }
    return out;
  }

  std::vector<float> scales(const Variable& v) const {
    const Variable* sv = file_.find(v.name + "_scale");
    if (sv == nullptr)
      throw ModelFormatError("model.bin: int8 variable '" + printable(v.name) + "' has no '" +
                             printable(v.name) + "_scale'");
    expect_shape(*sv, {v.shape[0]});
    std::vector<float> scale = to_float(*sv);
    check_scales(*sv, scale);
    return scale;
  }

  // A linear weight packed for the compute type; tensors reached through aliases share it.
  std::shared_ptr<const ops::PackedWeight> packed(const std::string& name, int64_t rows,
                                                  int64_t cols) {
    const Variable& v = get(name);
    expect_shape(v, {rows, cols});
    if (auto it = cache_.find(v.offset); it != cache_.end()) return it->second;
    std::shared_ptr<const ops::PackedWeight> result;
    if (compute_ == CpuCompute::kInt4) {
      // Nothing is quantized to int4 at load: the converter chose every 4-bit value.
      if (v.dtype != DType::kI4)
        throw ModelFormatError("model.bin: '" + printable(v.name) + "' is " +
                               std::string(dtype_name(v.dtype)) +
                               " but int4 compute needs every linear weight stored in int4");
      result = std::make_shared<ops::PackedWeight>(pack_int4_weight(file_, v, pool_));
    } else if (compute_ == CpuCompute::kInt8 && v.dtype == DType::kI8) {
      const std::vector<float> scale = scales(v);
      const auto* q = reinterpret_cast<const int8_t*>(file_.payload(v).data());
      result =
          std::make_shared<ops::PackedWeight>(ops::pack_i8(q, scale.data(), rows, cols, pool_));
    } else {
      const std::vector<float> w = dequantized(v);
      if (compute_ == CpuCompute::kFloat32) {
        result = std::make_shared<ops::PackedWeight>(ops::pack_f32(w.data(), rows, cols, pool_));
      } else {
        result = std::make_shared<ops::PackedWeight>(quantize(w, rows, cols));
      }
    }
    file_.release(v);  // the packed copy is the one kept resident
    cache_.emplace(v.offset, result);
    return result;
  }

  LinearWeights linear(const std::string& scope, int64_t rows, int64_t cols) {
    LinearWeights l;
    l.weight = packed(scope + "/weight", rows, cols);
    if (has(scope + "/bias")) l.bias = floats(scope + "/bias", {rows});
    return l;
  }

  LayerNormWeights norm(const std::string& scope, int64_t d) const {
    return {floats(scope + "/gamma", {d}), floats(scope + "/beta", {d})};
  }

  // Attribute lookup that follows the layout of older spec revisions (root attributes).
  double attribute(const std::string& scope, const std::string& name, double fallback) const {
    if (const Variable* v = file_.find(scope + "/" + name)) return file_.scalar(*v);
    if (file_.spec_revision() < 5) return file_.scalar_or(name, fallback);
    return fallback;
  }

 private:
  // float32 -> int8 per output row, as CTranslate2 quantizes at load (round before the cast
  // from binary version 5 on, truncation before).
  ops::PackedWeight quantize(const std::vector<float>& w, int64_t rows, int64_t cols) const {
    std::vector<int8_t> q(w.size());
    std::vector<float> scale(static_cast<std::size_t>(rows));
    const bool round = file_.binary_version() >= 5;
    for (int64_t r = 0; r < rows; ++r) {
      float amax = 0.0f;
      for (int64_t c = 0; c < cols; ++c) amax = std::max(amax, std::fabs(w[r * cols + c]));
      const float s = amax == 0.0f ? 127.0f : 127.0f / amax;
      scale[r] = s;
      for (int64_t c = 0; c < cols; ++c) {
        const float x = w[r * cols + c] * s;
        q[r * cols + c] = static_cast<int8_t>(round ? std::nearbyint(x) : std::trunc(x));
      }
    }
    return ops::pack_i8(q.data(), scale.data(), rows, cols, pool_);
  }

  const ModelFile& file_;
  CpuCompute compute_;
  ThreadPool& pool_;
  std::map<uint64_t, std::shared_ptr<const ops::PackedWeight>> cache_;
};

int count_layers(const ModelFile& file, const std::string& stack) {
  std::set<int> seen;
  const std::string prefix = stack + "/layer_";
  for (const auto& v : file.variables()) {
    if (v.name.rfind(prefix, 0) != 0) continue;
    const std::size_t end = v.name.find('/', prefix.size());
    const std::string number = v.name.substr(prefix.size(), end - prefix.size());
    // "encoder/layer_norm/..." shares the prefix but is not a numbered layer.
    if (number.empty() || number.size() > 6 ||
        number.find_first_not_of("0123456789") != std::string::npos)
      continue;
    seen.insert(std::stoi(number));
  }
  const int n = static_cast<int>(seen.size());
  if (n == 0) throw ModelFormatError("model.bin: no " + stack + " layers found");
  if (*seen.rbegin() != n - 1)
    throw ModelFormatError("model.bin: " + stack + " layers are not numbered 0.." +
                           std::to_string(n - 1));
  return n;
}

void check_architecture(const WeightReader& r, const std::string& scope) {
  if (r.attribute(scope, "pre_norm", 1) == 0)
    throw Unsupported("post-norm Transformers are not supported (" + scope + "/pre_norm = 0)");
  if (r.attribute(scope, "activation", 0) != 0)
    throw Unsupported("only the ReLU activation of NLLB/M2M100 is supported (" + scope +
                      "/activation != 0)");
  if (r.attribute(scope, "alibi", 0) != 0) throw Unsupported("ALiBi attention is not supported");
  // Variables of other TransformerSpec models that change the arithmetic: loading such a
  // model would give wrong tokens silently, so it is refused by name.
  for (const char* name :
       {"/layernorm_embedding/gamma", "/rotary_dim", "/project_in/weight", "/scale_outputs",
        "/final_logit_softcapping", "/embeddings_1/weight", "/layer_0/layer_scalar",
        "/layer_0/ffn/linear_0_noact/weight", "/layer_0/self_attention/head_dim",
        "/layer_0/self_attention/num_heads_kv", "/layer_0/self_attention/relative_position_keys",
        "/layer_0/self_attention/relative_attention_bias", "/layer_0/self_attention/rotary_dim"})
    if (r.has(scope + name))
      throw Unsupported("model.bin: '" + scope + name + "' is not part of NLLB/M2M100");
}

// A scalar the arithmetic uses directly: it must be finite and above zero, or the model
// would load and then translate to garbage (or to nothing).
float positive_scalar(const std::string& name, double value) {
  if (!(std::isfinite(value) && value > 0 && value <= std::numeric_limits<float>::max()))
    throw ModelFormatError("model.bin: " + name + " is " + std::to_string(value) +
                           " (expected a finite number above 0)");
  return static_cast<float>(value);
}

// num_heads as stored, or the spec's implied count when absent (revisions < 3). Present but
// not a whole number from 1 to d_model that divides d_model is an error: a negative value
// was once taken for "absent" and loaded with 8 heads.
int head_count(const WeightReader& r, const ModelFile& file, const std::string& scope, int64_t d) {
  const std::string name = scope + "/num_heads";
  const bool stored = r.has(name) || (file.spec_revision() < 5 && r.has("num_heads"));
  const double heads =
      stored ? r.attribute(scope, "num_heads", 0) : (file.spec_name() == "TransformerBig" ? 16 : 8);
  // The comparisons are false for NaN, so it is refused before any cast.
  if (!(heads >= 1 && heads <= static_cast<double>(std::min<int64_t>(d, 65536)) &&
        heads == std::floor(heads)))
    throw ModelFormatError("model.bin: " + name + " is " + std::to_string(heads) +
                           " (expected a whole number from 1 to d_model " + std::to_string(d) +
                           ")");
  const int n = static_cast<int>(heads);
  if (d % n != 0)
    throw ModelFormatError("model.bin: " + name + " = " + std::to_string(n) +
                           " does not divide d_model " + std::to_string(d));
  return n;
}

StackWeights load_stack(WeightReader& r, const ModelFile& file, const std::string& scope,
                        const std::string& embeddings_name, int64_t vocab, int64_t d) {
  StackWeights s;
  s.embeddings = r.packed(embeddings_name, vocab, d);
  const Variable* scale = file.find(scope + "/scale_embeddings");
  if (scale == nullptr) scale = file.find(scope + "/embeddings/multiply_by_sqrt_depth");
  if (scale == nullptr) {
    s.embedding_scale = std::sqrt(static_cast<float>(d));
  } else if (scale->dtype == DType::kI8) {
    s.embedding_scale = file.scalar(*scale) != 0 ? std::sqrt(static_cast<float>(d)) : 1.0f;
  } else {
    s.embedding_scale = positive_scalar(printable(scale->name), file.scalar(*scale));
  }
  const Variable& pos = r.get(scope + "/position_encodings/encodings");
  if (pos.shape.size() != 2 || pos.shape[0] <= 0 || pos.shape[1] != d)
    throw ModelFormatError("model.bin: '" + printable(pos.name) + "' has shape " +
                           shape_str(pos.shape) + ", expected [positions, " + std::to_string(d) +
                           "]");
  s.max_positions = pos.shape[0];
  s.positions = r.to_float(pos);
  s.num_heads = head_count(r, file, scope, d);
  s.queries_scale = 1.0f / std::sqrt(static_cast<float>(d / s.num_heads));
  if (const Variable* q = file.find(scope + "/layer_0/self_attention/queries_scale"))
    s.queries_scale = positive_scalar(printable(q->name), file.scalar(*q));
  s.final_norm = r.norm(scope + "/layer_norm", d);
  return s;
}

}  // namespace

DType stored_weight_dtype(const ModelFile& file) {
  return file.get("decoder/layer_0/ffn/linear_0/weight").dtype;
}

std::size_t NllbWeights::bytes() const {
  std::set<const ops::PackedWeight*> seen;
  std::size_t total = 0;
  auto add_packed = [&](const std::shared_ptr<const ops::PackedWeight>& p) {
    if (p && seen.insert(p.get()).second) total += p->bytes();
  };
  auto add_linear = [&](const LinearWeights& l) {
    add_packed(l.weight);
    total += l.bias.size() * 4;
  };
  for (const auto* s : {&encoder, &decoder}) {
    add_packed(s->embeddings);
    total += s->positions.size() * 4;
  }
  for (const auto& l : encoder_layers)
    for (const auto* x : {&l.self_qkv, &l.self_out, &l.ffn_in, &l.ffn_out}) add_linear(*x);
  for (const auto& l : decoder_layers)
    for (const auto* x :
         {&l.self_qkv, &l.self_out, &l.cross_q, &l.cross_kv, &l.cross_out, &l.ffn_in, &l.ffn_out})
      add_linear(*x);
  add_linear(projection);
  return total;
}

NllbWeights NllbWeights::load(const ModelFile& file, CpuCompute compute, float epsilon,
                              ThreadPool& pool) {
  if (file.spec_name() != "TransformerSpec" && file.spec_name() != "TransformerBase" &&
      file.spec_name() != "TransformerBig")
    throw Unsupported("model.bin holds a " + file.spec_name() +
                      "; nmtd runs encoder-decoder Transformers (TransformerSpec) only");
  if (file.spec_revision() < 2)
    throw Unsupported("model.bin: spec revision 1 (OpenNMT-tf v1 names) is not supported");
  WeightReader r(file, compute, pool);
  check_architecture(r, "encoder");
  check_architecture(r, "decoder");

  NllbWeights w;
  w.compute = compute;
  w.layer_norm_epsilon = epsilon;
  const Variable& emb = r.get("decoder/embeddings/weight");
  if (emb.shape.size() != 2 || emb.shape[0] <= 0 || emb.shape[1] <= 0)
    throw ModelFormatError("model.bin: 'decoder/embeddings/weight' has shape " +
                           shape_str(emb.shape) + ", expected [vocab, d_model]");
  w.vocab_size = emb.shape[0];
  w.d_model = emb.shape[1];
  const int64_t d = w.d_model;
  const Variable& fc1 = r.get("encoder/layer_0/ffn/linear_0/weight");
  if (fc1.shape.size() != 2)
    throw ModelFormatError("model.bin: '" + printable(fc1.name) + "' has shape " +
                           shape_str(fc1.shape) + ", expected [ffn, d_model]");
  w.ffn_dim = fc1.shape[0];
  if (w.ffn_dim <= 0 || fc1.shape[1] != w.d_model)
    throw ModelFormatError("model.bin: '" + printable(fc1.name) + "' has shape " +
                           shape_str(fc1.shape) + ", expected [ffn, " + std::to_string(w.d_model) +
                           "]");
  const int64_t f = w.ffn_dim;

  const std::string enc_emb = r.has("encoder/embeddings_0/weight") ? "encoder/embeddings_0/weight"
                                                                   : "encoder/embeddings/weight";
  w.encoder = load_stack(r, file, "encoder", enc_emb, w.vocab_size, d);
  w.decoder = load_stack(r, file, "decoder", "decoder/embeddings/weight", w.vocab_size, d);

  const int enc_layers = count_layers(file, "encoder");
  for (int i = 0; i < enc_layers; ++i) {
    const std::string p = "encoder/layer_" + std::to_string(i);
    EncoderLayerWeights l;
    l.self_norm = r.norm(p + "/self_attention/layer_norm", d);
    l.self_qkv = r.linear(p + "/self_attention/linear_0", 3 * d, d);
    l.self_out = r.linear(p + "/self_attention/linear_1", d, d);
    l.ffn_norm = r.norm(p + "/ffn/layer_norm", d);
    l.ffn_in = r.linear(p + "/ffn/linear_0", f, d);
    l.ffn_out = r.linear(p + "/ffn/linear_1", d, f);
    w.encoder_layers.push_back(std::move(l));
  }
  const int dec_layers = count_layers(file, "decoder");
  for (int i = 0; i < dec_layers; ++i) {
    const std::string p = "decoder/layer_" + std::to_string(i);
    DecoderLayerWeights l;
    l.self_norm = r.norm(p + "/self_attention/layer_norm", d);
    l.self_qkv = r.linear(p + "/self_attention/linear_0", 3 * d, d);
    l.self_out = r.linear(p + "/self_attention/linear_1", d, d);
    l.cross_norm = r.norm(p + "/attention/layer_norm", d);
    l.cross_q = r.linear(p + "/attention/linear_0", d, d);
    l.cross_kv = r.linear(p + "/attention/linear_1", 2 * d, d);
    l.cross_out = r.linear(p + "/attention/linear_2", d, d);
    l.ffn_norm = r.norm(p + "/ffn/layer_norm", d);
    // HF configs allow a decoder FFN width other than the encoder's.
    const Variable& dec_fc1 = r.get(p + "/ffn/linear_0/weight");
    const int64_t dec_ffn =
        dec_fc1.shape.size() == 2 && dec_fc1.shape[0] > 0 ? dec_fc1.shape[0] : -1;
    l.ffn_in = r.linear(p + "/ffn/linear_0", dec_ffn, d);
    l.ffn_out = r.linear(p + "/ffn/linear_1", d, l.ffn_in.out());
    w.decoder_layers.push_back(std::move(l));
  }
  const std::string proj =
      r.has("decoder/projection/weight") ? "decoder/projection" : "decoder/embeddings";
  w.projection.weight = r.packed(proj + "/weight", w.vocab_size, d);
  if (r.has("decoder/projection/bias"))
    w.projection.bias = r.floats("decoder/projection/bias", {w.vocab_size});
  return w;
}

}  // namespace nmtd
