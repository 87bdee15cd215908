#pragma once
// Top-k selection over the flattened [beams * vocab] scores of one example, as CT2's beam
// search takes it: values (logit + log-softmax offset) + cumulative beam score, computed in
// that order in float, best first, the lower flat index first among equal values. A
// bounded heap keeps it one pass over the logits with no full sort and no allocation after
// the first use.
#include <cstdint>
#include <vector>

namespace nmtd::decoding {

struct Candidate {
  float score = 0.0f;
  int64_t flat = 0;  // beam * vocab + token
};

class TopK {
 public:
  // Starts a new selection of the best k.
  void reset(int k);

  // Offers row values (x[i] + offset) + beam_score for flat indices flat_base + i. Rows must
  // be offered in increasing flat order, which is what makes ties keep the lower index.
  // Without a beam score (the first step of CT2's beam search) pass add_beam_score = false.
  void offer_row(const float* x, int64_t n, float offset, float beam_score, bool add_beam_score,
                 int64_t flat_base);

  // The selection, best first. Valid until the next reset.
  const std::vector<Candidate>& sorted();

 private:
  void push(float score, int64_t flat);

  int k_ = 0;
  std::vector<Candidate> heap_;  // min-heap on (score, then higher flat index = worse)
};

}  // namespace nmtd::decoding
