#include "engine/convert/nllb_spec.h"

#include <cmath>
#include <string>

#include "common/error.h"

namespace nmtd {

namespace {

using Kind = SpecVariable::Kind;

// Collects the variables of one attention / FFN / norm block with their HF sources.
class SpecBuilder {
 public:
  SpecBuilder(const NllbShape& s, NllbSpec& spec) : d_(s.d_model), spec_(spec) {}

  void norm(const std::string& ct2, const std::string& hf) {
    add(ct2 + "/gamma", {d_}, Kind::kFloat, {{hf + ".weight", {d_}, WeightRole::kNormGamma}});
    add(ct2 + "/beta", {d_}, Kind::kFloat, {{hf + ".bias", {d_}, WeightRole::kNormBeta}});
  }

  // A linear layer fed by one or more HF projections fused by row concatenation.
  void linear(const std::string& ct2, const std::vector<std::string>& hf, int64_t out, int64_t in,
              WeightRole role) {
    std::vector<SourceTensor> w, b;
    for (const auto& h : hf) {
      w.push_back({h + ".weight", {out, in}, role});
      b.push_back({h + ".bias", {out}, WeightRole::kBias});
    }
    const auto n = static_cast<int64_t>(hf.size());
    add(ct2 + "/weight", {n * out, in}, Kind::kWeight, std::move(w));
    add(ct2 + "/bias", {n * out}, Kind::kFloat, std::move(b));
  }

  void self_attention(const std::string& ct2, const std::string& hf) {
    norm(ct2 + "/layer_norm", hf + "self_attn_layer_norm");
    linear(ct2 + "/linear_0",
           {hf + "self_attn.q_proj", hf + "self_attn.k_proj", hf + "self_attn.v_proj"}, d_, d_,
           WeightRole::kLinearIn);
    linear(ct2 + "/linear_1", {hf + "self_attn.out_proj"}, d_, d_, WeightRole::kLinearOut);
  }

  void cross_attention(const std::string& ct2, const std::string& hf) {
    norm(ct2 + "/layer_norm", hf + "encoder_attn_layer_norm");
    linear(ct2 + "/linear_0", {hf + "encoder_attn.q_proj"}, d_, d_, WeightRole::kLinearIn);
    linear(ct2 + "/linear_1", {hf + "encoder_attn.k_proj", hf + "encoder_attn.v_proj"}, d_, d_,
           WeightRole::kLinearIn);
    linear(ct2 + "/linear_2", {hf + "encoder_attn.out_proj"}, d_, d_, WeightRole::kLinearOut);
  }

  void ffn(const std::string& ct2, const std::string& hf, int64_t ffn_dim) {
    norm(ct2 + "/layer_norm", hf + "final_layer_norm");
    linear(ct2 + "/linear_0", {hf + "fc1"}, ffn_dim, d_, WeightRole::kLinearIn);
    linear(ct2 + "/linear_1", {hf + "fc2"}, d_, ffn_dim, WeightRole::kLinearOut);
  }

  void add(std::string name, std::vector<int64_t> shape, Kind kind,
           std::vector<SourceTensor> sources) {
    spec_.variables.push_back({std::move(name), std::move(shape), kind, std::move(sources)});
  }

 private:
  int64_t d_;
  NllbSpec& spec_;
};

}  // namespace

void NllbShape::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw InvalidArgument(what);
  };
  require(encoder_layers >= 1, "encoder layers must be >= 1");
  require(decoder_layers >= 1, "decoder layers must be >= 1");
  require(heads >= 1, "attention heads must be >= 1");
  // HF's sinusoid divides by (d_model/2 - 1): d_model must be at least 4.
  require(d_model >= 4, "d_model must be >= 4");
  require(d_model % heads == 0, "d_model " + std::to_string(d_model) +
                                    " is not divisible by the number of heads " +
                                    std::to_string(heads));
  require(encoder_ffn >= 1 && decoder_ffn >= 1, "ffn dimension must be >= 1");
  require(vocab_size >= 4, "vocabulary size must be >= 4");
  require(max_positions >= 1, "max positions must be >= 1");
  // model.bin stores each payload size as u32.
  require(vocab_size * d_model * 4 < (int64_t{1} << 32),
          "embedding [" + std::to_string(vocab_size) + ", " + std::to_string(d_model) +
              "] is too large for model.bin (4 GiB per tensor)");
  require(std::isfinite(embed_scale) && embed_scale > 0, "embedding scale must be positive");
}

int64_t NllbShape::num_parameters() const {
  const int64_t d = d_model;
  const int64_t attn = 4 * d * d + 4 * d + 2 * d;
  const int64_t enc = attn + 2 * d * encoder_ffn + encoder_ffn + d + 2 * d;
  const int64_t dec = 2 * attn + 2 * d * decoder_ffn + decoder_ffn + d + 2 * d;
  return vocab_size * d + encoder_layers * enc + decoder_layers * dec + 4 * d;
}

NllbSpec build_nllb_spec(const NllbShape& s, const NllbHfNames& names) {
  NllbSpec spec;
  SpecBuilder b(s, spec);
  const int64_t v = s.vocab_size, d = s.d_model;
  const std::string& p = names.prefix;

  b.add("decoder/embeddings/weight", {v, d}, Kind::kWeight,
        {{names.decoder_embed, {v, d}, WeightRole::kEmbedding}});
  b.add("decoder/position_encodings/encodings", {s.max_positions, d}, Kind::kPositions, {});
  b.norm("decoder/layer_norm", p + "decoder.layer_norm");
  for (int i = 0; i < s.decoder_layers; ++i) {
    const std::string ct2 = "decoder/layer_" + std::to_string(i);
    const std::string hf = p + "decoder.layers." + std::to_string(i) + ".";
    b.self_attention(ct2 + "/self_attention", hf);
    b.cross_attention(ct2 + "/attention", hf);
    b.ffn(ct2 + "/ffn", hf, s.decoder_ffn);
  }
  b.norm("encoder/layer_norm", p + "encoder.layer_norm");
  for (int i = 0; i < s.encoder_layers; ++i) {
    const std::string ct2 = "encoder/layer_" + std::to_string(i);
    const std::string hf = p + "encoder.layers." + std::to_string(i) + ".";
    b.self_attention(ct2 + "/self_attention", hf);
    b.ffn(ct2 + "/ffn", hf, s.encoder_ffn);
  }

  // Tied matrices are one tensor: store it once under the name that sorts first and alias
  // the others to it, which is what CTranslate2's _alias_variables ends up with.
  if (names.lm_head == names.decoder_embed)
    spec.aliases.emplace_back("decoder/projection/weight", "decoder/embeddings/weight");
  else
    b.add("decoder/projection/weight", {v, d}, Kind::kWeight,
          {{names.lm_head, {v, d}, WeightRole::kEmbedding}});
  if (names.encoder_embed == names.decoder_embed)
    spec.aliases.emplace_back("encoder/embeddings_0/weight", "decoder/embeddings/weight");
  else
    b.add("encoder/embeddings_0/weight", {v, d}, Kind::kWeight,
          {{names.encoder_embed, {v, d}, WeightRole::kEmbedding}});
  // Both stacks use the same sinusoid table.
  spec.aliases.emplace_back("encoder/position_encodings/encodings",
                            "decoder/position_encodings/encodings");
  return spec;
}

std::vector<float> nllb_position_table(int max_positions, int d_model) {
  // torch: half = d/2; e = log(10000)/(half-1) (double); f = exp(arange(half).float() * -e)
  // in float32; table = arange(n).float()[:, None] * f[None, :]; cat(sin, cos); zero column
  // for odd d. The scalar -e is rounded to float32 by the multiply, as torch does.
  const int half = d_model / 2;
  const auto neg_e = static_cast<float>(-(std::log(10000.0) / (half - 1)));
  std::vector<float> freq(static_cast<std::size_t>(half));
  for (int j = 0; j < half; ++j) freq[j] = std::exp(static_cast<float>(j) * neg_e);
  std::vector<float> table(static_cast<std::size_t>(max_positions) * d_model, 0.0f);
  for (int r = 0; r < max_positions; ++r) {
    const auto pos = static_cast<float>(r + 2);  // CTranslate2 drops HF rows 0 and 1
    float* row = &table[static_cast<std::size_t>(r) * d_model];
    for (int j = 0; j < half; ++j) {
      const float a = pos * freq[j];
      row[j] = std::sin(a);
      row[half + j] = std::cos(a);
    }
  }
  return table;
}

}  // namespace nmtd
