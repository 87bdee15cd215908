// decode(): validates the request, runs each input's search (greedy or beam, as CT2 chooses:
// beam_size 1 -> greedy) over the shared model rows, and returns the hypotheses without their
// end token. Also the row bookkeeping (SearchRows) that a DecodeSession shares.
#include "engine/decode/decoding.h"

#include <string>

#include "common/error.h"
#include "engine/decode/search.h"

namespace nmtd {
namespace decoding {
namespace {

void check_id(int32_t id, int64_t vocab_size, const char* what) {
  if (id < 0 || id >= vocab_size) {
    throw InvalidArgument(std::string(what) + " id " + std::to_string(id) +
                          " is outside the vocabulary [0, " + std::to_string(vocab_size) + ")");
  }
}

}  // namespace

bool any_prefix(std::span<const DecodeInput> inputs) {
  for (const auto& input : inputs) {
    if (!input.prefix.empty()) return true;
  }
  return false;
}

void check_vocab(const DecodeVocab& vocab, int64_t vocab_size) {
  // Beam search draws 2K candidates from K rows: it needs at least two tokens.
  if (vocab_size < 2) throw Error("decode: the model vocabulary has fewer than 2 tokens");
  check_id(vocab.end_id, vocab_size, "end token");
  check_id(vocab.unk_id, vocab_size, "unk token");
}

void check_decodable(const DecodeInput& input, const DecodeVocab& vocab, int64_t vocab_size) {
  check_vocab(vocab, vocab_size);
  check_id(input.start_id, vocab_size, "decoder start token");
  for (const int32_t id : input.prefix) check_id(id, vocab_size, "target prefix token");
}

std::unique_ptr<InputSearch> make_search(const DecodeInput& input, const DecodeVocab& vocab,
                                         const DecodingOptions& options, int64_t vocab_size,
                                         bool has_prefix, uint64_t stream) {
  if (options.return_alternatives)
    return make_alternatives_search(input, vocab, options, vocab_size);
  if (options.beam_size > 1) return make_beam_search(input, vocab, options, vocab_size, has_prefix);
  if (options.samples() && options.num_hypotheses > 1)
    return make_sampled_hypotheses(input, vocab, options, vocab_size, has_prefix);
  // CT2 decodes num_hypotheses > 1 at beam 1 by repeating each input, always with scores;
  // without sampling every copy yields the same hypothesis (finish_hypotheses copies it).
  const bool ties_on_log_probs = options.return_scores || options.num_hypotheses > 1;
  return make_greedy_search(input, vocab, options, vocab_size, has_prefix, ties_on_log_probs,
                            stream);
}

void finish_hypotheses(Hypotheses& hyps, const DecodeVocab& vocab, const DecodingOptions& options) {
  // Alternatives and samples are hypotheses of their own, not copies of one.
  const bool copies = !options.return_alternatives && !options.samples();
  if (options.beam_size == 1 && copies && !hyps.empty()) {
    const DecodeResult best = hyps.front();
    hyps.resize(static_cast<std::size_t>(options.num_hypotheses), best);
  }
  // CT2 pops trailing end tokens unless return_end_token (which nmtd does not offer).
  for (auto& hyp : hyps) {
    while (!hyp.ids.empty() && hyp.ids.back() == vocab.end_id) hyp.ids.pop_back();
  }
}

SearchRows::SearchRows(std::size_t max_rows) {
  entries_.reserve(max_rows);
  origins_.reserve(max_rows);
  ids_.reserve(max_rows);
}

void SearchRows::add(InputSearch& search) {
  entries_.push_back({&search, 1, true});
  ++rows_;
}

void SearchRows::drop(const InputSearch& search) {
  for (auto& entry : entries_) {
    if (entry.search == &search) entry.running = false;
  }
}

bool SearchRows::plan(bool keep_current) {
  origins_.clear();
  ids_.clear();
  int32_t base = 0;
  std::size_t kept = 0;
  for (auto& entry : entries_) {
    const int32_t old_rows = entry.rows;
    entry.rows = 0;
    if (entry.running) {
      if (keep_current) {
        for (int32_t r = 0; r < old_rows; ++r) origins_.push_back(base + r);
        entry.rows = old_rows;
      } else {
        for (const int32_t o : entry.search->next_origins()) origins_.push_back(base + o);
        const auto ids = entry.search->next_ids();
        ids_.insert(ids_.end(), ids.begin(), ids.end());
        entry.rows = static_cast<int32_t>(ids.size());
      }
    }
    base += old_rows;
    if (entry.rows > 0) entries_[kept++] = entry;
  }
  entries_.resize(kept);
  const int64_t old_total = rows_;
  rows_ = static_cast<int64_t>(origins_.size());
  if (rows_ != old_total) return true;
  for (std::size_t i = 0; i < origins_.size(); ++i) {
    if (origins_[i] != static_cast<int32_t>(i)) return true;
  }
  return false;
}

void SearchRows::advance(float* logits, int64_t vocab_size, std::vector<InputSearch*>& finished) {
  int64_t base = 0;
  for (auto& entry : entries_) {
    if (entry.search->advance(logits + base * vocab_size)) {
      entry.running = false;
      finished.push_back(entry.search);
    }
    base += entry.rows;
  }
}

}  // namespace decoding

std::vector<std::vector<DecodeResult>> decode(StepModel& model, std::span<const DecodeInput> inputs,
                                              const DecodeVocab& vocab,
                                              const DecodingOptions& options) {
  options.validate();
  const int64_t vocab_size = model.vocab_size();
  decoding::check_vocab(vocab, vocab_size);
  for (const auto& input : inputs) decoding::check_decodable(input, vocab, vocab_size);
  if (inputs.empty()) return {};

  const bool has_prefix = decoding::any_prefix(inputs);
  const std::size_t max_rows = inputs.size() * static_cast<std::size_t>(rows_per_input(options));
  std::vector<std::unique_ptr<decoding::InputSearch>> searches;
  searches.reserve(inputs.size());
  decoding::SearchRows rows(max_rows);
  for (const auto& input : inputs) {
    searches.push_back(decoding::make_search(input, vocab, options, vocab_size, has_prefix));
    rows.add(*searches.back());
  }
  // Overwritten by the model each step: no need to zero it.
  const auto logits = std::make_unique_for_overwrite<float[]>(max_rows * vocab_size);
  std::vector<decoding::InputSearch*> finished;
  finished.reserve(inputs.size());
  // Every input starts together, so all rows are at the same step.
  for (int step = 0;; ++step) {
    const bool changed = rows.plan(false);
    if (rows.empty()) break;
    if (changed) model.select_rows(rows.origins());
    model.step(rows.ids(), step, logits.get());
    rows.advance(logits.get(), vocab_size, finished);
  }
  std::vector<std::vector<DecodeResult>> results;
  results.reserve(inputs.size());
  for (auto& search : searches) {
    results.push_back(search->take_hypotheses());
    decoding::finish_hypotheses(results.back(), vocab, options);
  }
  return results;
}

}  // namespace nmtd
