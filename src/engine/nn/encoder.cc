#include "engine/nn/encoder.h"

#include <algorithm>

#include "common/error.h"
#include "engine/ops/attention.h"

namespace nmtd {

void embed(const StackWeights& stack, int64_t d, std::span<const int32_t> ids,
           std::span<const int32_t> positions, float* x) {
  for (std::size_t r = 0; r < ids.size(); ++r) {
    if (positions[r] >= stack.max_positions)
      throw InvalidArgument("no position encodings are defined for positions >= " +
                            std::to_string(stack.max_positions) +
                            " (lower max_input_length or max_decoding_length)");
    float* row = x + static_cast<int64_t>(r) * d;
    ops::read_row(*stack.embeddings, ids[r], row);
    const float* pos = stack.positions.data() + static_cast<int64_t>(positions[r]) * d;
    for (int64_t c = 0; c < d; ++c) row[c] = row[c] * stack.embedding_scale + pos[c];
  }
}

void Encoder::forward(std::span<const int32_t> ids, std::span<const int32_t> lengths,
                      std::vector<float>& memory) {
  const int64_t n = static_cast<int64_t>(ids.size());
  const int64_t d = w_.d_model;
  const int heads = w_.encoder.num_heads;
  std::vector<int32_t> positions(ids.size());
  std::vector<int64_t> offsets(lengths.size() + 1, 0);
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    offsets[s + 1] = offsets[s] + lengths[s];
    for (int32_t t = 0; t < lengths[s]; ++t) positions[offsets[s] + t] = t;
  }
  memory.assign(static_cast<std::size_t>(n * d), 0.0f);
  float* x = memory.data();
  embed(w_.encoder, d, ids, positions, x);
  h_.resize(n * d);
  att_.resize(n * d);
  qkv_.resize(n * 3 * d);
  const float eps = w_.layer_norm_epsilon;
  for (const auto& layer : w_.encoder_layers) {
    ops::layer_norm(x, n, d, layer.self_norm.gamma.data(), layer.self_norm.beta.data(), eps,
                    h_.data());
    ops::linear(h_.data(), n, *layer.self_qkv.weight, layer.self_qkv.bias_data(), false,
                qkv_.data(), pool_);
    ops::packed_self_attention(qkv_, d, offsets, heads, w_.encoder.queries_scale, att_, pool_);
    ops::linear(att_.data(), n, *layer.self_out.weight, layer.self_out.bias_data(), false,
                h_.data(), pool_);
    ops::add_inplace(x, h_.data(), n * d);
    if (progress_) progress_->bump();
    ops::layer_norm(x, n, d, layer.ffn_norm.gamma.data(), layer.ffn_norm.beta.data(), eps,
                    h_.data());
    ffn_.resize(n * layer.ffn_in.out());
    ops::linear(h_.data(), n, *layer.ffn_in.weight, layer.ffn_in.bias_data(), true, ffn_.data(),
                pool_);
    ops::linear(ffn_.data(), n, *layer.ffn_out.weight, layer.ffn_out.bias_data(), false, h_.data(),
                pool_);
    ops::add_inplace(x, h_.data(), n * d);
    if (progress_) progress_->bump();
  }
  ops::layer_norm(x, n, d, w_.encoder.final_norm.gamma.data(), w_.encoder.final_norm.beta.data(),
                  eps, h_.data());
  std::copy(h_.begin(), h_.begin() + n * d, memory.begin());
}

}  // namespace nmtd
