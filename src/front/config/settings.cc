#include "front/config/settings.h"

#include <algorithm>
#include <cctype>

namespace nmtd::front {
namespace {

using C = FrontConfig;
using K = SettingKind;
using ms = std::chrono::milliseconds;
using us = std::chrono::microseconds;

constexpr double kHour = 3600.0 * 1000;  // in milliseconds
constexpr double kDay = 24 * kHour;
constexpr double kWeek = 7 * kDay;

std::vector<Setting> make_table() {
  return {
      // The flags that matter first; the rest usually comes from the TOML file.
      {.name = "model",
       .kind = K::kPath,
       .field = +[](C& c) -> std::filesystem::path& { return c.model_dir; },
       .flag = "--model",
       .default_text = "required",
       .doc = "CTranslate2 model directory that every worker loads"},
      {.name = "host",
       .kind = K::kString,
       .field = +[](C& c) -> std::string& { return c.host; },
       .flag = "--host",
       .doc = "address of the gRPC and HTTP endpoints; `0.0.0.0` or `::` for every interface"},
      {.name = "port",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.port; },
       .min = 0,
       .max = 65535,
       .flag = "--port",
       .doc = "gRPC port (nmt.v1.Translator, grpc.health.v1, reflection); 0 picks a free one"},
      {.name = "http_port",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.http_port; },
       .min = 0,
       .max = 65535,
       .flag = "--http-port",
       .doc = "HTTP port (/healthz, /readyz, /metrics, /status); 0 = no HTTP endpoint"},
      {.name = "workers",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.workers; },
       .min = 1,
       .max = 64,
       .flag = "--workers",
       .doc = "worker processes, each with its own copy of the model"},
      {.name = "state_dir",
       .kind = K::kPath,
       .field = +[](C& c) -> std::filesystem::path& { return c.state_dir; },
       .flag = "--state-dir",
       .default_text = "none",
       .doc = "logs, crash reports and each worker's state; none = logs to stderr, nothing kept"},
      {.name = "runtime_dir",
       .kind = K::kPath,
       .field = +[](C& c) -> std::filesystem::path& { return c.runtime_dir; },
       .flag = "--runtime-dir",
       .default_text = "`$XDG_RUNTIME_DIR/nmtd-<pid>`, else `/tmp/nmtd-<uid>-<pid>`",
       .doc = "the workers' unix sockets, in a directory the front creates with mode 0700"},
      {.name = "log_level",
       .kind = K::kString,
       .field = +[](C& c) -> std::string& { return c.log_level; },
       .choices = {"trace", "debug", "info", "warn", "error", "critical", "off"},
       .flag = "--log-level",
       .worker_flag = "--log-level",
       .doc = "log level of the front and its workers"},
      {.name = "drain_timeout_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.drain_timeout; },
       .min = 1,
       .max = kHour,
       .worker_flag = "--drain-timeout-ms",
       .doc = "on SIGTERM, how long requests in flight may take before the workers are stopped"},
      {.name = "crash_reports_kept",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.crash_reports_kept; },
       .min = 0,
       .max = 10000,
       .doc = "newest worker crash reports kept in `state_dir`; older ones are deleted"},
      {.name = "api_keys_file",
       .kind = K::kPath,
       .field = +[](C& c) -> std::filesystem::path& { return c.api_keys_file; },
       .flag = "--api-keys-file",
       .default_text = "none",
       .doc = "LibreTranslate API keys: one per line, each with an optional limit of requests "
              "per minute (docs/libretranslate.md); reread on SIGHUP; none = no key needed"},

      // Passed through to every `nmtd worker` (docs/worker.md).
      {.name = "worker.threads",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.worker.threads; },
       .min = 0,
       .max = 1024,
       .flag = "--threads",
       .worker_flag = "--threads",
       .doc = "engine compute threads per worker; 0 = the cores shared out among the workers, "
              "1 to 4 each (workers x threads above the cores stalls every engine step)"},
      {.name = "worker.compute_type",
       .kind = K::kString,
       .field = +[](C& c) -> std::string& { return c.worker.compute_type; },
       // The engine's names (engine/compute_type.cc); which ones a device runs is its call.
       .choices = {"default", "auto", "float32", "int8", "int8_float32", "int8_float16",
                   "int8_bfloat16", "int16", "float16", "bfloat16"},
       .flag = "--compute-type",
       .worker_flag = "--compute-type",
       .doc = "compute type of the workers' engine"},
      {.name = "worker.queue_capacity",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.worker.queue_capacity; },
       // A worker refuses a queue smaller than its limit of texts per request (64).
       .min = 64,
       .max = 1'000'000,
       .worker_flag = "--queue-capacity",
       .doc = "texts one worker queues for its engine; more are refused at once"},
      {.name = "worker.cache_mib",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.worker.cache_mib; },
       .min = 0,
       .max = 1 << 20,
       .worker_flag = "--cache-mib",
       .doc = "translation cache of each worker, MiB; 0 = no cache"},
      {.name = "worker.max_batch_texts",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.worker.max_batch_texts; },
       .min = 1,
       .max = 4096,
       .worker_flag = "--max-batch-texts",
       .doc = "texts per engine batch"},
      {.name = "worker.batch_wait_us",
       .kind = K::kMicros,
       .field = +[](C& c) -> us& { return c.worker.batch_wait; },
       .min = 0,
       .max = 10'000'000,
       .worker_flag = "--batch-wait-us",
       .doc = "how long a lone text waits for company before its batch runs"},
      {.name = "worker.engine_stall_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.worker.engine_stall_limit; },
       .min = 1,
       .max = kWeek,
       .worker_flag = "--engine-stall-ms",
       .doc = "a running engine call that finishes no unit of work (layer, decoder step) for this "
              "long is stuck: the worker reports NOT_SERVING and the front replaces it"},
      {.name = "worker.monitor_interval_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.worker.monitor_interval; },
       .min = 1,
       .max = kWeek,
       .worker_flag = "--monitor-interval-ms",
       .doc = "period of each worker's resource sample (its log line and GetStatus)"},

      // How workers are watched and restarted.
      {.name = "supervision.health_interval_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.supervision.health_interval; },
       .min = 10,
       .max = kHour,
       .doc = "period of the health Check the front sends each worker"},
      {.name = "supervision.health_timeout_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.supervision.health_timeout; },
       .min = 10,
       .max = kHour,
       .doc = "deadline of one health Check; a Check past it is a miss"},
      {.name = "supervision.health_misses",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.supervision.health_misses; },
       .min = 1,
       .max = 1000,
       .doc =
           "misses in a row that make a worker hung: SIGABRT (crash report, core), then SIGKILL"},
      {.name = "supervision.kill_grace_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.supervision.kill_grace; },
       .min = 1,
       .max = kHour,
       .doc = "how long a hung worker has after SIGABRT before SIGKILL"},
      {.name = "supervision.start_timeout_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.supervision.start_timeout; },
       .min = 100,
       .max = kDay,
       .doc = "a worker not SERVING this long after its start is killed and restarted"},
      {.name = "supervision.recycle_age",
       .kind = K::kDuration,
       .field = +[](C& c) -> ms& { return c.supervision.recycle_age; },
       .min = 0,
       .max = 30 * kDay,
       .doc =
           "age at which a worker is replaced by a planned recycle (replacement first); 0 = never"},
      {.name = "supervision.canary_interval",
       .kind = K::kDuration,
       .field = +[](C& c) -> ms& { return c.supervision.canary_interval; },
       .min = 0,
       .max = kDay,
       .doc = "period of a canary translation through each ready worker; 0 = none"},
      {.name = "supervision.backoff_initial_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.supervision.backoff_initial; },
       .min = 1,
       .max = kHour,
       .doc = "delay before restarting a worker that failed; doubles with each failure in a row"},
      {.name = "supervision.backoff_max_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.supervision.backoff_max; },
       .min = 1,
       .max = kDay,
       .doc = "the restart delay stops doubling here"},
      {.name = "supervision.backoff_reset_after",
       .kind = K::kDuration,
       .field = +[](C& c) -> ms& { return c.supervision.backoff_reset_after; },
       .min = 0,
       .max = kWeek,
       .doc = "a worker that served this long before failing is not in a crash loop: its "
              "restart delay starts over at `backoff_initial_ms`"},

      // Soft limits per worker: over one, the worker is recycled as planned (no request lost).
      {.name = "limits.rss_mib",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.limits.rss_mib; },
       .min = 0,
       .max = 1 << 24,
       .doc = "resident memory of a worker, MiB; over it → planned recycle; 0 = off"},
      {.name = "limits.gpu_memory_percent",
       .kind = K::kReal,
       .field = +[](C& c) -> double& { return c.limits.gpu_memory_percent; },
       .min = 0,
       .max = 100,
       .doc = "GPU memory in use, percent of the device; over it → planned recycle; 0 = off"},
      {.name = "limits.open_fds",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.limits.open_fds; },
       .min = 0,
       .max = 1 << 24,
       .doc = "open file descriptors of a worker; over it → planned recycle; 0 = off"},
      {.name = "limits.threads",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.limits.threads; },
       .min = 0,
       .max = 1 << 20,
       .doc = "threads of a worker; over it → planned recycle; 0 = off"},

      // Requests as the front handles them.
      {.name = "requests.hold_queue_capacity",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.requests.hold_queue_capacity; },
       .min = 0,
       .max = 1'000'000,
       .doc = "texts held while no worker is ready; more are refused at once"},
      {.name = "requests.default_deadline_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.requests.default_deadline; },
       .min = 1,
       .max = kDay,
       .worker_flag = "--default-deadline-ms",
       .doc = "deadline of calls that carry none; a client's own deadline wins"},
      {.name = "requests.max_attempts",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.requests.max_attempts; },
       .min = 1,
       .max = 16,
       .doc = "workers one request may be tried on when the one serving it dies"},
      {.name = "requests.auto_fallback_language",
       .kind = K::kString,
       .field = +[](C& c) -> std::string& { return c.requests.auto_fallback_language; },
       .doc = "language assumed when source \"auto\" cannot tell (text too short), e.g. en; "
              "empty: such a text gets an error"},
      {.name = "requests.max_text_chars",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.requests.max_text_chars; },
       .min = 1,
       .max = 1'000'000,
       .doc = "longest text (in characters) the Baketa and LibreTranslate APIs take; longer "
              "ones get an error naming this limit (shorter long texts are split)"},

      // The HTTP endpoint's protection against slow and numerous clients.
      {.name = "http.header_timeout_ms",
       .kind = K::kMillis,
       .field = +[](C& c) -> ms& { return c.http.header_timeout; },
       .min = 1,
       .max = kHour,
       .doc = "a request head (line and headers) must arrive within this, however slowly it "
              "trickles; past it 408 and the connection is closed"},
      {.name = "http.max_connections",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.http.max_connections; },
       .min = 1,
       .max = 1'000'000,
       .doc = "HTTP connections open at once; more are answered 503 and closed (each holds a "
              "descriptor: keep it under the open-files limit)"},
      {.name = "http.max_connections_per_address",
       .kind = K::kInteger,
       .field = +[](C& c) -> int& { return c.http.max_connections_per_address; },
       .min = 1,
       .max = 1'000'000,
       .doc = "HTTP connections open at once from one client address; more are answered 429 "
              "and closed (a proxy in front counts as one address)"},
  };
}

}  // namespace

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = make_table();
  return table;
}

const Setting* find_setting(std::string_view name) {
  const auto& all = settings();
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const Setting& s) { return s.name == name; });
  return it == all.end() ? nullptr : &*it;
}

std::string environment_name(const Setting& setting) {
  std::string out = "NMTD_";
  for (const char ch : setting.name)
    out += ch == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

std::string_view group_of(const Setting& setting) {
  const auto dot = setting.name.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : setting.name.substr(0, dot);
}

}  // namespace nmtd::front
