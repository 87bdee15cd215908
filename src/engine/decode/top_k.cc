#include "engine/decode/top_k.h"

#include <algorithm>

#include "engine/decode/simd.h"

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

// The value CT2 ranks: the log-prob, plus the beam's cumulative score when it has one.
[[gnu::always_inline]] inline float value(float x, float offset, float beam_score, bool add) {
  const float v = x + offset;
  return add ? v + beam_score : v;
}

// The first i in [from, n) whose value is above threshold, or n. Nearly every value is
// below once the heap is full, so whole blocks are rejected with vector compares.
NMTD_DECODE_CLONES int64_t next_above(const float* x, int64_t from, int64_t n, float offset,
                                      float beam_score, bool add, float threshold) {
  using simd::VecF;
  constexpr int64_t kBlock = 2 * simd::kWidth;
  int64_t i = from;
  const float s = add ? beam_score : 0.0f;
  for (; i + kBlock <= n; i += kBlock) {
    VecF a = simd::load(x + i) + offset;
    VecF b = simd::load(x + i + simd::kWidth) + offset;
    if (add) {
      a = a + s;
      b = b + s;
    }
    if (simd::any((a > threshold) | (b > threshold))) break;
  }
  for (; i < n; ++i) {
    if (value(x[i], offset, beam_score, add) > threshold) return i;
  }
  return n;
}

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
    push(value(x[i], offset, beam_score, add_beam_score), flat_base + i);
  }
  if (heap_.empty()) return;
  while (true) {
    i = next_above(x, i, n, offset, beam_score, add_beam_score, heap_.front().score);
    if (i == n) break;
    push(value(x[i], offset, beam_score, add_beam_score), flat_base + i);
    ++i;
  }
}

const std::vector<Candidate>& TopK::sorted() {
  std::sort(heap_.begin(), heap_.end(), better);
  return heap_;
}

}  // namespace nmtd::decoding
