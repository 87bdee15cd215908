// Several sampled hypotheses of one input, as CT2's GreedySearch returns num_hypotheses > 1
// when it samples: the input is repeated once per hypothesis, each copy is decoded greedily
// with its own draws, and the hypotheses are sorted by score, best first.
#include <algorithm>
#include <utility>

#include "engine/decode/search.h"
#include "engine/decode/search_group.h"

namespace nmtd::decoding {
namespace {

class SampledHypotheses final : public InputSearch {
 public:
  SampledHypotheses(const DecodeInput& input, const DecodeVocab& vocab,
                    const DecodingOptions& options, int64_t vocab_size, bool has_prefix)
      : vocab_size_(vocab_size) {
    DecodingOptions one = options;
    one.num_hypotheses = 1;
    std::vector<std::unique_ptr<InputSearch>> copies;
    for (int h = 0; h < options.num_hypotheses; ++h) {
      // CT2 decodes the copies with scores (ties on the log-probs).
      copies.push_back(make_greedy_search(input, vocab, one, vocab_size, has_prefix,
                                          /*ties_on_log_probs=*/true, static_cast<uint64_t>(h)));
    }
    group_.start(std::move(copies), 0);
    group_.next_rows(origins_, ids_);
  }

  bool advance(float* logits) override {
    ++steps_;
    if (!group_.advance(logits, vocab_size_)) {
      group_.next_rows(origins_, ids_);
      return false;
    }
    for (std::size_t h = 0; h < group_.size(); ++h) {
      auto hyps = group_.take_hypotheses(h);
      if (!hyps.empty()) results_.push_back(std::move(hyps.front()));
    }
    std::stable_sort(
        results_.begin(), results_.end(),
        [](const DecodeResult& a, const DecodeResult& b) { return a.score > b.score; });
    origins_.clear();
    ids_.clear();
    return true;
  }

 private:
  const int64_t vocab_size_;
  SearchGroup group_;
};

}  // namespace

std::unique_ptr<InputSearch> make_sampled_hypotheses(const DecodeInput& input,
                                                     const DecodeVocab& vocab,
                                                     const DecodingOptions& options,
                                                     int64_t vocab_size, bool has_prefix) {
  return std::make_unique<SampledHypotheses>(input, vocab, options, vocab_size, has_prefix);
}

}  // namespace nmtd::decoding
