// Greedy search as CT2's GreedySearch::search: one row per input, argmax per step, rows
// leave the batch as soon as their input is finished.
#include <algorithm>
#include <memory>
#include <numeric>

#include "common/error.h"
#include "engine/decode/logits_processors.h"
#include "engine/decode/row_math.h"
#include "engine/decode/search.h"

namespace nmtd::decoding {

std::vector<Hypotheses> greedy_search(StepModel& model, std::span<const DecodeInput> inputs,
                                      const DecodeVocab& vocab, const DecodingOptions& options,
                                      bool ties_on_log_probs) {
  const int64_t vocab_size = model.vocab_size();
  const std::size_t batch = inputs.size();
  const bool has_prefix = any_prefix(inputs);
  const int max_step = options.max_decoding_length;
  LogitsProcessors processors(options, vocab);

  std::vector<Hypotheses> results(batch);
  std::vector<DecodeResult> running(batch);  // ids so far (end token included) and raw score
  std::vector<int32_t> row_input(batch);     // row -> input index
  std::iota(row_input.begin(), row_input.end(), 0);
  std::vector<int32_t> ids(batch);  // last token of each row
  for (std::size_t i = 0; i < batch; ++i) {
    ids[i] = inputs[i].start_id;
    // Room for the longest output: no later step grows it.
    running[i].ids.reserve(static_cast<std::size_t>(max_step));
  }
  // Overwritten by the model each step: no need to zero it.
  const auto logits = std::make_unique_for_overwrite<float[]>(batch * vocab_size);
  std::vector<int32_t> keep;
  keep.reserve(batch);

  for (int step = 0; step < max_step; ++step) {
    const std::size_t rows = row_input.size();
    model.step(std::span<const int32_t>(ids.data(), rows), step, logits.get());
    keep.clear();
    for (std::size_t r = 0; r < rows; ++r) {
      const int32_t input = row_input[r];
      DecodeResult& hyp = running[input];
      const auto& prefix = inputs[input].prefix;
      const std::size_t prefix_length = has_prefix ? prefix.size() : 0;
      int32_t token;
      float log_prob;
      if (static_cast<std::size_t>(step) < prefix_length) {
        // CT2 overrides the sampled token with the prefix and its score with 0, so the
        // logits of a forced step do not matter: skip their processing.
        token = prefix[step];
        log_prob = 0.0f;
      } else {
        float* row = logits.get() + r * vocab_size;
        processors.apply(row, hyp.ids, step);
        const float max = row_max(row, vocab_size);
        const float offset = log_softmax_offset(max, row_exp_sum(row, vocab_size, max));
        log_prob = max + offset;
        // CT2 takes the top-1 of the log-probs when it returns scores and of the raw logits
        // otherwise; rounding in x + offset can merge near-ties, and the lower index wins.
        const int64_t best = ties_on_log_probs
                                 ? first_index_reaching(row, vocab_size, offset, log_prob)
                                 : first_index_reaching(row, vocab_size, 0.0f, max);
        if (best == vocab_size) throw Error("decode: the decoder produced a row of NaN logits");
        token = static_cast<int32_t>(best);
      }
      hyp.ids.push_back(token);
      hyp.score += log_prob;
      const bool finished =
          (token == vocab.end_id && static_cast<std::size_t>(step) >= prefix_length) ||
          step + 1 == max_step;
      if (finished) {
        hyp.score = normalize_score(hyp.score, hyp.ids.size(), options.length_penalty);
        results[input].push_back(std::move(hyp));
      } else {
        keep.push_back(static_cast<int32_t>(r));
        ids[r] = token;
      }
    }
    if (keep.empty()) break;
    if (keep.size() != rows) {
      // Drop the finished rows: compact the row tables in place (keep is increasing).
      for (std::size_t j = 0; j < keep.size(); ++j) {
        row_input[j] = row_input[keep[j]];
        ids[j] = ids[keep[j]];
      }
      row_input.resize(keep.size());
      model.select_rows(keep);
    }
  }
  return results;
}

}  // namespace nmtd::decoding
