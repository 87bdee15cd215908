#include "worker/worker_settings.h"

#include "common/error.h"
#include "engine/decode/decoding.h"

namespace nmtd::worker {
namespace {

using C = WorkerConfig;
using K = settings::SettingKind;
using ms = std::chrono::milliseconds;
using us = std::chrono::microseconds;

constexpr double kIntMax = 2147483647;
constexpr double kBytesMax = 1099511627776.0;  // 1 TiB: no bound of ours comes near
constexpr double kWeekMs = 7 * 24 * 3600.0 * 1000;

void require(bool ok, const std::string& message) {
  if (!ok) throw InvalidArgument(message);
}

std::vector<settings::Setting<C>> make_table() {
  return {
      // What `nmtd serve` passes to each worker as flags, and what a worker run alone needs.
      {.name = "model",
       .kind = K::kPath,
       .field = +[](C& c) -> std::filesystem::path& { return c.model_dir; },
       .flag = "--model",
       .default_text = "required",
       .doc = "CTranslate2 model directory"},
      {.name = "listen",
       .kind = K::kString,
       .field = +[](C& c) -> std::string& { return c.listen; },
       .flag = "--listen",
       .doc = "unix:PATH, HOST:PORT or PORT; port 0 picks a free one"},
      {.name = "state_dir",
       .kind = K::kPath,
       .field = +[](C& c) -> std::filesystem::path& { return c.state_dir; },
       .flag = "--state-dir",
       .default_text = "none",
       .doc = "directory for worker.log and crash reports; none = logs to stderr only"},
      {.name = "threads",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.threads; },
       .min = 0,
       .max = 1024,
       .flag = "--threads",
       .doc = "engine compute threads; 0 = the engine's choice"},
      {.name = "compute_type",
       .kind = K::kString,
       .field = +[](C& c) -> std::string& { return c.compute_type; },
       .flag = "--compute-type",
       .doc = "compute type of the engine (engine/compute_type.cc's names; the device decides "
              "which it runs)"},
      {.name = "log_level",
       .kind = K::kString,
       .field = +[](C& c) -> std::string& { return c.log_level; },
       .choices = {"trace", "debug", "info", "warn", "error", "critical", "off"},
       .flag = "--log-level",
       .doc = "log level"},
      {.name = "queue_capacity",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.queue_capacity; },
       .min = 1,
       .max = kIntMax,
       .flag = "--queue-capacity",
       .doc = "texts that may wait for the engine, over all requests; more are refused at once"},
      {.name = "cache_mib",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.cache_mib; },
       .min = 0,
       .max = 1 << 20,
       .flag = "--cache-mib",
       .doc = "translation cache bound, MiB; 0 = no cache"},
      {.name = "default_deadline_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.default_deadline; },
       .min = 1,
       .max = kWeekMs,
       .flag = "--default-deadline-ms",
       .doc = "deadline of calls that carry none"},
      {.name = "drain_timeout_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.drain_timeout; },
       .min = 1,
       .max = kWeekMs,
       .flag = "--drain-timeout-ms",
       .doc = "on SIGTERM, how long calls in flight may take before the worker exits anyway"},
      {.name = "engine_stall_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.engine_stall_limit; },
       .min = 1,
       .max = kWeekMs,
       .flag = "--engine-stall-ms",
       .doc = "watchdog: an engine call that finishes no layer or decoder step for this long is "
              "stuck (health NOT_SERVING)"},
      {.name = "monitor_interval_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.monitor_interval; },
       .min = 1,
       .max = kWeekMs,
       .flag = "--monitor-interval-ms",
       .doc = "period of the resource sample (its log line and GetStatus)"},
      {.name = "max_open_fds",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.max_open_fds; },
       .min = 1,
       .max = kIntMax,
       .doc = "open file descriptors over which the resource monitor warns"},
      {.name = "max_threads",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.max_threads; },
       .min = 1,
       .max = kIntMax,
       .doc = "threads over which the resource monitor warns"},
      {.name = "max_rss_bytes",
       .kind = K::kInteger,
       .field = +[](C& c) -> std::size_t& { return c.max_rss_bytes; },
       .min = 0,
       .max = kBytesMax,
       .doc = "resident memory over which the resource monitor warns; 0 = no warning"},
      {.name = "max_gpu_memory_percent",
       .kind = K::kReal,
       .field = +[](C& c) -> double& { return c.max_gpu_memory_percent; },
       .min = 0.001,
       .max = 100,
       .doc = "GPU memory in use, percent of the device, over which the monitor warns"},
      {.name = "parent_pid",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.parent_pid; },
       .min = 0,
       .max = kIntMax,
       .flag = "--parent-pid",
       .default_text = "none",
       .doc = "the front that started this worker: it drains and exits when that process "
              "dies, and refuses to start when it is gone"},

      // What one request may hold.
      {.name = "limits.max_texts_per_request",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.limits.max_texts_per_request; },
       .min = 1,
       .max = kIntMax,
       .doc = "texts in one request; at most queue_capacity"},
      {.name = "limits.max_text_bytes",
       .kind = K::kInteger,
       .field = +[](C& c) -> std::size_t& { return c.limits.max_text_bytes; },
       .min = 1,
       .max = kBytesMax,
       .doc = "UTF-8 bytes of one text"},
      {.name = "limits.max_request_bytes",
       .kind = K::kInteger,
       .field = +[](C& c) -> std::size_t& { return c.limits.max_request_bytes; },
       .min = 1,
       .max = kBytesMax,
       .doc = "UTF-8 bytes of all texts of one request; at least max_text_bytes"},
      {.name = "limits.max_text_tokens",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.limits.max_text_tokens; },
       .min = 3,
       .max = kIntMax,
       .doc = "source tokens of one text, with its language token and end token; longer texts "
              "are refused unless the request asks for truncation"},
      {.name = "limits.max_message_bytes",
       .kind = K::kInteger,
       .field = +[](C& c) -> std::size_t& { return c.limits.max_message_bytes; },
       .min = 1,
       .max = kIntMax,
       .doc = "gRPC's own bound on a received message, checked first; above max_request_bytes"},

      // How texts are batched for the engine.
      {.name = "batching.max_batch_texts",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.batching.max_batch_texts; },
       .min = 1,
       .max = kIntMax,
       .flag = "--max-batch-texts",
       .doc = "texts per engine batch"},
      {.name = "batching.max_batch_tokens",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.batching.max_batch_tokens; },
       .min = 1,
       .max = kIntMax,
       .doc = "source tokens summed over one batch; at least limits.max_text_tokens"},
      {.name = "batching.decode_memory_mib",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.batching.decode_memory_mib; },
       .min = 0,
       .max = 1 << 20,
       .flag = "--decode-memory-mib",
       .doc = "decoder memory (key/value caches, logits) held for the worker's life; batches "
              "shrink to what it holds; 0: allocated per batch"},
      {.name = "batching.max_wait_us",
       .kind = K::kMicros,
       .field = +[](C& c) -> us& { return c.batching.max_wait; },
       .min = 0,
       .max = 10'000'000,
       .flag = "--batch-wait-us",
       .doc = "how long a lone text waits for company before its batch runs"},

      // Decoding of requests that do not set their own options (docs/worker.md).
      {.name = "decoding.beam_size",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.default_options.decoding.beam_size; },
       .min = 1,
       .max = kMaxBeamSize,
       .doc = "beam width; 1 = greedy"},
      {.name = "decoding.patience",
       .kind = K::kReal,
       .field = +[](C& c) -> float& { return c.default_options.decoding.patience; },
       .min = 0.001,
       .max = 1000,
       .doc = "beam search patience factor"},
      {.name = "decoding.length_penalty",
       .kind = K::kReal,
       .field = +[](C& c) -> float& { return c.default_options.decoding.length_penalty; },
       .min = -1000,
       .max = 1000,
       .doc = "exponent of the length normalisation of hypothesis scores"},
      {.name = "decoding.max_decoding_length",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.default_options.decoding.max_decoding_length; },
       .min = 1,
       .max = kIntMax,
       .doc = "target tokens at most, counting the target prefix and the end token"},
      {.name = "decoding.min_decoding_length",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.default_options.decoding.min_decoding_length; },
       .min = 0,
       .max = kIntMax,
       .doc = "target tokens at least, counting the target prefix"},
      {.name = "decoding.repetition_penalty",
       .kind = K::kReal,
       .field = +[](C& c) -> float& { return c.default_options.decoding.repetition_penalty; },
       .min = 0.001,
       .max = 1000,
       .doc = "penalty on tokens already generated; 1 = none"},
      {.name = "decoding.no_repeat_ngram_size",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.default_options.decoding.no_repeat_ngram_size; },
       .min = 0,
       .max = kIntMax,
       .doc = "n-grams of this size are never repeated; 0 = any may be"},
      {.name = "decoding.num_hypotheses",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.default_options.decoding.num_hypotheses; },
       .min = 1,
       .max = kMaxBeamSize,
       .doc = "hypotheses returned per text; at most beam_size"},
      {.name = "decoding.disable_unk",
       .kind = K::kBool,
       .field = +[](C& c) -> bool& { return c.default_options.decoding.disable_unk; },
       .doc = "never generate the unknown token"},
      {.name = "decoding.max_input_length",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.default_options.max_input_length; },
       .min = 0,
       .max = kIntMax,
       .doc = "source tokens the engine keeps of a text asking for truncation; 0 = no limit "
              "(texts over limits.max_text_tokens are refused unless they ask)"},

      // For tests only.
      {.name = "debug.fault_injection",
       .kind = K::kBool,
       .field = +[](C& c) -> bool& { return c.debug_fault_injection; },
       .flag = "--debug-fault-injection",
       .doc = "obey x-nmtd-fault request metadata (segv, abort, throw, kill, error, hang:MS): "
              "for tests only"},
      {.name = "debug.start_delay_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.debug_start_delay; },
       .min = 0,
       .max = kWeekMs,
       .flag = "--debug-start-delay-ms",
       .doc = "with debug.fault_injection: wait this long before loading the model"},
  };
}

}  // namespace

const settings::Registry<WorkerConfig>& worker_settings() {
  static const settings::Registry<WorkerConfig> registry(make_table(), "NMTD_WORKER_",
                                                         "docs/worker.md");
  return registry;
}

void validate(const WorkerConfig& config) {
  worker_settings().check_values(config);
  require(config.limits.max_texts_per_request <= config.queue_capacity,
          "limits.max_texts_per_request (" + std::to_string(config.limits.max_texts_per_request) +
              ") must not exceed queue_capacity (" + std::to_string(config.queue_capacity) +
              "): such a request could never be queued");
  require(config.limits.max_request_bytes >= config.limits.max_text_bytes,
          "limits.max_request_bytes (" + std::to_string(config.limits.max_request_bytes) +
              ") must be at least limits.max_text_bytes (" +
              std::to_string(config.limits.max_text_bytes) + ")");
  require(config.limits.max_message_bytes > config.limits.max_request_bytes,
          "limits.max_message_bytes must exceed limits.max_request_bytes, so that an oversized "
          "request gets the precise INVALID_ARGUMENT answer");
  require(config.batching.max_batch_tokens >= config.limits.max_text_tokens,
          "batching.max_batch_tokens must be >= limits.max_text_tokens, so that every text fits "
          "a batch");
  require(config.debug_start_delay.count() == 0 || config.debug_fault_injection,
          "\"debug.start_delay_ms\" needs \"debug.fault_injection\" (--debug-fault-injection)");
  config.default_options.validate();
}

}  // namespace nmtd::worker
