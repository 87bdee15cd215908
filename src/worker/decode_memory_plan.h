#pragma once
// How much decoder memory a worker holds, decided once at start. The batcher lends one bounded
// decoder memory (engine/nn/decoder_memory.h) to every decode session, so the worker's memory
// is the same from the first batch to the last: at the full NLLB-600M shape each cached step
// of a row and each source token costs 96 KiB, and sessions that allocated their own made a
// worker's RSS swing by hundreds of MiB with the load (a soak reads that as growth, and an
// RSS limit as a reason to recycle). `batching.decode_memory_mib` caps it; the batching limits
// shrink to what fits, and the plan says so in the log.
#include <cstddef>
#include <string>

#include "engine/translator.h"
#include "worker/worker_config.h"

namespace nmtd::worker {

struct DecodeMemoryPlan {
  bool lent = false;         // false: decode_memory_mib is 0, sessions allocate their own
  DecoderMemoryShape shape;  // rows (texts x the default beam), steps, source tokens
  std::size_t bytes = 0;
  Batching batching;  // the configured limits, within what the memory holds
  std::string summary() const;
};

// Texts the memory holds at the default beam size, each with the batch's average share of
// source tokens (max_batch_tokens / max_batch_texts); at least one text of max_text_tokens.
DecodeMemoryPlan plan_decode_memory(const Translator& translator, const WorkerConfig& config);

}  // namespace nmtd::worker
