#pragma once
// The weights of an NLLB / M2M100 model as the network layers use them: linear weights
// packed once for the chosen compute type, everything else float32. Built from a
// CTranslate2 model.bin; tied matrices (embeddings = output projection) are packed once.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "engine/compute_type.h"
#include "engine/ops/ops.h"

namespace nmtd {

class ModelFile;

struct LinearWeights {
  std::shared_ptr<const ops::PackedWeight> weight;  // [out, in]
  std::vector<float> bias;                          // [out] or empty
  int64_t out() const { return weight->rows; }
  int64_t in() const { return weight->cols; }
  const float* bias_data() const { return bias.empty() ? nullptr : bias.data(); }
};

struct LayerNormWeights {
  std::vector<float> gamma;
  std::vector<float> beta;
};

struct EncoderLayerWeights {
  LayerNormWeights self_norm;
  LinearWeights self_qkv;  // [3d, d]: q, k, v stacked by rows
  LinearWeights self_out;
  LayerNormWeights ffn_norm;
  LinearWeights ffn_in;   // [ffn, d], ReLU
  LinearWeights ffn_out;  // [d, ffn]
};

struct DecoderLayerWeights {
  LayerNormWeights self_norm;
  LinearWeights self_qkv;
  LinearWeights self_out;
  LayerNormWeights cross_norm;
  LinearWeights cross_q;   // [d, d]
  LinearWeights cross_kv;  // [2d, d]: k, v stacked by rows
  LinearWeights cross_out;
  LayerNormWeights ffn_norm;
  LinearWeights ffn_in;
  LinearWeights ffn_out;
};

struct StackWeights {
  std::shared_ptr<const ops::PackedWeight> embeddings;  // [vocab, d]
  float embedding_scale = 1.0f;
  std::vector<float> positions;  // [max_positions, d]; row t is position t
  int64_t max_positions = 0;
  int num_heads = 8;
  float queries_scale = 0.0f;  // 1/sqrt(d_head) unless stored
  LayerNormWeights final_norm;
};

struct NllbWeights {
  CpuCompute compute = CpuCompute::kFloat32;
  int64_t d_model = 0;
  int64_t ffn_dim = 0;
  int64_t vocab_size = 0;
  float layer_norm_epsilon = 1e-5f;
  StackWeights encoder;
  StackWeights decoder;
  std::vector<EncoderLayerWeights> encoder_layers;
  std::vector<DecoderLayerWeights> decoder_layers;
  LinearWeights projection;  // [vocab, d], usually the decoder embeddings

  // Bytes held for weights (packed matrices counted once).
  std::size_t bytes() const;

  // Reads every variable the M2M100 forward pass needs from `file`, checks that the shapes
  // fit together (ModelFormatError naming the variable otherwise) and that the architecture
  // is one this engine runs (Unsupported otherwise), converts to `compute`.
  static NllbWeights load(const ModelFile& file, CpuCompute compute, float layer_norm_epsilon,
                          ThreadPool& pool);
};

// The dtype of the model's linear weights as stored (what "default" compute keeps).
DType stored_weight_dtype(const ModelFile& file);

}  // namespace nmtd
