// Greedy search as CT2's GreedySearch::search, for one input: argmax per step, finished at
// the end token or the last step.
#include <optional>
#include <utility>

#include "common/error.h"
#include "engine/decode/logits_processors.h"
#include "engine/decode/row_math.h"
#include "engine/decode/sampling.h"
#include "engine/decode/search.h"

namespace nmtd::decoding {
namespace {

class GreedySearch final : public InputSearch {
 public:
  GreedySearch(const DecodeInput& input, const DecodeVocab& vocab, const DecodingOptions& options,
               int64_t vocab_size, bool has_prefix, bool ties_on_log_probs, uint64_t stream)
      : prefix_(has_prefix ? input.prefix : std::vector<int32_t>{}),
        end_id_(vocab.end_id),
        vocab_size_(vocab_size),
        max_step_(options.max_decoding_length),
        length_penalty_(options.length_penalty),
        ties_on_log_probs_(ties_on_log_probs),
        processors_(options, vocab) {
    origins_ = {0};
    ids_ = {input.start_id};
    // Room for the longest output: no later step grows it.
    running_.ids.reserve(static_cast<std::size_t>(max_step_));
    if (options.samples()) sampler_.emplace(options, stream);
  }

  bool advance(float* row) override {
    const int step = steps_++;
    int32_t token;
    float log_prob;
    if (static_cast<std::size_t>(step) < prefix_.size()) {
      // CT2 overrides the sampled token with the prefix and its score with 0, so the
      // logits of a forced step do not matter: skip their processing.
      token = prefix_[step];
      log_prob = 0.0f;
    } else {
      processors_.apply(row, running_.ids, step);
      const float max = row_max(row, vocab_size_);
      const float offset = log_softmax_offset(max, row_exp_sum(row, vocab_size_, max));
      log_prob = max + offset;
      if (sampler_) {
        token = sampler_->sample(row, vocab_size_);
        log_prob = row[token] + offset;
      } else {
        // CT2 takes the top-1 of the log-probs when it returns scores and of the raw logits
        // otherwise; rounding in x + offset can merge near-ties, and the lower index wins.
        const int64_t best = ties_on_log_probs_
                                 ? first_index_reaching(row, vocab_size_, offset, log_prob)
                                 : first_index_reaching(row, vocab_size_, 0.0f, max);
        if (best == vocab_size_) throw Error("decode: the decoder produced a row of NaN logits");
        token = static_cast<int32_t>(best);
      }
    }
    running_.ids.push_back(token);
    running_.score += log_prob;
    const bool finished = (token == end_id_ && static_cast<std::size_t>(step) >= prefix_.size()) ||
                          step + 1 == max_step_;
    if (finished) {
      running_.score = normalize_score(running_.score, running_.ids.size(), length_penalty_);
      results_.push_back(std::move(running_));
      origins_.clear();
      ids_.clear();
    } else {
      ids_[0] = token;
    }
    return finished;
  }

 private:
  const std::vector<int32_t> prefix_;  // empty when the batch has no prefix
  const int32_t end_id_;
  const int64_t vocab_size_;
  const int max_step_;
  const float length_penalty_;
  const bool ties_on_log_probs_;
  LogitsProcessors processors_;
  std::optional<TokenSampler> sampler_;  // set when sampling
  DecodeResult running_;                 // ids so far (end token included) and raw score
};

}  // namespace

std::unique_ptr<InputSearch> make_greedy_search(const DecodeInput& input, const DecodeVocab& vocab,
                                                const DecodingOptions& options, int64_t vocab_size,
                                                bool has_prefix, bool ties_on_log_probs,
                                                uint64_t stream) {
  return std::make_unique<GreedySearch>(input, vocab, options, vocab_size, has_prefix,
                                        ties_on_log_probs, stream);
}

}  // namespace nmtd::decoding
