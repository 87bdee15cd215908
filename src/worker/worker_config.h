#pragma once
// Everything `nmtd worker` can be told. Each setting is declared once, in the table of
// worker_settings.cc (name, type, place in this struct, bounds, flag, doc), which drives the TOML
// file, the NMTD_WORKER_* environment, the flags and docs/worker.md's table. Every bound has a
// default that a desktop machine can live with; validate() (worker_settings.h) refuses
// combinations that could not work (a request larger than the queue, a zero bound).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "engine/translator.h"

namespace nmtd::worker {

struct Limits {
  int max_texts_per_request = 64;
  std::size_t max_text_bytes = 64u << 10;     // one text, UTF-8 bytes
  std::size_t max_request_bytes = 1u << 20;   // all texts of one request
  int max_text_tokens = 1024;                 // source tokens of one text, with specials
  std::size_t max_message_bytes = 16u << 20;  // gRPC's own receive bound, checked first
};

struct Batching {
  int max_batch_texts = 32;
  int max_batch_tokens = 4096;               // source tokens summed over the batch
  std::chrono::microseconds max_wait{2000};  // how long a lone text waits for company
  // Decoder memory held for the worker's life (decode_memory_plan.h); 0: per session.
  int decode_memory_mib = 512;
};

// CTranslate2's decoding defaults, but no silent truncation of long sources: a text over
// limits.max_text_tokens is refused unless the client asks for truncation.
inline TranslationOptions worker_default_options() {
  TranslationOptions options;
  options.max_input_length = 0;
  return options;
}

struct WorkerConfig {
  std::filesystem::path model_dir;
  std::string listen = "127.0.0.1:50051";  // unix:PATH or HOST:PORT
  std::filesystem::path state_dir;         // logs and crash reports; empty = stderr only
  int threads = 0;                         // engine compute threads; 0 = the engine's default
  std::string compute_type = "default";
  std::string log_level = "info";

  int queue_capacity = 128;  // texts waiting for the engine, over all requests
  Limits limits;
  Batching batching;
  int cache_mib = 32;  // 0 disables the translation cache
  std::size_t cache_bytes() const { return static_cast<std::size_t>(cache_mib) << 20; }
  TranslationOptions default_options = worker_default_options();

  std::chrono::milliseconds default_deadline{60000};  // for calls that carry none
  std::chrono::milliseconds drain_timeout{30000};
  // Watchdog: a running engine call that finishes no unit of work (encoder sublayer, decoder
  // layer of a step) for this long is stuck. A unit takes well under a second at the full
  // NLLB-600M shape on 2 cores (docs/worker.md), however long the call as a whole.
  std::chrono::milliseconds engine_stall_limit{5000};
  std::chrono::milliseconds monitor_interval{60000};
  int max_open_fds = 1024;  // warning thresholds of the resource monitor
  int max_threads = 256;
  std::size_t max_rss_bytes = 0;  // 0: no RSS warning
  double max_gpu_memory_percent = 90.0;
  // Set by the front: die (drain) when that process does, and refuse to start if it is gone.
  int parent_pid = 0;
  bool debug_fault_injection = false;              // honour x-nmtd-fault metadata (tests only)
  std::chrono::milliseconds debug_start_delay{0};  // with fault injection: a slow model load
};

}  // namespace nmtd::worker
