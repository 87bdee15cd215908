// Translator's scoring: CTranslate2's score_batch, teacher-forced log-probabilities of given
// targets. The decoder runs one step per target position across all rows at once (the same
// DecoderState translation uses), so a position's logits are those greedy decoding would
// compute had it produced the target's tokens.
#include <algorithm>

#include "common/error.h"
#include "common/printable.h"
#include "engine/decode/row_math.h"
#include "engine/nn/decoder.h"
#include "engine/nn/encoder.h"
#include "engine/translator.h"

namespace nmtd {

void ScoringOptions::validate() const {
  if (max_input_length < 0)
    throw InvalidArgument("max_input_length must be >= 0 (0 disables truncation), got " +
                          std::to_string(max_input_length));
  if (offset < 0) throw InvalidArgument("offset must be >= 0, got " + std::to_string(offset));
}

std::vector<int32_t> Translator::scored_sequence(const std::vector<std::string>& target,
                                                 std::size_t item, int max_length) const {
  const std::string where = "target_tokens of input " + std::to_string(item);
  if (target.empty())
    throw InvalidArgument(where +
                          " is empty: give at least the target language token (CTranslate2 "
                          "would score </s> alone)");
  std::vector<int32_t> ids;
  ids.reserve(target.size() + 2);
  for (std::size_t k = 0; k < target.size(); ++k) {
    const int32_t id = vocab_->find(target[k]);
    if (id < 0)
      throw InvalidArgument(where + ": token " + std::to_string(k) + " ('" + printable(target[k]) +
                            "') is not a piece of this model's vocabulary");
    ids.push_back(id);
  }
  ids.push_back(eos_id_);
  truncate_keeping_end(ids, max_length);
  if (start_id_) ids.insert(ids.begin(), *start_id_);
  // Decoding step t reads position t: the last scored token is predicted at size() - 2.
  const auto positions = static_cast<std::size_t>(info_.max_target_positions);
  if (ids.size() - 1 > positions)
    throw InvalidArgument(where + " has " + std::to_string(target.size()) +
                          " tokens; this model's position encodings end at " +
                          std::to_string(positions) + " (lower max_input_length)");
  return ids;
}

std::vector<ScoringResult> Translator::score_tokens(
    const std::vector<std::vector<std::string>>& sources,
    const std::vector<std::vector<std::string>>& targets, const ScoringOptions& options,
    const Abandon& abandon) {
  options.validate();
  if (sources.size() != targets.size())
    throw InvalidArgument("got " + std::to_string(sources.size()) + " sources but " +
                          std::to_string(targets.size()) + " targets");
  std::vector<ScoringResult> results(sources.size());
  std::vector<std::vector<int32_t>> sequences;  // per decoded input: [start, target..., </s>]
  std::vector<std::size_t> decoded;             // their index in `sources`
  std::vector<int32_t> all_ids, lengths;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    std::vector<int32_t> seq = scored_sequence(targets[i], i, options.max_input_length);
    const std::vector<int32_t> ids = source_ids(sources[i], options.max_input_length);
    auto& r = results[i];
    for (std::size_t t = 1 + static_cast<std::size_t>(options.offset); t < seq.size(); ++t)
      r.tokens.push_back(vocab_->to_token(seq[t]));
    if (ids.empty()) {
      // CTranslate2 scores every token of a target given no source at all as 0.
      r.log_probs.assign(r.tokens.size(), 0.0f);
      continue;
    }
    lengths.push_back(static_cast<int32_t>(ids.size()));
    all_ids.insert(all_ids.end(), ids.begin(), ids.end());
    sequences.push_back(std::move(seq));
    decoded.push_back(i);
  }
  if (decoded.empty()) return results;

  std::size_t steps = 0;
  for (const auto& seq : sequences) steps = std::max(steps, seq.size() - 1);
  std::lock_guard lock(mutex_);
  std::vector<float> memory;
  Encoder encoder(weights_, pool_, &progress_);
  encoder.forward(all_ids, lengths, memory);
  const auto rows = static_cast<int64_t>(decoded.size());
  DecoderState decoder(weights_, pool_, memory, lengths, rows, static_cast<int>(steps), &progress_);
  // score_batch runs each sequence's positions through the decoder at once: its attention
  // products have that many query rows (see DecoderState::set_query_rows).
  std::vector<int32_t> query_rows;
  for (const auto& seq : sequences) query_rows.push_back(static_cast<int32_t>(seq.size() - 1));
  decoder.set_query_rows(query_rows);
  const int64_t vocab = weights_.vocab_size;
  std::vector<float> logits(static_cast<std::size_t>(rows * vocab));
  std::vector<int32_t> step_ids(static_cast<std::size_t>(rows));
  std::vector<std::vector<float>> log_probs(decoded.size());
  for (std::size_t t = 0; t < steps; ++t) {
    if (abandon && abandon())
      throw Abandoned("the call was abandoned at decoder step " + std::to_string(t));
    // A row past its end feeds </s>: its later positions cannot reach its earlier ones.
    for (std::size_t r = 0; r < sequences.size(); ++r)
      step_ids[r] = t + 1 < sequences[r].size() ? sequences[r][t] : eos_id_;
    decoder.step(step_ids, static_cast<int>(t), logits.data());
    for (std::size_t r = 0; r < sequences.size(); ++r) {
      if (t + 1 >= sequences[r].size()) continue;
      const float* row = logits.data() + static_cast<int64_t>(r) * vocab;
      const float max = decoding::row_max(row, vocab);
      const float offset =
          decoding::log_softmax_offset(max, decoding::row_exp_sum(row, vocab, max));
      log_probs[r].push_back(row[sequences[r][t + 1]] + offset);
    }
  }
  for (std::size_t r = 0; r < decoded.size(); ++r) {
    auto& out = results[decoded[r]].log_probs;
    const auto skip = std::min(log_probs[r].size(), static_cast<std::size_t>(options.offset));
    out.assign(log_probs[r].begin() + static_cast<std::ptrdiff_t>(skip), log_probs[r].end());
  }
  return results;
}

std::vector<ScoringResult> Translator::score_text(const std::vector<std::string>& sources,
                                                  const std::vector<std::string>& targets,
                                                  const std::string& source_language,
                                                  const std::string& target_language,
                                                  const ScoringOptions& options) {
  tokenizer_->check_language(source_language, "source");
  tokenizer_->check_language(target_language, "target");
  if (sources.size() != targets.size())
    throw InvalidArgument("got " + std::to_string(sources.size()) + " source texts but " +
                          std::to_string(targets.size()) + " target texts");
  std::vector<std::vector<std::string>> source_tokens, target_tokens;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (nothing_to_translate(targets[i]))
      throw InvalidArgument("target_text of input " + std::to_string(i) +
                            " is empty: there is nothing to score");
    source_tokens.push_back(tokenizer_->source_tokens(sources[i], source_language));
    std::vector<std::string> target{target_language};
    // A piece the vocabulary lacks is <unk> on the target side too, as in the source.
    for (auto& piece : tokenizer_->pieces(targets[i]))
      target.push_back(vocab_->find(piece) < 0 ? vocab_->to_token(vocab_->unk_id()) : piece);
    target_tokens.push_back(std::move(target));
  }
  return score_tokens(source_tokens, target_tokens, options);
}

}  // namespace nmtd
