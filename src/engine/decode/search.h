#pragma once
// The two searches as per-input state machines, and the driver that keeps their rows in one
// model. decode() (decoding.cc) validates, runs every input's search over the model together
// and trims the end token; a DecodeSession (engine/decode_session.h) does the same with inputs
// that join and leave between steps. A search never looks at another input's rows, so an
// input's result does not depend on what it is decoded with.
//
// Searches return hypotheses that still end with the end token, as CT2's do
// (include_eos_in_hypotheses).
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/decode/decoding.h"

namespace nmtd::decoding {

using Hypotheses = std::vector<DecodeResult>;

// One input's search. Its rows lie together in the model. Before each step the driver selects
// next_origins() (indices into this input's current rows; at first its one initial row) and
// feeds next_ids() to the step; advance() then reads the step's logits of those rows.
class InputSearch {
 public:
  virtual ~InputSearch() = default;
  std::span<const int32_t> next_origins() const { return origins_; }
  std::span<const int32_t> next_ids() const { return ids_; }
  // logits: [next_origins().size()][vocab], modified in place. Returns true once the input is
  // finished: it then asks for no rows, and take_hypotheses() returns its result.
  virtual bool advance(float* logits) = 0;
  // Steps run so far.
  int steps() const { return steps_; }
  Hypotheses take_hypotheses() { return std::move(results_); }

 protected:
  std::vector<int32_t> origins_, ids_;
  Hypotheses results_;
  int steps_ = 0;
};

// Greedy search (beam_size 1): one hypothesis. CT2 takes the top-1 of the log-probs when
// ties_on_log_probs, of the raw logits otherwise.
std::unique_ptr<InputSearch> make_greedy_search(const DecodeInput& input, const DecodeVocab& vocab,
                                                const DecodingOptions& options, int64_t vocab_size,
                                                bool has_prefix, bool ties_on_log_probs,
                                                uint64_t stream = 0);

// Beam search (beam_size > 1): options.num_hypotheses hypotheses, best first.
std::unique_ptr<InputSearch> make_beam_search(const DecodeInput& input, const DecodeVocab& vocab,
                                              const DecodingOptions& options, int64_t vocab_size,
                                              bool has_prefix);

// Greedy sampling of num_hypotheses > 1 hypotheses (sampled_hypotheses.cc): one greedy search
// per hypothesis h, drawing from generator stream h, best first.
std::unique_ptr<InputSearch> make_sampled_hypotheses(const DecodeInput& input,
                                                     const DecodeVocab& vocab,
                                                     const DecodingOptions& options,
                                                     int64_t vocab_size, bool has_prefix);

// return_alternatives (alternatives.cc): up to num_hypotheses hypotheses that differ at the
// first position after the prefix.
std::unique_ptr<InputSearch> make_alternatives_search(const DecodeInput& input,
                                                      const DecodeVocab& vocab,
                                                      const DecodingOptions& options,
                                                      int64_t vocab_size);

// The search CT2 runs for these options (beam_size 1 -> greedy). has_prefix: whether any input
// decoded in the same CT2 call has a target prefix (see any_prefix). A sampling greedy search
// draws from generator stream `stream` of the options' seed.
std::unique_ptr<InputSearch> make_search(const DecodeInput& input, const DecodeVocab& vocab,
                                         const DecodingOptions& options, int64_t vocab_size,
                                         bool has_prefix, uint64_t stream = 0);

// A finished search's hypotheses as decode() returns them: num_hypotheses of them, without
// their end token.
void finish_hypotheses(Hypotheses& hyps, const DecodeVocab& vocab, const DecodingOptions& options);

// Throws InvalidArgument for options or ids the model cannot decode.
void check_decodable(const DecodeInput& input, const DecodeVocab& vocab, int64_t vocab_size);
void check_vocab(const DecodeVocab& vocab, int64_t vocab_size);

// The searches whose rows share one model, in the model's row order.
class SearchRows {
 public:
  explicit SearchRows(std::size_t max_rows);

  // A search whose one initial row is now the model's last row.
  void add(InputSearch& search);
  // Its rows leave at the next select; it is never advanced again.
  void drop(const InputSearch& search);
  // The rows to select before the next step: each running search's next_origins(), or, with
  // keep_current, its current rows as they are (to release finished rows only). Finished and
  // dropped searches are forgotten. Returns false when the selection changes nothing.
  bool plan(bool keep_current);
  std::span<const int32_t> origins() const { return origins_; }
  // After plan(false) and the selection: the ids of the step.
  std::span<const int32_t> ids() const { return ids_; }
  int64_t rows() const { return rows_; }
  bool empty() const { return entries_.empty(); }
  // Advances every search over its rows of the step's logits; appends those that finished.
  void advance(float* logits, int64_t vocab_size, std::vector<InputSearch*>& finished);

 private:
  struct Entry {
    InputSearch* search;
    int32_t rows;  // in the model now
    bool running;  // neither finished nor dropped
  };
  std::vector<Entry> entries_;
  std::vector<int32_t> origins_, ids_;
  int64_t rows_ = 0;
};

// Whether any input has a target prefix. CT2 passes no prefix at all to the search when
// none has one, and some prefix rules (the secondary-EOS penalty at the first free step)
// depend on that batch-wide fact.
bool any_prefix(std::span<const DecodeInput> inputs);

// CT2's finalize_hypothesis_score: raw / length^length_penalty, in float.
inline float normalize_score(float raw, std::size_t length, float length_penalty) {
  return raw / std::pow(static_cast<float>(length), length_penalty);
}

}  // namespace nmtd::decoding
