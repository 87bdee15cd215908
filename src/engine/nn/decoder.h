#pragma once
// The decoder stack run one step at a time with a key/value cache, as a StepModel for the
// search. Rows are (example, beam) pairs; the encoder memory and its cross-attention keys
// and values are kept once per example, and rows point at their example, so replicating a
// row for beam search copies only its own self-attention cache.
//
// Every buffer a step uses is allocated by the constructor, for at most max_rows rows and
// max_steps steps: a step and a row selection allocate nothing. Each row's self-attention
// cache lives in a slot of one preallocated buffer per layer; rows address their slot by
// index, so following a beam is a change of index and only a row that continues an
// already-continued row copies its cache (within the buffer).
#include <cstdint>
#include <span>
#include <vector>

#include "common/aligned_buffer.h"
#include "common/thread_pool.h"
#include "engine/decode/decoding.h"
#include "engine/nn/nllb_weights.h"
#include "engine/ops/attention.h"
#include "engine/progress.h"

namespace nmtd {

class DecoderState : public StepModel {
 public:
  // memory: encoder output [sum(lengths), d]; one initial row per example. The search may
  // use up to max_rows rows (examples x beams) and max_steps steps, the latter bounded by
  // the model's positions. Throws InvalidArgument when max_rows < lengths.size(). progress,
  // when given, counts each layer's cross-attention keys, each layer of a step and the
  // projection.
  DecoderState(const NllbWeights& weights, ThreadPool& pool, std::span<const float> memory,
               std::span<const int32_t> lengths, int64_t max_rows, int max_steps,
               ProgressCounter* progress = nullptr);

  int64_t vocab_size() const override { return w_.vocab_size; }
  // Throws Error beyond max_rows rows or max_steps steps.
  void step(std::span<const int32_t> ids, int step, float* logits) override;
  void select_rows(std::span<const int32_t> origin) override;

 private:
  // One layer's cache: slot s holds max_steps_ rows of d keys (values) from s * max_steps_ * d.
  struct LayerCache {
    AlignedBuffer keys, values;
  };
  ops::KvCacheView cache_view(const LayerCache& cache) const;
  float* slot_row(AlignedBuffer& buffer, int32_t slot, int64_t step) const;
  void append_to_cache(int layer, int64_t rows, int step);

  const NllbWeights& w_;
  ThreadPool& pool_;
  const int64_t max_rows_;
  const int64_t max_steps_;
  ProgressCounter* progress_;
  std::vector<int64_t> example_offset_;  // first memory row of each example
  std::vector<int32_t> example_length_;
  std::vector<std::vector<float>> cross_kv_;  // per layer: [sum(lengths), 2d]
  std::vector<LayerCache> cache_;             // per layer
  int64_t cached_steps_ = 0;                  // steps held by every row's slot
  // Per row (capacity max_rows_): its example and its cache slot.
  std::vector<int32_t> row_example_, row_slot_;
  // Scratch of select_rows, per row or per slot.
  std::vector<int32_t> next_example_, next_slot_, free_slots_;
  std::vector<char> slot_taken_;
  // Activations for max_rows_ rows.
  std::vector<int32_t> positions_;
  std::vector<float> x_, h_, qkv_, att_, ffn_;
  ops::LinearScratch linear_scratch_;
};

}  // namespace nmtd
