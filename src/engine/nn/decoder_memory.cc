#include "engine/nn/decoder_memory.h"

#include <cstring>
#include <string>

#include "common/error.h"
#include "engine/nn/nllb_weights.h"

namespace nmtd {
namespace {

std::size_t floats(int64_t n) { return static_cast<std::size_t>(n) * sizeof(float); }

std::size_t self_bytes(const NllbWeights& w, int64_t rows, int64_t steps) {
  return floats(rows * steps * w.d_model);
}

}  // namespace

DecoderMemory::DecoderMemory(const NllbWeights& weights, int64_t rows, int64_t steps)
    : rows_(rows), steps_(steps), d_(weights.d_model), vocab_(weights.vocab_size) {
  if (rows < 1 || steps < 0)
    throw InvalidArgument("decoder memory needs at least one row, got " + std::to_string(rows) +
                          " rows of " + std::to_string(steps) + " steps");
  const std::size_t cache_bytes = self_bytes(weights, rows, steps);
  self_.resize(weights.decoder_layers.size());
  for (auto& layer : self_) {
    layer.keys = AlignedBuffer(cache_bytes, AlignedBuffer::Uninitialized{});
    layer.values = AlignedBuffer(cache_bytes, AlignedBuffer::Uninitialized{});
  }
  cross_.resize(weights.decoder_layers.size());
  logits_ = AlignedBuffer(floats(rows * vocab_), AlignedBuffer::Uninitialized{});
}

DecoderMemory::DecoderMemory(const NllbWeights& weights, const DecoderMemoryShape& shape)
    : DecoderMemory(weights, shape.rows, shape.steps) {
  if (shape.memory_rows < 1)
    throw InvalidArgument("bounded decoder memory needs room for source tokens, got " +
                          std::to_string(shape.memory_rows));
  bounded_ = true;
  memory_rows_ = shape.memory_rows;
  for (auto& layer : self_) {
    std::memset(layer.keys.data(), 0, layer.keys.size());
    std::memset(layer.values.data(), 0, layer.values.size());
  }
  // resize writes every element; shrinking back keeps the capacity and its pages.
  for (auto& kv : cross_) {
    kv.resize(static_cast<std::size_t>(memory_rows_ * 2 * d_));
    kv.clear();
  }
  std::memset(logits_.data(), 0, logits_.size());
}

std::size_t DecoderMemory::bytes_for(const NllbWeights& weights, const DecoderMemoryShape& shape) {
  const auto layers = static_cast<int64_t>(weights.decoder_layers.size());
  return 2 * layers * self_bytes(weights, shape.rows, shape.steps) +
         layers * floats(shape.memory_rows * 2 * weights.d_model) +
         floats(shape.rows * weights.vocab_size);
}

std::size_t DecoderMemory::bytes() const {
  std::size_t total = logits_.size();
  for (const auto& layer : self_) total += layer.keys.size() + layer.values.size();
  for (const auto& kv : cross_) total += kv.capacity() * sizeof(float);
  return total;
}

}  // namespace nmtd
