#include "worker/worker_config.h"

#include "common/error.h"
#include "worker/worker_settings.h"

namespace nmtd::worker {
namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw InvalidArgument(message);
}

}  // namespace

void WorkerConfig::validate() const {
  worker_settings().check_values(*this);
  require(limits.max_texts_per_request <= queue_capacity,
          "limits.max_texts_per_request (" + std::to_string(limits.max_texts_per_request) +
              ") must not exceed queue_capacity (" + std::to_string(queue_capacity) +
              "): such a request could never be queued");
  require(limits.max_request_bytes >= limits.max_text_bytes,
          "limits.max_request_bytes (" + std::to_string(limits.max_request_bytes) +
              ") must be at least limits.max_text_bytes (" + std::to_string(limits.max_text_bytes) +
              ")");
  require(limits.max_message_bytes > limits.max_request_bytes,
          "limits.max_message_bytes must exceed limits.max_request_bytes, so that an oversized "
          "request gets the precise INVALID_ARGUMENT answer");
  require(batching.max_batch_tokens >= limits.max_text_tokens,
          "batching.max_batch_tokens must be >= limits.max_text_tokens, so that every text fits "
          "a batch");
  require(debug_start_delay.count() == 0 || debug_fault_injection,
          "\"debug.start_delay_ms\" needs \"debug.fault_injection\" (--debug-fault-injection)");
  default_options.validate();
}

}  // namespace nmtd::worker
