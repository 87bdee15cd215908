#include "unit/engine/decode/toy_model.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace nmtd::testing {

void ToyModel::step(std::span<const int32_t> ids, int step, float* logits) {
  // The search must feed exactly one token per row and per step.
  EXPECT_EQ(ids.size(), fed_.size());
  rows_per_step.push_back(ids.size());
  for (std::size_t r = 0; r < ids.size() && r < fed_.size(); ++r) {
    fed_[r].push_back(ids[r]);
    EXPECT_EQ(fed_[r].size(), static_cast<std::size_t>(step) + 1) << "row " << r;
    fn_(fed_[r], logits + r * vocab_);
  }
}

void ToyModel::select_rows(std::span<const int32_t> origin) {
  selections.emplace_back(origin.begin(), origin.end());
  std::vector<std::vector<int32_t>> next;
  next.reserve(origin.size());
  for (const int32_t o : origin) {
    EXPECT_GE(o, 0);
    EXPECT_LT(static_cast<std::size_t>(o), fed_.size());
    next.push_back(fed_.at(static_cast<std::size_t>(o)));
  }
  fed_ = std::move(next);
}

LogitsFn hashed_logits(uint64_t seed, int64_t vocab, int32_t end_id, float eos_growth) {
  return [=](std::span<const int32_t> fed, float* out) {
    uint64_t h = seed * 0x9E3779B97F4A7C15ull + 1;
    for (const int32_t t : fed) h = (h ^ static_cast<uint64_t>(t + 7)) * 0x100000001B3ull;
    for (int64_t v = 0; v < vocab; ++v) {
      uint64_t x = (h ^ static_cast<uint64_t>(v) * 0xD6E8FEB86659FD93ull) + 0x632BE59BD9B4E019ull;
      x ^= x >> 31;
      x *= 0xBF58476D1CE4E5B9ull;
      x ^= x >> 29;
      out[v] = static_cast<float>(x >> 40) / static_cast<float>(1ull << 24) * 8.0f - 4.0f;
    }
    out[end_id] += eos_growth * static_cast<float>(fed.size()) - 2.0f;
  };
}

LogitsFn table_logits(std::vector<std::vector<float>> table) {
  return [table = std::move(table)](std::span<const int32_t> fed, float* out) {
    const std::size_t i = std::min(fed.size() - 1, table.size() - 1);
    std::copy(table[i].begin(), table[i].end(), out);
  };
}

}  // namespace nmtd::testing
