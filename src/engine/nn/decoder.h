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
//
// Rows need not be at the same position (continuous batching): each row has its own number
// of cached steps, and examples may join between steps (add_examples: their cross-attention
// keys and values join the per-example store, their first row joins the rows). An example no
// row refers to any more is released; its share of the store is reclaimed when examples join.
#include <cstdint>
#include <span>
#include <vector>

#include "common/aligned_buffer.h"
#include "common/thread_pool.h"
#include "engine/decode/decoding.h"
#include "engine/nn/decoder_memory.h"
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
  // No examples yet: they join with add_examples.
  DecoderState(const NllbWeights& weights, ThreadPool& pool, int64_t max_rows, int max_steps,
               ProgressCounter* progress = nullptr);
  // No examples yet, in memory lent by the caller (its rows and steps are the decoder's). A
  // bounded memory never grows: add_examples refuses source tokens beyond its memory_rows.
  // take_memory() gives it back.
  DecoderState(const NllbWeights& weights, ThreadPool& pool, DecoderMemory memory,
               ProgressCounter* progress = nullptr);

  // Gives the memory back (for the next decoder); this decoder is unusable afterwards.
  DecoderMemory take_memory();
  // Logits of max_rows() rows, in the decoder's memory.
  float* logits() { return memory_.logits(); }
  // Source tokens that may still join (bounded memory; otherwise the largest int64_t).
  int64_t memory_rows_free() const;

  // Adds examples (memory: their encoder output, [sum(lengths), d]), each with one row at
  // position 0, after the current rows. Throws InvalidArgument when the rows would exceed
  // max_rows or their source tokens memory_rows_free() (nothing changes then).
  void add_examples(std::span<const float> memory, std::span<const int32_t> lengths);

  int64_t rows() const { return static_cast<int64_t>(row_slot_.size()); }
  int64_t max_rows() const { return max_rows_; }
  int64_t max_steps() const { return max_steps_; }
  // Steps row r has run (its next position).
  int32_t row_steps(int64_t r) const { return row_steps_[static_cast<std::size_t>(r)]; }

  int64_t vocab_size() const override { return w_.vocab_size; }
  // Every row must be at position `step`. Throws Error beyond max_rows rows or max_steps steps.
  void step(std::span<const int32_t> ids, int step, float* logits) override;
  // Steps every row once at its own position. Throws Error when a row has run max_steps.
  void step_rows(std::span<const int32_t> ids, float* logits);
  // Also releases the examples no selected row continues.
  void select_rows(std::span<const int32_t> origin) override;
  // For teacher-forced scoring: row r's attention sums its dot products in the order
  // CTranslate2's score_batch does for a sequence of query_rows[r] positions, instead of its
  // step-by-step decoding's (ops::attention_with_cache). One per row; select_rows and
  // add_examples forget them.
  void set_query_rows(std::span<const int32_t> query_rows);

 private:
  using LayerCache = DecoderMemory::LayerCache;
  void reserve_scratch();
  ops::KvCacheView cache_view(const LayerCache& cache) const;
  float* slot_row(AlignedBuffer& buffer, int32_t slot, int64_t step) const;
  void append_to_cache(int layer, int64_t rows);
  void release_unused_examples();
  // Moves the live examples' cross-attention keys and values together, dropping the
  // released ones' (called when examples join, so the store stays bounded).
  void compact_examples();

  const NllbWeights& w_;
  ThreadPool& pool_;
  const int64_t max_rows_;
  const int64_t max_steps_;
  ProgressCounter* progress_;
  std::vector<int64_t> example_offset_;  // first memory row of each example
  std::vector<int32_t> example_length_;
  std::vector<char> example_released_;     // no row refers to it any more
  std::vector<char> example_used_;         // scratch of select_rows
  std::vector<int32_t> example_renumber_;  // scratch of compact_examples
  int64_t released_memory_rows_ = 0;
  // Self-attention caches, cross-attention keys and values ([memory rows, 2d] per layer) and
  // logits.
  DecoderMemory memory_;
  // Per row (capacity max_rows_): its example, its cache slot and its cached steps.
  std::vector<int32_t> row_example_, row_slot_, row_steps_;
  std::vector<int32_t> row_query_rows_;  // empty: 1 per row (set_query_rows)
  // Scratch of select_rows, per row or per slot.
  std::vector<int32_t> next_example_, next_slot_, next_steps_, free_slots_;
  std::vector<char> slot_taken_;
  // Activations for max_rows_ rows; lengths_ is each row's attended steps.
  std::vector<int32_t> positions_, lengths_;
  std::vector<float> x_, h_, qkv_, att_, ffn_;
  ops::LinearScratch linear_scratch_;
};

}  // namespace nmtd
