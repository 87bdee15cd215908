// Beam search as CT2 4.8.1's BeamSearch::search (src/decoding.cc) runs it on CPU: 2K
// candidates per example from a top-k over the K*V cumulative log-probs, finished
// hypotheses recorded with their raw score and replaced from the secondary candidates,
// examples leaving the batch once finished. The names below follow CT2's where they help
// comparing the two.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>

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

// The candidates of one step, CT2's topk_ids / topk_scores / gather_indices, [batch][2K].
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

class BeamSearch {
 public:
  BeamSearch(StepModel& model, std::span<const DecodeInput> inputs, const DecodeVocab& vocab,
             const DecodingOptions& options)
      : model_(model),
        inputs_(inputs),
        vocab_(vocab),
        options_(options),
        processors_(options, vocab),
        vocab_size_(model.vocab_size()),
        beam_(options.beam_size),
        num_candidates_(2 * options.beam_size),
        max_step_(options.max_decoding_length),
        has_prefix_(any_prefix(inputs)),
        // CT2 on CPU runs the first step on one row per example when the 2K candidates fit
        // in one vocabulary row, and replicates the rows to K beams afterwards.
        expand_after_first_step_(num_candidates_ <= vocab_size_),
        max_candidates_(static_cast<std::size_t>(
            std::round(static_cast<float>(options.beam_size) * options.patience))),
        results_(inputs.size()) {}

  std::vector<Hypotheses> run();

 private:
  std::size_t prefix_length(int32_t input) const {
    return has_prefix_ ? inputs_[input].prefix.size() : 0;
  }
  void select_candidates(std::size_t example, int beams, bool has_scores);
  void force_prefix(std::size_t example, int beams, int step);
  // Records the finished hypotheses of one example and fills active_ with the kept
  // candidate of each beam slot. Returns whether the example is finished.
  bool update_example(std::size_t example, int step);

  StepModel& model_;
  std::span<const DecodeInput> inputs_;
  const DecodeVocab& vocab_;
  const DecodingOptions& options_;
  LogitsProcessors processors_;
  const int64_t vocab_size_;
  const int beam_;
  const int num_candidates_;
  const int max_step_;
  const bool has_prefix_;
  const bool expand_after_first_step_;
  const std::size_t max_candidates_;
  std::vector<Hypotheses> results_;

  // Per example of the current batch (CT2's batch_offset and top_beam_finished).
  std::vector<int32_t> example_input_;
  std::vector<char> top_beam_finished_;
  // Per current row: last token, cumulative score, tokens so far (CT2's alive_seq). The
  // history vectors are reused from step to step, so they stop allocating once grown.
  std::vector<int32_t> ids_;
  std::vector<float> beam_scores_;
  std::vector<std::vector<int32_t>> history_, next_history_;
  // Scratch reused across steps.
  std::unique_ptr<float[]> logits_;
  std::vector<float> row_offset_;
  TopK top_k_;
  Candidates cand_;
  std::vector<int32_t> active_;  // [2K index of the kept candidate] per beam slot
  std::vector<int32_t> next_ids_, origins_, keep_;
  std::vector<float> next_scores_;
};

void BeamSearch::select_candidates(std::size_t example, int beams, bool has_scores) {
  top_k_.reset(num_candidates_);
  for (int b = 0; b < beams; ++b) {
    const std::size_t r = example * beams + b;
    const float* row = logits_.get() + r * vocab_size_;
    top_k_.offer_row(row, vocab_size_, row_offset_[r], has_scores ? beam_scores_[r] : 0.0f,
                     has_scores, static_cast<int64_t>(b) * vocab_size_);
  }
  const auto& best = top_k_.sorted();
  const std::size_t base = example * num_candidates_;
  for (int j = 0; j < num_candidates_; ++j) {
    const int64_t flat = best[j].flat;
    cand_.word[base + j] = static_cast<int32_t>(flat % vocab_size_);
    cand_.score[base + j] = best[j].score;
    cand_.origin[base + j] = static_cast<int32_t>(example * beams + flat / vocab_size_);
  }
}

void BeamSearch::force_prefix(std::size_t example, int beams, int step) {
  // CT2's update_sample_with_prefix: every candidate becomes the prefix token (the first
  // with score 0, the others penalized), and at the first free step the end token is
  // penalized in all but the first candidate. Changed candidates continue the first row.
  const auto& prefix = inputs_[example_input_[example]].prefix;
  const auto s = static_cast<std::size_t>(step);
  if (s > prefix.size()) return;
  const std::size_t base = example * num_candidates_;
  const auto first_row = static_cast<int32_t>(example * beams);
  for (int j = 0; j < num_candidates_; ++j) {
    if (s < prefix.size()) {
      cand_.word[base + j] = prefix[s];
      cand_.score[base + j] = j == 0 ? 0.0f : kPenalized;
      cand_.origin[base + j] = first_row;
    } else if (j > 0 && cand_.word[base + j] == vocab_.end_id) {
      cand_.word[base + j] = 0;
      cand_.score[base + j] = kPenalized;
      cand_.origin[base + j] = first_row;
    }
  }
}

bool BeamSearch::update_example(std::size_t example, int step) {
  const int32_t input = example_input_[example];
  Hypotheses& hyps = results_[input];
  const std::size_t plen = prefix_length(input);
  const bool last_step = step + 1 == max_step_;
  const std::size_t base = example * num_candidates_;
  int secondary = beam_;
  for (int k = 0; k < beam_; ++k) {
    const int32_t word = cand_.word[base + k];
    int next = k;
    if ((word == vocab_.end_id && static_cast<std::size_t>(step) >= plen) || last_step) {
      if (k == 0) top_beam_finished_[example] = 1;
      DecodeResult hyp;
      const auto& past = history_[cand_.origin[base + k]];
      hyp.ids.reserve(past.size() + 1);
      hyp.ids.assign(past.begin(), past.end());
      hyp.ids.push_back(word);
      hyp.score = cand_.score[base + k];
      hyps.push_back(std::move(hyp));
      // Move the next unused secondary candidate that is not an end token into this slot;
      // with none left the slot keeps the finished beam, as in CT2.
      for (int j = secondary; j < num_candidates_; ++j) {
        if (cand_.word[base + j] != vocab_.end_id) {
          next = j;
          secondary = j + 1;
          break;
        }
      }
    }
    active_[example * beam_ + k] = next;
  }
  const auto n = static_cast<std::size_t>(options_.num_hypotheses);
  bool finished;
  if (last_step) {
    finished = true;
  } else if (options_.length_penalty == 0.0f) {
    // Without length normalization no later hypothesis can beat a finished top beam.
    finished = top_beam_finished_[example] && hyps.size() >= n;
  } else {
    finished = hyps.size() >= max_candidates_;
  }
  if (finished) finalize(hyps, n, options_.length_penalty);
  return finished;
}

std::vector<Hypotheses> BeamSearch::run() {
  const std::size_t batch = inputs_.size();
  example_input_.resize(batch);
  std::iota(example_input_.begin(), example_input_.end(), 0);
  top_beam_finished_.assign(batch, 0);
  ids_.resize(batch);
  for (std::size_t i = 0; i < batch; ++i) ids_[i] = inputs_[i].start_id;
  bool has_scores = false;

  const std::size_t max_rows = batch * beam_;
  logits_ = std::make_unique_for_overwrite<float[]>(max_rows * vocab_size_);
  // Everything a step touches is sized here for the most rows and the longest history, so
  // that no step after the first allocates (the hypotheses it finishes aside).
  history_.resize(max_rows);
  next_history_.resize(max_rows);
  for (auto* rows : {&history_, &next_history_}) {
    for (auto& tokens : *rows) tokens.reserve(static_cast<std::size_t>(max_step_));
  }
  row_offset_.resize(max_rows);
  cand_.resize(batch * num_candidates_);
  active_.resize(max_rows);
  keep_.reserve(batch);
  for (auto* v : {&ids_, &next_ids_, &origins_}) v->reserve(max_rows);
  for (auto* v : {&beam_scores_, &next_scores_}) v->reserve(max_rows);
  top_k_.reset(num_candidates_);

  if (!expand_after_first_step_) {
    // Replicate every input to K rows up front; only the first beam starts alive.
    origins_.resize(max_rows);
    ids_.resize(max_rows);
    beam_scores_.resize(max_rows);
    for (std::size_t r = 0; r < max_rows; ++r) {
      origins_[r] = static_cast<int32_t>(r / beam_);
      ids_[r] = inputs_[r / beam_].start_id;
      beam_scores_[r] = r % beam_ == 0 ? 0.0f : std::numeric_limits<float>::lowest();
    }
    model_.select_rows(origins_);
    has_scores = true;
  }

  for (int step = 0; step < max_step_; ++step) {
    const bool is_expanded = !expand_after_first_step_ || step > 0;
    const int beams = is_expanded ? beam_ : 1;
    const std::size_t cur_batch = example_input_.size();
    const std::size_t rows = cur_batch * beams;
    model_.step(std::span<const int32_t>(ids_.data(), rows), step, logits_.get());

    for (std::size_t r = 0; r < rows; ++r) {
      float* row = logits_.get() + r * vocab_size_;
      processors_.apply(row, history_[r], step);
      const float max = row_max(row, vocab_size_);
      row_offset_[r] = log_softmax_offset(max, row_exp_sum(row, vocab_size_, max));
    }

    keep_.clear();
    for (std::size_t i = 0; i < cur_batch; ++i) {
      select_candidates(i, beams, has_scores);
      if (has_prefix_) force_prefix(i, beams, step);
      if (!update_example(i, step)) keep_.push_back(static_cast<int32_t>(i));
    }
    if (keep_.empty()) break;

    // The next rows: the kept candidates of the examples still running, in order.
    const std::size_t next_rows = keep_.size() * beam_;
    next_ids_.resize(next_rows);
    next_scores_.resize(next_rows);
    origins_.resize(next_rows);
    for (std::size_t j = 0; j < keep_.size(); ++j) {
      const std::size_t i = keep_[j];
      for (int k = 0; k < beam_; ++k) {
        const std::size_t c = i * num_candidates_ + active_[i * beam_ + k];
        const std::size_t r = j * beam_ + k;
        next_ids_[r] = cand_.word[c];
        next_scores_[r] = cand_.score[c];
        origins_[r] = cand_.origin[c];
        const auto& past = history_[cand_.origin[c]];
        next_history_[r].assign(past.begin(), past.end());
        next_history_[r].push_back(cand_.word[c]);
      }
      example_input_[j] = example_input_[i];
      top_beam_finished_[j] = top_beam_finished_[i];
    }
    example_input_.resize(keep_.size());
    top_beam_finished_.resize(keep_.size());
    ids_.swap(next_ids_);
    beam_scores_.swap(next_scores_);
    history_.swap(next_history_);
    has_scores = true;
    if (!is_identity(origins_, rows)) model_.select_rows(origins_);
  }
  return std::move(results_);
}

}  // namespace

std::vector<Hypotheses> beam_search(StepModel& model, std::span<const DecodeInput> inputs,
                                    const DecodeVocab& vocab, const DecodingOptions& options) {
  BeamSearch search(model, inputs, vocab, options);
  return search.run();
}

}  // namespace nmtd::decoding
