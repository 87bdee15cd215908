#pragma once
// The encoder stack over a batch of sentences of different lengths. Sentences are packed
// one after another with no padding rows, so no work is spent on padding and no mask is
// needed beyond each sentence's own length.
#include <cstdint>
#include <span>
#include <vector>

#include "common/thread_pool.h"
#include "engine/nn/nllb_weights.h"
#include "engine/progress.h"

namespace nmtd {

class Encoder {
 public:
  // progress, when given, counts each finished attention and feed-forward sublayer.
  Encoder(const NllbWeights& weights, ThreadPool& pool, ProgressCounter* progress = nullptr)
      : w_(weights), pool_(pool), progress_(progress) {}

  // ids: the sentences' token ids concatenated; lengths: tokens per sentence.
  // Writes the final-normalised memory, [sum(lengths), d_model], to `memory`.
  void forward(std::span<const int32_t> ids, std::span<const int32_t> lengths,
               std::vector<float>& memory);

 private:
  const NllbWeights& w_;
  ThreadPool& pool_;
  ProgressCounter* progress_;
  std::vector<float> h_, qkv_, att_, ffn_;
};

// Shared by encoder and decoder: x[r] = E[ids[r]] * scale + P[positions[r]].
void embed(const StackWeights& stack, int64_t d, std::span<const int32_t> ids,
           std::span<const int32_t> positions, float* x);

}  // namespace nmtd
