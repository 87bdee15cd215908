// `nmtd worker`: flags and an optional JSON config file into a WorkerConfig, then run it.
#include "cli/commands.h"
#include "cli/flags.h"
#include "common/error.h"
#include "worker/worker_main.h"

namespace nmtd::cli {
namespace {

Flags worker_flags() {
  Flags f("worker",
          "--model DIR [--listen unix:PATH|HOST:PORT] [--threads N] "
          "[--state-dir DIR] [--config FILE] [options]\n"
          "Serves nmt.v1.Translator, grpc.health.v1 and reflection for one model. Health is\n"
          "NOT_SERVING until the model is loaded and a warm-up translation succeeded, and again\n"
          "while draining. SIGTERM/SIGINT drain gracefully (a second one exits at once).\n"
          "Settings come from --config (JSON, see docs/worker.md), then from these flags.");
  f.value("model", "CTranslate2 model directory (required here or in --config)");
  f.value("listen", "unix:PATH, HOST:PORT or PORT (default 127.0.0.1:50051; port 0 picks one)");
  f.value("threads", "engine compute threads (default: the engine's choice)");
  f.value("state-dir", "directory for worker.log and crash reports (default: stderr only)");
  f.value("config", "JSON file with worker settings (docs/worker.md)");
  f.value("compute-type", "default, float32 or int8");
  f.value("log-level", "trace, debug, info, warn, error (default info)");
  f.value("queue-capacity", "texts that may wait for the engine (default 128)");
  f.value("cache-mib", "translation cache bound in MiB (default 32; 0 disables it)");
  f.value("max-batch-texts", "texts per engine batch (default 32)");
  f.value("batch-wait-us", "how long a lone text waits for company (default 2000)");
  f.value("default-deadline-ms", "deadline for calls that carry none (default 60000)");
  f.value("drain-timeout-ms", "how long a drain may take before exit is forced (default 30000)");
  f.value("engine-stall-ms",
          "watchdog: a call with no finished layer or step for this long is stuck (default 5000)");
  f.value("monitor-interval-ms", "resource sample period (default 60000)");
  f.value("parent-pid", "the front that started this worker: drain and exit when it dies");
  f.toggle("debug-fault-injection",
           "obey x-nmtd-fault request metadata (segv, abort, throw, kill, error, hang:MS): "
           "for tests only");
  f.value("debug-start-delay-ms", "with --debug-fault-injection: wait this long before loading");
  return f;
}

std::chrono::milliseconds millis(const Flags& f, const char* name) {
  const int v = f.get_int(name);
  if (v <= 0) throw InvalidArgument(std::string("--") + name + " must be > 0");
  return std::chrono::milliseconds(v);
}

}  // namespace

int cmd_worker(const Args& args) {
  Flags f = worker_flags();
  if (!f.parse(args)) return 0;
  if (!f.positional().empty())
    throw InvalidArgument("unexpected argument '" + f.positional().front() + "'");
  worker::WorkerConfig c;
  if (f.has("config")) worker::apply_config_file(f.get("config"), c);
  if (f.has("model")) c.model_dir = f.get("model");
  if (f.has("listen")) c.listen = f.get("listen");
  if (f.has("threads")) c.threads = f.get_int("threads");
  if (f.has("state-dir")) c.state_dir = f.get("state-dir");
  if (f.has("compute-type")) c.compute_type = f.get("compute-type");
  if (f.has("log-level")) c.log_level = f.get("log-level");
  if (f.has("queue-capacity")) c.queue_capacity = f.get_int("queue-capacity");
  if (f.has("cache-mib")) {
    const int mib = f.get_int("cache-mib");
    if (mib < 0) throw InvalidArgument("--cache-mib must be >= 0");
    c.cache_bytes = static_cast<std::size_t>(mib) << 20;
  }
  if (f.has("max-batch-texts")) c.batching.max_batch_texts = f.get_int("max-batch-texts");
  if (f.has("batch-wait-us")) {
    const int us = f.get_int("batch-wait-us");
    if (us < 0) throw InvalidArgument("--batch-wait-us must be >= 0");
    c.batching.max_wait = std::chrono::microseconds(us);
  }
  if (f.has("default-deadline-ms")) c.default_deadline = millis(f, "default-deadline-ms");
  if (f.has("drain-timeout-ms")) c.drain_timeout = millis(f, "drain-timeout-ms");
  if (f.has("engine-stall-ms")) c.engine_stall_limit = millis(f, "engine-stall-ms");
  if (f.has("monitor-interval-ms")) c.monitor_interval = millis(f, "monitor-interval-ms");
  if (f.has("parent-pid")) c.parent_pid = f.get_int("parent-pid");
  if (f.on("debug-fault-injection")) c.debug_fault_injection = true;
  if (f.has("debug-start-delay-ms")) {
    if (!c.debug_fault_injection)
      throw InvalidArgument("--debug-start-delay-ms needs --debug-fault-injection");
    c.debug_start_delay = millis(f, "debug-start-delay-ms");
  }
  if (c.model_dir.empty()) throw InvalidArgument("--model DIR is required");
  c.validate();
  return worker::run_worker(c);
}

}  // namespace nmtd::cli
