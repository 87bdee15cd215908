#pragma once
// The decoder stack run one step at a time with a key/value cache, as a StepModel for the
// search. Rows are (example, beam) pairs; the encoder memory and its cross-attention keys
// and values are kept once per example, and rows point at their example, so replicating a
// row for beam search copies only its own self-attention cache.
#include <cstdint>
#include <span>
#include <vector>

#include "common/thread_pool.h"
#include "engine/decode/decoding.h"
#include "engine/nn/nllb_weights.h"
#include "engine/progress.h"

namespace nmtd {

class DecoderState : public StepModel {
 public:
  // memory: encoder output [sum(lengths), d]; one initial row per example. progress, when
  // given, counts each layer's cross-attention keys, each layer of a step and the projection.
  DecoderState(const NllbWeights& weights, ThreadPool& pool, std::span<const float> memory,
               std::span<const int32_t> lengths, ProgressCounter* progress = nullptr);

  int64_t vocab_size() const override { return w_.vocab_size; }
  void step(std::span<const int32_t> ids, int step, float* logits) override;
  void select_rows(std::span<const int32_t> origin) override;

 private:
  void self_attention(int layer, int64_t rows, int step);
  void cross_attention(int layer, int64_t rows);

  const NllbWeights& w_;
  ThreadPool& pool_;
  ProgressCounter* progress_;
  std::vector<int64_t> example_offset_;  // first memory row of each example
  std::vector<int32_t> example_length_;
  std::vector<std::vector<float>> cross_kv_;  // per layer: [sum(lengths), 2d]
  std::vector<int32_t> row_example_;          // example of each row
  // Self-attention cache per layer and row: step-major [steps][d] for keys and values.
  std::vector<std::vector<std::vector<float>>> keys_, values_;
  std::vector<float> x_, h_, qkv_, att_, ffn_;
};

}  // namespace nmtd
