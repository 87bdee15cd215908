#pragma once
// Everything `nmtd serve` can be told. Each setting is declared once, in the table of
// settings.cc (name, type, place in this struct, bounds, doc); the TOML file, the NMTD_*
// environment, the command line, validation, the printed configuration and
// docs/configuration.md are all driven by that table (configuration.h), so they cannot
// disagree. This header holds the values and what derives from them alone; it knows no table.
//
// Precedence, lowest first: the defaults below < the --config TOML file < NMTD_* environment
// variables < command-line flags. The caller applies them in that order.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

namespace nmtd::front {

// Passed through to every `nmtd worker` as flags (configuration.h's worker_arguments()).
struct WorkerSettings {
  int threads = 0;  // 0: the engine's default
  std::string compute_type = "default";
  int queue_capacity = 128;
  int cache_mib = 32;
  int max_batch_texts = 32;
  std::chrono::microseconds batch_wait{2000};
  std::chrono::milliseconds engine_stall_limit{5000};
  std::chrono::milliseconds monitor_interval{60000};
  bool operator==(const WorkerSettings&) const = default;
};

// How the front watches workers and decides restarts.
struct Supervision {
  std::chrono::milliseconds health_interval{1000};
  std::chrono::milliseconds health_timeout{1000};
  int health_misses = 3;                       // in a row → hung: SIGABRT, then SIGKILL
  std::chrono::milliseconds kill_grace{5000};  // SIGABRT → SIGKILL
  std::chrono::milliseconds start_timeout{120000};
  std::chrono::milliseconds recycle_age{std::chrono::hours(12)};        // 0: off
  std::chrono::milliseconds canary_interval{std::chrono::seconds(60)};  // 0: off
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{60000};
  std::chrono::milliseconds backoff_reset_after{std::chrono::seconds(30)};
  bool operator==(const Supervision&) const = default;
};

// Soft limits per worker: going over one starts a planned recycle. 0: off.
struct SoftLimits {
  int rss_mib = 0;
  double gpu_memory_percent = 0;
  int open_fds = 768;
  int threads = 512;
  bool operator==(const SoftLimits&) const = default;
};

struct Requests {
  int hold_queue_capacity = 256;                      // texts held while no worker is ready
  std::chrono::milliseconds default_deadline{60000};  // a client's own deadline wins
  int max_attempts = 3;                               // workers one request may be tried on
  int max_text_chars = 10'000;                        // client-compatible APIs' hard text bound
  std::string auto_fallback_language;                 // "auto" that cannot tell: this, or error
  bool operator==(const Requests&) const = default;
};

// The HTTP endpoint's protection against slow and numerous clients (docs/front.md).
struct HttpLimits {
  std::chrono::milliseconds header_timeout{10000};  // a request head's total time to arrive
  int max_connections = 1024;                       // open at once; more: 503 and closed
  int max_connections_per_address = 64;             // from one client address; more: 429
  bool operator==(const HttpLimits&) const = default;
};

struct FrontConfig {
  std::filesystem::path model_dir;
  std::string host = "127.0.0.1";
  int port = 50051;
  int http_port = 50052;  // 0: no HTTP endpoint
  int workers = 1;
  std::filesystem::path state_dir;    // empty: logs to stderr only
  std::filesystem::path runtime_dir;  // empty: resolve_runtime_dir() picks one
  std::string log_level = "info";
  std::chrono::milliseconds drain_timeout{30000};
  int crash_reports_kept = 20;
  std::filesystem::path api_keys_file;  // empty: the LibreTranslate API needs no key
  std::chrono::milliseconds idle_unload{
      0};  // workers exit after this long without a call; 0: never
  WorkerSettings worker;
  Supervision supervision;
  SoftLimits limits;
  Requests requests;
  HttpLimits http;
  bool operator==(const FrontConfig&) const = default;
};

// The CPUs this process may run on.
int available_cores();

// worker.threads, or when it is 0, the `cores` shared out among the workers: 1 to 4 each.
int threads_per_worker(const FrontConfig& config, int cores);

// config.runtime_dir when set; else $XDG_RUNTIME_DIR/nmtd-<pid> when that variable holds an
// absolute path, else /tmp/nmtd-<uid>-<pid>. The front creates it with mode 0700.
std::filesystem::path resolve_runtime_dir(const FrontConfig& config,
                                          const std::map<std::string, std::string>& env, pid_t pid,
                                          uid_t uid);

}  // namespace nmtd::front
