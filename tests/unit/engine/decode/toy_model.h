#pragma once
// Test doubles for the decoder: a StepModel whose logits are a pure function of the tokens
// a row has been fed (start token first), so that any search mistake in following rows,
// beams or dropped examples shows up as different logits.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "engine/decode/decoding.h"

namespace nmtd::testing {

// Writes the logits of the next token after `fed` into out[vocab].
using LogitsFn = std::function<void(std::span<const int32_t> fed, float* out)>;

class ToyModel : public StepModel {
 public:
  ToyModel(int64_t vocab, LogitsFn fn, std::size_t rows) : vocab_(vocab), fn_(std::move(fn)) {
    fed_.resize(rows);
  }

  int64_t vocab_size() const override { return vocab_; }
  void step(std::span<const int32_t> ids, int step, float* logits) override;
  void select_rows(std::span<const int32_t> origin) override;

  // What the search did, for the tests to check.
  std::vector<std::size_t> rows_per_step;
  std::vector<std::vector<int32_t>> selections;

 private:
  int64_t vocab_;
  LogitsFn fn_;
  std::vector<std::vector<int32_t>> fed_;
};

// Pseudo-random logits in [-4, 4) from a hash of (seed, fed tokens, token), with the end
// token favoured more and more as the sequence grows so that hypotheses end at various
// steps.
LogitsFn hashed_logits(uint64_t seed, int64_t vocab, int32_t end_id, float eos_growth = 0.6f);

// Logits from a table: table[fed.size() - 1] is the row used at each step (the last row
// repeats), whatever the tokens.
LogitsFn table_logits(std::vector<std::vector<float>> table);

}  // namespace nmtd::testing
