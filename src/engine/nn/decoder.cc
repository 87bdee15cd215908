#include "engine/nn/decoder.h"

#include <algorithm>

#include "engine/nn/attention.h"
#include "engine/nn/encoder.h"

namespace nmtd {

DecoderState::DecoderState(const NllbWeights& weights, ThreadPool& pool,
                           std::span<const float> memory, std::span<const int32_t> lengths,
                           ProgressCounter* progress)
    : w_(weights),
      pool_(pool),
      progress_(progress),
      example_length_(lengths.begin(), lengths.end()) {
  const int64_t d = w_.d_model;
  example_offset_.resize(lengths.size());
  int64_t total = 0;
  for (std::size_t e = 0; e < lengths.size(); ++e) {
    example_offset_[e] = total;
    total += lengths[e];
  }
  // Cross-attention keys and values depend only on the source: computed once here.
  cross_kv_.resize(w_.decoder_layers.size());
  for (std::size_t l = 0; l < w_.decoder_layers.size(); ++l) {
    const auto& kv = w_.decoder_layers[l].cross_kv;
    cross_kv_[l].resize(total * 2 * d);
    ops::linear(memory.data(), total, *kv.weight, kv.bias_data(), false, cross_kv_[l].data(),
                pool_);
    if (progress_) progress_->bump();
  }
  row_example_.resize(lengths.size());
  for (std::size_t e = 0; e < lengths.size(); ++e) row_example_[e] = static_cast<int32_t>(e);
  keys_.assign(w_.decoder_layers.size(), std::vector<std::vector<float>>(lengths.size()));
  values_ = keys_;
}

void DecoderState::self_attention(int layer, int64_t rows, int step) {
  const int64_t d = w_.d_model;
  const int heads = w_.decoder.num_heads;
  const int64_t dh = d / heads;
  auto& keys = keys_[layer];
  auto& values = values_[layer];
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = qkv_.data() + r * 3 * d;
    keys[r].resize(static_cast<std::size_t>(step + 1) * d);
    values[r].resize(static_cast<std::size_t>(step + 1) * d);
    std::copy(row + d, row + 2 * d, keys[r].begin() + static_cast<int64_t>(step) * d);
    std::copy(row + 2 * d, row + 3 * d, values[r].begin() + static_cast<int64_t>(step) * d);
  }
  pool_.parallel_for(rows * heads, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(step + 1);
    for (int64_t task = begin; task < end; ++task) {
      const int64_t r = task / heads;
      const int64_t h = task % heads;
      attend_one(qkv_.data() + r * 3 * d + h * dh, keys[r].data() + h * dh,
                 values[r].data() + h * dh, d, step + 1, dh, w_.decoder.queries_scale,
                 scores.data(), att_.data() + r * d + h * dh);
    }
  });
}

void DecoderState::cross_attention(int layer, int64_t rows) {
  const int64_t d = w_.d_model;
  const int heads = w_.decoder.num_heads;
  const int64_t dh = d / heads;
  const float* kv = cross_kv_[layer].data();
  pool_.parallel_for(rows * heads, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores;
    for (int64_t task = begin; task < end; ++task) {
      const int64_t r = task / heads;
      const int64_t h = task % heads;
      const int32_t e = row_example_[r];
      scores.resize(example_length_[e]);
      const float* base = kv + example_offset_[e] * 2 * d;
      // qkv_ holds the cross-attention queries here, [rows, d].
      attend_one(qkv_.data() + r * d + h * dh, base + h * dh, base + d + h * dh, 2 * d,
                 example_length_[e], dh, w_.decoder.queries_scale, scores.data(),
                 att_.data() + r * d + h * dh);
    }
  });
}

void DecoderState::step(std::span<const int32_t> ids, int step, float* logits) {
  const int64_t rows = static_cast<int64_t>(ids.size());
  const int64_t d = w_.d_model;
  const float eps = w_.layer_norm_epsilon;
  x_.resize(rows * d);
  h_.resize(rows * d);
  att_.resize(rows * d);
  qkv_.resize(rows * 3 * d);
  const std::vector<int32_t> positions(ids.size(), step);
  embed(w_.decoder, d, ids, positions, x_.data());
  for (std::size_t l = 0; l < w_.decoder_layers.size(); ++l) {
    const auto& layer = w_.decoder_layers[l];
    ops::layer_norm(x_.data(), rows, d, layer.self_norm.gamma.data(), layer.self_norm.beta.data(),
                    eps, h_.data());
    ops::linear(h_.data(), rows, *layer.self_qkv.weight, layer.self_qkv.bias_data(), false,
                qkv_.data(), pool_);
    self_attention(static_cast<int>(l), rows, step);
    ops::linear(att_.data(), rows, *layer.self_out.weight, layer.self_out.bias_data(), false,
                h_.data(), pool_);
    ops::add_inplace(x_.data(), h_.data(), rows * d);

    ops::layer_norm(x_.data(), rows, d, layer.cross_norm.gamma.data(), layer.cross_norm.beta.data(),
                    eps, h_.data());
    ops::linear(h_.data(), rows, *layer.cross_q.weight, layer.cross_q.bias_data(), false,
                qkv_.data(), pool_);
    cross_attention(static_cast<int>(l), rows);
    ops::linear(att_.data(), rows, *layer.cross_out.weight, layer.cross_out.bias_data(), false,
                h_.data(), pool_);
    ops::add_inplace(x_.data(), h_.data(), rows * d);

    ops::layer_norm(x_.data(), rows, d, layer.ffn_norm.gamma.data(), layer.ffn_norm.beta.data(),
                    eps, h_.data());
    ffn_.resize(rows * layer.ffn_in.out());
    ops::linear(h_.data(), rows, *layer.ffn_in.weight, layer.ffn_in.bias_data(), true, ffn_.data(),
                pool_);
    ops::linear(ffn_.data(), rows, *layer.ffn_out.weight, layer.ffn_out.bias_data(), false,
                h_.data(), pool_);
    ops::add_inplace(x_.data(), h_.data(), rows * d);
    if (progress_) progress_->bump();
  }
  ops::layer_norm(x_.data(), rows, d, w_.decoder.final_norm.gamma.data(),
                  w_.decoder.final_norm.beta.data(), eps, h_.data());
  ops::linear(h_.data(), rows, *w_.projection.weight, w_.projection.bias_data(), false, logits,
              pool_);
  if (progress_) progress_->bump();
}

void DecoderState::select_rows(std::span<const int32_t> origin) {
  const std::size_t old_rows = row_example_.size();
  bool identity = origin.size() == old_rows;
  for (std::size_t i = 0; identity && i < origin.size(); ++i)
    identity = origin[i] == static_cast<int32_t>(i);
  if (identity) return;
  // The last row continuing an old row takes its cache by move; earlier ones copy it.
  std::vector<int> remaining(old_rows, 0);
  for (int32_t o : origin) ++remaining[o];
  std::vector<int32_t> new_example(origin.size());
  for (std::size_t i = 0; i < origin.size(); ++i) new_example[i] = row_example_[origin[i]];
  for (std::size_t l = 0; l < keys_.size(); ++l) {
    std::vector<int> left = remaining;
    std::vector<std::vector<float>> new_keys(origin.size()), new_values(origin.size());
    for (std::size_t i = 0; i < origin.size(); ++i) {
      const int32_t o = origin[i];
      if (--left[o] == 0) {
        new_keys[i] = std::move(keys_[l][o]);
        new_values[i] = std::move(values_[l][o]);
      } else {
        // A copy has capacity == size; reserve room for the coming steps so that beam search
        // does not reallocate every copied row at the next step.
        const std::size_t room = keys_[l][o].size() + 8 * static_cast<std::size_t>(w_.d_model);
        new_keys[i].reserve(room);
        new_values[i].reserve(room);
        new_keys[i] = keys_[l][o];
        new_values[i] = values_[l][o];
      }
    }
    keys_[l] = std::move(new_keys);
    values_[l] = std::move(new_values);
  }
  row_example_ = std::move(new_example);
}

}  // namespace nmtd
