#include "worker/decode_memory_plan.h"

#include <algorithm>
#include <cstdint>

namespace nmtd::worker {
namespace {

// Steps every session is sized for: the default max_decoding_length of CTranslate2, so that
// texts with default options fit the lent memory (longer ones get a session of their own).
constexpr int64_t kPlannedSteps = 256;

std::string mib(std::size_t bytes) { return std::to_string((bytes + (1u << 19)) >> 20) + " MiB"; }

}  // namespace

std::string DecodeMemoryPlan::summary() const {
  if (!lent) return "decode memory allocated per session (batching.decode_memory_mib = 0)";
  return "decode memory " + mib(bytes) +
         " held for the worker's life: " + std::to_string(shape.rows) + " rows x " +
         std::to_string(shape.steps) + " steps, " + std::to_string(shape.memory_rows) +
         " source tokens; batches of at most " + std::to_string(batching.max_batch_texts) +
         " texts and " + std::to_string(batching.max_batch_tokens) + " source tokens";
}

DecodeMemoryPlan plan_decode_memory(const Translator& translator, const WorkerConfig& config) {
  DecodeMemoryPlan plan;
  plan.batching = config.batching;
  const Batching& limits = config.batching;
  if (limits.decode_memory_mib <= 0) return plan;
  const int64_t beams = std::max(1, config.default_options.decoding.beam_size);
  const int64_t steps = std::min<int64_t>(
      std::max<int64_t>(kPlannedSteps, config.default_options.decoding.max_decoding_length),
      translator.info().max_target_positions);
  const int64_t share = std::max<int64_t>(1, limits.max_batch_tokens / limits.max_batch_texts);
  const int64_t text_tokens =
      std::min<int64_t>(config.limits.max_text_tokens, limits.max_batch_tokens);
  const std::size_t budget = static_cast<std::size_t>(limits.decode_memory_mib) << 20;
  const auto shape_for = [&](int64_t texts) {
    return DecoderMemoryShape{.rows = texts * beams,
                              .steps = steps,
                              .memory_rows = std::min<int64_t>(
                                  limits.max_batch_tokens, std::max(text_tokens, texts * share))};
  };
  // The most texts whose memory fits the budget (one at least: a worker must serve).
  int64_t texts = 1;
  while (texts < limits.max_batch_texts &&
         translator.decoder_memory_bytes(shape_for(texts + 1)) <= budget)
    ++texts;
  plan.lent = true;
  plan.shape = shape_for(texts);
  plan.bytes = translator.decoder_memory_bytes(plan.shape);
  // Texts of the default beam size: a first batch larger than the memory holds would get a
  // session of its own (hundreds of MiB at the full shape, for as long as it runs).
  plan.batching.max_batch_texts = static_cast<int>(texts);
  plan.batching.max_batch_tokens = static_cast<int>(plan.shape.memory_rows);
  return plan;
}

}  // namespace nmtd::worker
