#pragma once
// Several searches that grow from one row of their owner's: the hypotheses of greedy
// sampling (one search per hypothesis) and the suffixes of alternatives (one search per
// alternative). Their rows lie together in the owner's rows, in group order; each reads only
// its own, as the inputs of a batch do.
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/decode/search.h"

namespace nmtd::decoding {

class SearchGroup {
 public:
  // The searches' first rows all continue the owner's current row `from`.
  void start(std::vector<std::unique_ptr<InputSearch>> searches, int32_t from);
  // The owner's next origins and ids: each running search's, at its rows' place.
  void next_rows(std::vector<int32_t>& origins, std::vector<int32_t>& ids);
  // Advances each running search over its rows of the step's logits (laid out as the last
  // next_rows() planned them). Returns true once every search has finished.
  bool advance(float* logits, int64_t vocab_size);
  std::size_t size() const { return members_.size(); }
  // Search i's hypotheses, once finished.
  Hypotheses take_hypotheses(std::size_t i) { return members_[i].search->take_hypotheses(); }

 private:
  struct Member {
    std::unique_ptr<InputSearch> search;
    int32_t base = 0;  // its first row among the owner's current rows
    bool running = true;
  };
  std::vector<Member> members_;
};

}  // namespace nmtd::decoding
