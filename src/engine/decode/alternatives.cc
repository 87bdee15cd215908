// return_alternatives as CT2 4.8.1's decode_alternatives (src/decoding.cc) runs it for one
// input: the decoder reads the target prefix, the num_hypotheses most probable tokens at the
// first position after it become the alternatives (the end token banned there, as CT2's
// one-step beam search with min_length 1 bans it; those below min_alternative_expansion_prob
// left out, with all after them), and each alternative is continued by its own search (greedy
// or beam, sampling or not) from there. An alternative's score is its token's log-prob plus
// its continuation's length-normalized score; the alternatives keep the order of their
// first tokens. The continuations' logits processors see only their own tokens, as in CT2.
#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/decode/logits_processors.h"
#include "engine/decode/row_math.h"
#include "engine/decode/search.h"
#include "engine/decode/search_group.h"
#include "engine/decode/top_k.h"

namespace nmtd::decoding {
namespace {

DecodingOptions expansion_options(const DecodingOptions& options) {
  DecodingOptions o = options;
  o.min_decoding_length = 1;  // CT2 expands with a one-step search of min_length 1
  return o;
}

class Alternatives final : public InputSearch {
 public:
  Alternatives(const DecodeInput& input, const DecodeVocab& vocab, const DecodingOptions& options,
               int64_t vocab_size)
      : vocab_(vocab),
        options_(options),
        vocab_size_(vocab_size),
        max_length_(options.max_decoding_length),
        processors_(expansion_options(options), vocab) {
    tokens_.push_back(input.start_id);
    // CT2 cuts the prefix to max_decoding_length here (the translator refuses longer ones).
    const std::size_t keep = std::min(input.prefix.size(), static_cast<std::size_t>(max_length_));
    tokens_.insert(tokens_.end(), input.prefix.begin(), input.prefix.begin() + keep);
    origins_ = {0};
    ids_ = {input.start_id};
  }

  bool advance(float* logits) override {
    const int step = steps_++;
    const int prefix_length = static_cast<int>(tokens_.size()) - 1;
    if (suffix_started_) return advance_suffixes(logits);
    if (prefix_length == max_length_) {
      // Nothing left to decode: every hypothesis is the prefix, with score 0.
      DecodeResult prefix_only{{tokens_.begin() + 1, tokens_.end()}, 0.0f};
      results_.assign(static_cast<std::size_t>(options_.num_hypotheses), prefix_only);
      return finish();
    }
    if (step < prefix_length) {
      // The decoder reads the prefix; its predictions there are not needed.
      ids_[0] = tokens_[static_cast<std::size_t>(step) + 1];
      return false;
    }
    return expand(logits);
  }

 private:
  bool finish() {
    origins_.clear();
    ids_.clear();
    return true;
  }

  bool expand(float* row) {
    processors_.apply(row, {}, 0);
    const float max = row_max(row, vocab_size_);
    const float offset = log_softmax_offset(max, row_exp_sum(row, vocab_size_, max));
    const int k = static_cast<int>(std::min<int64_t>(options_.num_hypotheses, vocab_size_));
    TopK top;
    top.reset(k);
    top.offer_row(row, vocab_size_, offset, 0.0f, false, 0);
    std::vector<int32_t> first_tokens;
    for (const Candidate& c : top.sorted()) {
      if (std::exp(c.score) < options_.min_alternative_expansion_prob) break;
      DecodeResult hyp{{tokens_.begin() + 1, tokens_.end()}, c.score};
      hyp.ids.push_back(static_cast<int32_t>(c.flat));
      first_tokens.push_back(static_cast<int32_t>(c.flat));
      results_.push_back(std::move(hyp));
    }
    const int decoded = static_cast<int>(tokens_.size());  // the prefix and the alternative
    if (first_tokens.empty() || decoded == max_length_) return finish();

    DecodingOptions rest = options_;
    rest.return_alternatives = false;
    rest.num_hypotheses = 1;
    rest.max_decoding_length = max_length_ - decoded;
    rest.min_decoding_length = std::max(options_.min_decoding_length - decoded, 0);
    std::vector<std::unique_ptr<InputSearch>> suffixes;
    for (std::size_t i = 0; i < first_tokens.size(); ++i) {
      const DecodeInput from{first_tokens[i], {}};
      suffixes.push_back(make_search(from, vocab_, rest, vocab_size_, false, i));
    }
    group_.start(std::move(suffixes), 0);
    group_.next_rows(origins_, ids_);
    suffix_started_ = true;
    return false;
  }

  bool advance_suffixes(float* logits) {
    if (!group_.advance(logits, vocab_size_)) {
      group_.next_rows(origins_, ids_);
      return false;
    }
    for (std::size_t i = 0; i < group_.size(); ++i) {
      auto hyps = group_.take_hypotheses(i);
      if (hyps.empty()) continue;
      results_[i].ids.insert(results_[i].ids.end(), hyps.front().ids.begin(),
                             hyps.front().ids.end());
      results_[i].score += hyps.front().score;
    }
    return finish();
  }

  const DecodeVocab vocab_;
  const DecodingOptions options_;
  const int64_t vocab_size_;
  const int max_length_;
  LogitsProcessors processors_;
  std::vector<int32_t> tokens_;  // the start token, then the prefix
  bool suffix_started_ = false;
  SearchGroup group_;
};

}  // namespace

std::unique_ptr<InputSearch> make_alternatives_search(const DecodeInput& input,
                                                      const DecodeVocab& vocab,
                                                      const DecodingOptions& options,
                                                      int64_t vocab_size) {
  return std::make_unique<Alternatives>(input, vocab, options, vocab_size);
}

}  // namespace nmtd::decoding
