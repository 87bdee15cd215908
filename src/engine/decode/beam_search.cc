// Beam search as CT2 4.8.1's BeamSearch::search (src/decoding.cc) runs it on CPU, for one
// input: 2K candidates from a top-k over the K*V cumulative log-probs, finished hypotheses
// recorded with their raw score and replaced from the secondary candidates, the input
// finished once it has enough. CT2 runs the examples of a batch side by side but never mixes
// them, so one example's search on its own rows is the same. The names below follow CT2's
// where they help comparing the two.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

#include "engine/decode/logits_processors.h"
#include "engine/decode/row_math.h"
#include "engine/decode/search.h"
#include "engine/decode/top_k.h"

namespace nmtd::decoding {
namespace {

// The score CT2 gives to forced-prefix candidates other than the first, and to secondary
// end tokens at the first free step, so that they are never kept.
constexpr float kPenalized = -1e10f;

// Sorts finished hypotheses by normalized score, best first, and keeps the best n.
void finalize(Hypotheses& hyps, std::size_t n, float length_penalty) {
  for (auto& h : hyps) h.score = normalize_score(h.score, h.ids.size(), length_penalty);
  std::stable_sort(hyps.begin(), hyps.end(),
                   [](const DecodeResult& a, const DecodeResult& b) { return a.score > b.score; });
  if (hyps.size() > n) hyps.resize(n);
}

// The candidates of one step, CT2's topk_ids / topk_scores / gather_indices, [2K].
struct Candidates {
  std::vector<int32_t> word;
  std::vector<float> score;
  std::vector<int32_t> origin;  // the current row the candidate continues

  void resize(std::size_t n) {
    word.resize(n);
    score.resize(n);
    origin.resize(n);
  }
};

class BeamSearch final : public InputSearch {
 public:
  BeamSearch(const DecodeInput& input, const DecodeVocab& vocab, const DecodingOptions& options,
             int64_t vocab_size, bool has_prefix)
      : prefix_(has_prefix ? input.prefix : std::vector<int32_t>{}),
        has_prefix_(has_prefix),
        vocab_(vocab),
        length_penalty_(options.length_penalty),
        num_hypotheses_(static_cast<std::size_t>(options.num_hypotheses)),
        processors_(options, vocab),
        vocab_size_(vocab_size),
        beam_(options.beam_size),
        num_candidates_(2 * options.beam_size),
        max_step_(options.max_decoding_length),
        // CT2 on CPU runs the first step on one row per example when the 2K candidates fit
        // in one vocabulary row, and replicates the rows to K beams afterwards.
        expand_after_first_step_(num_candidates_ <= vocab_size_),
        max_candidates_(static_cast<std::size_t>(
            std::round(static_cast<float>(options.beam_size) * options.patience))) {
    // Everything a step touches is sized here for K rows and the longest history, so that
    // no step after the first allocates (the hypotheses it finishes aside).
    const auto rows = static_cast<std::size_t>(beam_);
    history_.resize(rows);
    next_history_.resize(rows);
    for (auto* all : {&history_, &next_history_}) {
      for (auto& tokens : *all) tokens.reserve(static_cast<std::size_t>(max_step_));
    }
    row_offset_.resize(rows);
    cand_.resize(static_cast<std::size_t>(num_candidates_));
    active_.resize(rows);
    for (auto* v : {&ids_, &next_ids_, &origins_}) v->reserve(rows);
    for (auto* v : {&beam_scores_, &next_scores_}) v->reserve(rows);
    top_k_.reset(num_candidates_);
    if (expand_after_first_step_) {
      origins_.assign(1, 0);
      ids_.assign(1, input.start_id);
      beam_scores_.assign(1, 0.0f);
    } else {
      // Replicate the input to K rows up front; only the first beam starts alive.
      origins_.assign(rows, 0);
      ids_.assign(rows, input.start_id);
      beam_scores_.assign(rows, std::numeric_limits<float>::lowest());
      beam_scores_[0] = 0.0f;
      has_scores_ = true;
    }
  }

  bool advance(float* logits) override;

 private:
  void select_candidates(const float* logits, int beams);
  void force_prefix(int step);
  // Records the finished hypotheses and fills active_ with the kept candidate of each beam
  // slot. Returns whether the input is finished.
  bool update(int step);

  const std::vector<int32_t> prefix_;  // empty when the batch has no prefix
  const bool has_prefix_;
  const DecodeVocab vocab_;
  const float length_penalty_;
  const std::size_t num_hypotheses_;
  LogitsProcessors processors_;
  const int64_t vocab_size_;
  const int beam_;
  const int num_candidates_;
  const int max_step_;
  const bool expand_after_first_step_;
  const std::size_t max_candidates_;
  bool has_scores_ = false;
  bool top_beam_finished_ = false;

  // Per current row: cumulative score, tokens so far (CT2's alive_seq). The history vectors
  // are reused from step to step, so they stop allocating once grown.
  std::vector<float> beam_scores_;
  std::vector<std::vector<int32_t>> history_, next_history_;
  // Scratch reused across steps.
  std::vector<float> row_offset_;
  TopK top_k_;
  Candidates cand_;
  std::vector<int32_t> active_;  // [2K index of the kept candidate] per beam slot
  std::vector<int32_t> next_ids_;
  std::vector<float> next_scores_;
};

void BeamSearch::select_candidates(const float* logits, int beams) {
  top_k_.reset(num_candidates_);
  for (int b = 0; b < beams; ++b) {
    const float* row = logits + static_cast<int64_t>(b) * vocab_size_;
    top_k_.offer_row(row, vocab_size_, row_offset_[b], has_scores_ ? beam_scores_[b] : 0.0f,
                     has_scores_, static_cast<int64_t>(b) * vocab_size_);
  }
  const auto& best = top_k_.sorted();
  for (int j = 0; j < num_candidates_; ++j) {
    const int64_t flat = best[j].flat;
    cand_.word[j] = static_cast<int32_t>(flat % vocab_size_);
    cand_.score[j] = best[j].score;
    cand_.origin[j] = static_cast<int32_t>(flat / vocab_size_);
  }
}

void BeamSearch::force_prefix(int step) {
  // CT2's update_sample_with_prefix: every candidate becomes the prefix token (the first
  // with score 0, the others penalized), and at the first free step the end token is
  // penalized in all but the first candidate. Changed candidates continue the first row.
  const auto s = static_cast<std::size_t>(step);
  if (s > prefix_.size()) return;
  for (int j = 0; j < num_candidates_; ++j) {
    if (s < prefix_.size()) {
      cand_.word[j] = prefix_[s];
      cand_.score[j] = j == 0 ? 0.0f : kPenalized;
      cand_.origin[j] = 0;
    } else if (j > 0 && cand_.word[j] == vocab_.end_id) {
      cand_.word[j] = 0;
      cand_.score[j] = kPenalized;
      cand_.origin[j] = 0;
    }
  }
}

bool BeamSearch::update(int step) {
  const std::size_t plen = prefix_.size();
  const bool last_step = step + 1 == max_step_;
  int secondary = beam_;
  for (int k = 0; k < beam_; ++k) {
    const int32_t word = cand_.word[k];
    int next = k;
    if ((word == vocab_.end_id && static_cast<std::size_t>(step) >= plen) || last_step) {
      if (k == 0) top_beam_finished_ = true;
      DecodeResult hyp;
      const auto& past = history_[cand_.origin[k]];
      hyp.ids.reserve(past.size() + 1);
      hyp.ids.assign(past.begin(), past.end());
      hyp.ids.push_back(word);
      hyp.score = cand_.score[k];
      results_.push_back(std::move(hyp));
      // Move the next unused secondary candidate that is not an end token into this slot;
      // with none left the slot keeps the finished beam, as in CT2.
      for (int j = secondary; j < num_candidates_; ++j) {
        if (cand_.word[j] != vocab_.end_id) {
          next = j;
          secondary = j + 1;
          break;
        }
      }
    }
    active_[k] = next;
  }
  bool finished;
  if (last_step) {
    finished = true;
  } else if (length_penalty_ == 0.0f) {
    // Without length normalization no later hypothesis can beat a finished top beam.
    finished = top_beam_finished_ && results_.size() >= num_hypotheses_;
  } else {
    finished = results_.size() >= max_candidates_;
  }
  if (finished) finalize(results_, num_hypotheses_, length_penalty_);
  return finished;
}

bool BeamSearch::advance(float* logits) {
  const int step = steps_++;
  const int beams = static_cast<int>(origins_.size());
  for (int r = 0; r < beams; ++r) {
    float* row = logits + static_cast<int64_t>(r) * vocab_size_;
    processors_.apply(row, history_[r], step);
    const float max = row_max(row, vocab_size_);
    row_offset_[r] = log_softmax_offset(max, row_exp_sum(row, vocab_size_, max));
  }
  select_candidates(logits, beams);
  if (has_prefix_) force_prefix(step);
  if (update(step)) {
    origins_.clear();
    ids_.clear();
    return true;
  }
  // The next rows: the kept candidate of each beam slot.
  const auto rows = static_cast<std::size_t>(beam_);
  next_ids_.resize(rows);
  next_scores_.resize(rows);
  origins_.resize(rows);
  for (std::size_t k = 0; k < rows; ++k) {
    const auto c = static_cast<std::size_t>(active_[k]);
    next_ids_[k] = cand_.word[c];
    next_scores_[k] = cand_.score[c];
    origins_[k] = cand_.origin[c];
    const auto& past = history_[cand_.origin[c]];
    next_history_[k].assign(past.begin(), past.end());
    next_history_[k].push_back(cand_.word[c]);
  }
  ids_.swap(next_ids_);
  beam_scores_.swap(next_scores_);
  history_.swap(next_history_);
  has_scores_ = true;
  return false;
}

}  // namespace

std::unique_ptr<InputSearch> make_beam_search(const DecodeInput& input, const DecodeVocab& vocab,
                                              const DecodingOptions& options, int64_t vocab_size,
                                              bool has_prefix) {
  return std::make_unique<BeamSearch>(input, vocab, options, vocab_size, has_prefix);
}

}  // namespace nmtd::decoding
