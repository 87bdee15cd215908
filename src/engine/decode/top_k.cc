#include "engine/decode/top_k.h"

#include <algorithm>

namespace nmtd::decoding {
namespace {

// "a ranks before b": higher score, then lower flat index.
inline bool better(const Candidate& a, const Candidate& b) {
  return a.score > b.score || (a.score == b.score && a.flat < b.flat);
}

// std heap functions keep the "largest" on top; with `better` as the comparison the top is
// the worst kept candidate, the one a newcomer has to beat.
struct WorseOnTop {
  bool operator()(const Candidate& a, const Candidate& b) const { return better(a, b); }
};

}  // namespace

void TopK::reset(int k) {
  k_ = k;
  heap_.clear();
  heap_.reserve(static_cast<std::size_t>(k));
}

void TopK::push(float score, int64_t flat) {
  if (static_cast<int>(heap_.size()) < k_) {
    heap_.push_back({score, flat});
    std::push_heap(heap_.begin(), heap_.end(), WorseOnTop{});
    return;
  }
  std::pop_heap(heap_.begin(), heap_.end(), WorseOnTop{});
  heap_.back() = {score, flat};
  std::push_heap(heap_.begin(), heap_.end(), WorseOnTop{});
}

void TopK::offer_row(const float* x, int64_t n, float offset, float beam_score, bool add_beam_score,
                     int64_t flat_base) {
  int64_t i = 0;
  // Fill the heap first; afterwards a value enters only when strictly above the worst kept
  // one (an equal value comes later in flat order, so it ranks behind).
  for (; i < n && static_cast<int>(heap_.size()) < k_; ++i) {
    float v = x[i] + offset;
    if (add_beam_score) v = v + beam_score;
    push(v, flat_base + i);
  }
  if (heap_.empty()) return;
  float threshold = heap_.front().score;
  for (; i < n; ++i) {
    float v = x[i] + offset;
    if (add_beam_score) v = v + beam_score;
    if (v > threshold) {
      push(v, flat_base + i);
      threshold = heap_.front().score;
    }
  }
}

const std::vector<Candidate>& TopK::sorted() {
  std::sort(heap_.begin(), heap_.end(), better);
  return heap_;
}

}  // namespace nmtd::decoding
