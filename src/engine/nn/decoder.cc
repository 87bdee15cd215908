#include "engine/nn/decoder.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "common/error.h"
#include "engine/nn/encoder.h"

namespace nmtd {

namespace {

std::size_t floats(int64_t n) { return static_cast<std::size_t>(n) * sizeof(float); }

}  // namespace

DecoderState::DecoderState(const NllbWeights& weights, ThreadPool& pool,
                           std::span<const float> memory, std::span<const int32_t> lengths,
                           int64_t max_rows, int max_steps, ProgressCounter* progress)
    : DecoderState(weights, pool, max_rows, max_steps, progress) {
  if (max_rows < static_cast<int64_t>(lengths.size()))
    throw InvalidArgument("the decoder needs room for at least one row per example: max_rows " +
                          std::to_string(max_rows) + " < " + std::to_string(lengths.size()));
  add_examples(memory, lengths);
}

DecoderState::DecoderState(const NllbWeights& weights, ThreadPool& pool, int64_t max_rows,
                           int max_steps, ProgressCounter* progress)
    : w_(weights),
      pool_(pool),
      max_rows_(max_rows),
      max_steps_(std::clamp<int64_t>(max_steps, 0, weights.decoder.max_positions)),
      progress_(progress) {
  if (max_rows < 1)
    throw InvalidArgument("the decoder needs room for at least one row, got max_rows " +
                          std::to_string(max_rows));
  memory_ = DecoderMemory(weights, max_rows_, max_steps_);
  reserve_scratch();
}

DecoderState::DecoderState(const NllbWeights& weights, ThreadPool& pool, DecoderMemory memory,
                           ProgressCounter* progress)
    : w_(weights),
      pool_(pool),
      max_rows_(memory.rows()),
      max_steps_(memory.steps()),
      progress_(progress),
      memory_(std::move(memory)) {
  if (max_rows_ < 1 || memory_.self().size() != w_.decoder_layers.size() ||
      max_steps_ > w_.decoder.max_positions)
    throw InvalidArgument("decoder memory of " + std::to_string(max_rows_) + " rows, " +
                          std::to_string(max_steps_) + " steps and " +
                          std::to_string(memory_.self().size()) + " layers does not fit this " +
                          std::to_string(w_.decoder_layers.size()) + "-layer decoder");
  for (auto& kv : memory_.cross()) kv.clear();
  reserve_scratch();
}

void DecoderState::reserve_scratch() {
  const int64_t d = w_.d_model;
  int64_t max_ffn = 0;
  for (const auto& layer : w_.decoder_layers) max_ffn = std::max(max_ffn, layer.ffn_in.out());
  linear_scratch_.reserve(max_rows_, std::max(d, max_ffn));
  const auto rows = static_cast<std::size_t>(max_rows_);
  for (auto* v : {&row_example_, &row_slot_, &row_steps_, &next_example_, &next_slot_, &next_steps_,
                  &free_slots_})
    v->reserve(rows);
  slot_taken_.resize(rows);
  positions_.resize(rows);
  lengths_.resize(rows);
  x_.resize(rows * d);
  h_.resize(rows * d);
  att_.resize(rows * d);
  qkv_.resize(rows * 3 * d);
  ffn_.resize(rows * max_ffn);
}

DecoderMemory DecoderState::take_memory() {
  for (auto& kv : memory_.cross()) kv.clear();
  row_example_.clear();
  row_slot_.clear();
  row_steps_.clear();
  return std::move(memory_);
}

int64_t DecoderState::memory_rows_free() const {
  if (!memory_.bounded()) return std::numeric_limits<int64_t>::max();
  const int64_t used =
      example_offset_.empty() ? 0 : example_offset_.back() + example_length_.back();
  return memory_.memory_rows() - (used - released_memory_rows_);
}

void DecoderState::add_examples(std::span<const float> memory, std::span<const int32_t> lengths) {
  const int64_t d = w_.d_model;
  if (rows() + static_cast<int64_t>(lengths.size()) > max_rows_)
    throw InvalidArgument("the decoder has room for " + std::to_string(max_rows_) +
                          " rows: " + std::to_string(rows()) + " are running, " +
                          std::to_string(lengths.size()) + " more asked");
  row_query_rows_.clear();
  int64_t total = 0;
  for (const int32_t n : lengths) {
    if (n < 1) throw InvalidArgument("a decoder example needs at least one memory row");
    total += n;
  }
  if (total > memory_rows_free())
    throw InvalidArgument("the decoder's memory holds " + std::to_string(memory_rows_free()) +
                          " more source tokens, " + std::to_string(total) + " asked");
  if (static_cast<int64_t>(memory.size()) != total * d)
    throw InvalidArgument("the memory has " + std::to_string(memory.size()) + " floats for " +
                          std::to_string(total) + " rows of " + std::to_string(d));
  if (lengths.empty()) return;
  if (released_memory_rows_ > 0) compact_examples();
  // The first free slot of each new row: the slots no current row holds.
  std::fill(slot_taken_.begin(), slot_taken_.end(), 0);
  for (const int32_t slot : row_slot_) slot_taken_[slot] = 1;
  int32_t next_free = 0;
  const int64_t first_row =
      example_offset_.empty() ? 0 : example_offset_.back() + example_length_.back();
  const auto first_example = static_cast<int32_t>(example_offset_.size());
  int64_t offset = first_row;
  for (std::size_t e = 0; e < lengths.size(); ++e) {
    example_offset_.push_back(offset);
    example_length_.push_back(lengths[e]);
    example_released_.push_back(0);
    offset += lengths[e];
    while (slot_taken_[next_free]) ++next_free;
    slot_taken_[next_free] = 1;
    row_example_.push_back(first_example + static_cast<int32_t>(e));
    row_slot_.push_back(next_free);
    row_steps_.push_back(0);
  }
  example_used_.resize(example_offset_.size());
  example_renumber_.resize(example_offset_.size());
  linear_scratch_.reserve(total, d);
  // Cross-attention keys and values depend only on the source: computed once here.
  auto& cross = memory_.cross();
  for (std::size_t l = 0; l < w_.decoder_layers.size(); ++l) {
    const auto& kv = w_.decoder_layers[l].cross_kv;
    cross[l].resize(static_cast<std::size_t>(offset * 2 * d));
    ops::linear(memory.data(), total, *kv.weight, kv.bias_data(), false,
                cross[l].data() + first_row * 2 * d, pool_, linear_scratch_);
    if (progress_) progress_->bump();
  }
}

void DecoderState::release_unused_examples() {
  std::fill(example_used_.begin(), example_used_.end(), 0);
  for (const int32_t e : row_example_) example_used_[e] = 1;
  for (std::size_t e = 0; e < example_used_.size(); ++e) {
    if (example_used_[e] || example_released_[e]) continue;
    released_memory_rows_ += example_length_[e];
    example_released_[e] = 1;
  }
}

void DecoderState::compact_examples() {
  const int64_t d2 = 2 * w_.d_model;
  std::size_t kept = 0;
  int64_t offset = 0;
  for (std::size_t e = 0; e < example_offset_.size(); ++e) {
    example_renumber_[e] = -1;
    const int32_t length = example_length_[e];
    if (example_released_[e]) continue;
    if (example_offset_[e] != offset) {
      for (auto& kv : memory_.cross())
        std::memmove(kv.data() + offset * d2, kv.data() + example_offset_[e] * d2,
                     floats(length * d2));
    }
    example_offset_[kept] = offset;
    example_length_[kept] = length;
    example_released_[kept] = 0;
    example_renumber_[e] = static_cast<int32_t>(kept);
    offset += length;
    ++kept;
  }
  example_offset_.resize(kept);
  example_length_.resize(kept);
  example_released_.resize(kept);
  for (auto& e : row_example_) e = example_renumber_[e];
  for (auto& kv : memory_.cross()) kv.resize(static_cast<std::size_t>(offset * d2));
  released_memory_rows_ = 0;
}

ops::KvCacheView DecoderState::cache_view(const LayerCache& cache) const {
  const auto n = static_cast<std::size_t>(max_rows_ * max_steps_ * w_.d_model);
  return {{cache.keys.as<float>(), n},
          {cache.values.as<float>(), n},
          max_rows_,
          max_steps_,
          w_.d_model};
}

float* DecoderState::slot_row(AlignedBuffer& buffer, int32_t slot, int64_t step) const {
  return buffer.as<float>() + (slot * max_steps_ + step) * w_.d_model;
}

void DecoderState::append_to_cache(int layer, int64_t rows) {
  const int64_t d = w_.d_model;
  LayerCache& cache = memory_.self()[static_cast<std::size_t>(layer)];
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = qkv_.data() + r * 3 * d;
    const int32_t slot = row_slot_[static_cast<std::size_t>(r)];
    const int32_t step = row_steps_[static_cast<std::size_t>(r)];
    std::copy(row + d, row + 2 * d, slot_row(cache.keys, slot, step));
    std::copy(row + 2 * d, row + 3 * d, slot_row(cache.values, slot, step));
  }
}

void DecoderState::step(std::span<const int32_t> ids, int step, float* logits) {
  for (const int32_t steps : row_steps_) {
    if (steps != step || step >= max_steps_)
      throw Error("decoder step " + std::to_string(step) + " after " + std::to_string(steps) +
                  " cached steps (room for " + std::to_string(max_steps_) + ")");
  }
  step_rows(ids, logits);
}

void DecoderState::step_rows(std::span<const int32_t> ids, float* logits) {
  const auto rows = static_cast<int64_t>(ids.size());
  const int64_t d = w_.d_model;
  const float eps = w_.layer_norm_epsilon;
  const int heads = w_.decoder.num_heads;
  const float scale = w_.decoder.queries_scale;
  if (rows != static_cast<int64_t>(row_slot_.size()))
    throw Error("decoder step: " + std::to_string(rows) + " ids for " +
                std::to_string(row_slot_.size()) + " rows");
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t steps = row_steps_[static_cast<std::size_t>(r)];
    if (steps >= max_steps_)
      throw Error("decoder step: row " + std::to_string(r) + " has run " + std::to_string(steps) +
                  " steps (room for " + std::to_string(max_steps_) + ")");
    positions_[static_cast<std::size_t>(r)] = steps;
    lengths_[static_cast<std::size_t>(r)] = steps + 1;
  }
  // Positions past the model's are refused here, with the options to change.
  embed(w_.decoder, d, ids, std::span<const int32_t>(positions_.data(), ids.size()), x_.data());
  const std::span<const int32_t> slots(row_slot_.data(), row_slot_.size());
  const std::span<const int32_t> lengths(lengths_.data(), row_slot_.size());
  const std::span<float> att(att_.data(), static_cast<std::size_t>(rows * d));
  for (std::size_t l = 0; l < w_.decoder_layers.size(); ++l) {
    const auto& layer = w_.decoder_layers[l];
    ops::layer_norm(x_.data(), rows, d, layer.self_norm.gamma.data(), layer.self_norm.beta.data(),
                    eps, h_.data());
    ops::linear(h_.data(), rows, *layer.self_qkv.weight, layer.self_qkv.bias_data(), false,
                qkv_.data(), pool_, linear_scratch_);
    append_to_cache(static_cast<int>(l), rows);
    ops::attention_with_cache(qkv_, 3 * d, cache_view(memory_.self()[l]), slots, lengths, heads, scale, att,
                              pool_, row_query_rows_);
    ops::linear(att_.data(), rows, *layer.self_out.weight, layer.self_out.bias_data(), false,
                h_.data(), pool_, linear_scratch_);
    ops::add_inplace(x_.data(), h_.data(), rows * d);

    ops::layer_norm(x_.data(), rows, d, layer.cross_norm.gamma.data(), layer.cross_norm.beta.data(),
                    eps, h_.data());
    // qkv_ holds the cross-attention queries here, [rows, d].
    ops::linear(h_.data(), rows, *layer.cross_q.weight, layer.cross_q.bias_data(), false,
                qkv_.data(), pool_, linear_scratch_);
    ops::cross_attention(qkv_, d, memory_.cross()[l], d, example_offset_, example_length_, row_example_,
                         heads, scale, att, pool_, row_query_rows_);
    ops::linear(att_.data(), rows, *layer.cross_out.weight, layer.cross_out.bias_data(), false,
                h_.data(), pool_, linear_scratch_);
    ops::add_inplace(x_.data(), h_.data(), rows * d);

    ops::layer_norm(x_.data(), rows, d, layer.ffn_norm.gamma.data(), layer.ffn_norm.beta.data(),
                    eps, h_.data());
    ops::linear(h_.data(), rows, *layer.ffn_in.weight, layer.ffn_in.bias_data(), true, ffn_.data(),
                pool_, linear_scratch_);
    ops::linear(ffn_.data(), rows, *layer.ffn_out.weight, layer.ffn_out.bias_data(), false,
                h_.data(), pool_, linear_scratch_);
    ops::add_inplace(x_.data(), h_.data(), rows * d);
    if (progress_) progress_->bump();
  }
  for (auto& steps : row_steps_) ++steps;
  ops::layer_norm(x_.data(), rows, d, w_.decoder.final_norm.gamma.data(),
                  w_.decoder.final_norm.beta.data(), eps, h_.data());
  ops::linear(h_.data(), rows, *w_.projection.weight, w_.projection.bias_data(), false, logits,
              pool_, linear_scratch_);
  if (progress_) progress_->bump();
}

void DecoderState::set_query_rows(std::span<const int32_t> query_rows) {
  if (query_rows.size() != row_slot_.size())
    throw Error("decoder: " + std::to_string(query_rows.size()) + " query_rows for " +
                std::to_string(row_slot_.size()) + " rows");
  row_query_rows_.assign(query_rows.begin(), query_rows.end());
}

void DecoderState::select_rows(std::span<const int32_t> origin) {
  const std::size_t old_rows = row_slot_.size();
  bool identity = origin.size() == old_rows;
  for (std::size_t i = 0; identity && i < origin.size(); ++i)
    identity = origin[i] == static_cast<int32_t>(i);
  if (identity) return;
  row_query_rows_.clear();
  if (static_cast<int64_t>(origin.size()) > max_rows_)
    throw Error("decoder: " + std::to_string(origin.size()) + " rows selected, room for " +
                std::to_string(max_rows_));
  // The first row continuing an old row takes over its slot; any further one gets a slot no
  // new row holds and a copy of the cached steps. The slots kept are never written here.
  std::fill(slot_taken_.begin(), slot_taken_.end(), 0);
  next_example_.clear();
  next_slot_.clear();
  next_steps_.clear();
  for (const int32_t o : origin) {
    if (o < 0 || static_cast<std::size_t>(o) >= old_rows)
      throw Error("decoder: selected row " + std::to_string(o) + " of " + std::to_string(old_rows));
    next_example_.push_back(row_example_[o]);
    next_steps_.push_back(row_steps_[o]);
    const int32_t slot = row_slot_[o];
    const bool first = !slot_taken_[slot];
    slot_taken_[slot] = 1;
    next_slot_.push_back(first ? slot : -1);
  }
  free_slots_.clear();
  for (int32_t s = static_cast<int32_t>(max_rows_) - 1; s >= 0; --s) {
    if (!slot_taken_[s]) free_slots_.push_back(s);
  }
  for (std::size_t i = 0; i < origin.size(); ++i) {
    if (next_slot_[i] >= 0) continue;
    const std::size_t bytes = floats(next_steps_[i] * w_.d_model);
    const int32_t from = row_slot_[origin[i]];
    const int32_t to = free_slots_.back();
    free_slots_.pop_back();
    for (auto& layer : memory_.self()) {
      std::memcpy(slot_row(layer.keys, to, 0), slot_row(layer.keys, from, 0), bytes);
      std::memcpy(slot_row(layer.values, to, 0), slot_row(layer.values, from, 0), bytes);
    }
    next_slot_[i] = to;
  }
  row_example_.swap(next_example_);
  row_slot_.swap(next_slot_);
  row_steps_.swap(next_steps_);
  release_unused_examples();
}

}  // namespace nmtd
