#include "worker/worker_main.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>

#include "common/error.h"
#include "common/heap_release.h"
#include "common/log/stop_signals.h"
#include "common/private_directory.h"
#include "common/shutdown.h"
#include "common/signal_watcher.h"
#include "crash/crash_reporter.h"
#include "crash/terminate_handler.h"
#include "rpc/server_policy.h"
#include "worker/debug_faults.h"
#include "worker/decode_memory_plan.h"
#include "worker/listen_address.h"
#include "worker/translator_service.h"
#include "worker/watchdog.h"

namespace nmtd::worker {
namespace {

void log_configuration(const WorkerConfig& c, Logger& log) {
  log.info("nmtd worker {} starting: pid {}, model {}, listen {}, state dir {}", NMTD_VERSION,
           ::getpid(), c.model_dir.string(), c.listen,
           c.state_dir.empty() ? "(none: stderr only)" : c.state_dir.string());
  log.info(
      "limits: queue {} texts, {} texts/request, {} bytes/text, {} bytes/request, {} "
      "tokens/text; batches of {} texts / {} tokens, window {} us; cache {} bytes; "
      "default deadline {} ms; drain {} ms; engine stall after {} ms without progress; "
      "monitor every {} ms",
      c.queue_capacity, c.limits.max_texts_per_request, c.limits.max_text_bytes,
      c.limits.max_request_bytes, c.limits.max_text_tokens, c.batching.max_batch_texts,
      c.batching.max_batch_tokens, c.batching.max_wait.count(), c.cache_bytes(),
      c.default_deadline.count(), c.drain_timeout.count(), c.engine_stall_limit.count(),
      c.monitor_interval.count());
  if (c.debug_fault_injection)
    log.warn("fault injection is ON (x-nmtd-fault metadata is obeyed): never in production");
}

std::unique_ptr<grpc::Server> start_server(const WorkerConfig& config, const ListenAddress& address,
                                           TranslatorService& service, rpc::HealthService& health,
                                           Logger& log) {
  grpc::EnableDefaultHealthCheckService(false);  // ours starts NOT_SERVING (health_service.h)
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address.grpc_uri, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  builder.RegisterService(&health);
  rpc::apply_server_policy(builder, config.limits.max_message_bytes);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    log.error("exit: cannot listen on {} (in use, or not permitted); status 1", config.listen);
    return nullptr;
  }
  log.info("listening on {}", address.unix_path.empty()
                                  ? address.grpc_uri.substr(0, address.grpc_uri.rfind(':')) + ":" +
                                        std::to_string(port)
                                  : address.grpc_uri);
  return server;
}

std::unique_ptr<nmtd::Translator> load_and_warm_up(const WorkerConfig& config, Logger& log) {
  const auto start = std::chrono::steady_clock::now();
  TranslatorConfig tc;
  tc.compute_type = parse_compute_type(config.compute_type);
  tc.num_threads = config.threads;
  auto translator = std::make_unique<nmtd::Translator>(config.model_dir, tc);
  const ModelInfo& info = translator->info();
  log.info(
      "model loaded: {} layers enc / {} dec, d_model {}, vocab {}, {} weights ({} MiB), "
      "compute {}, kernels {}, {} threads",
      info.encoder_layers, info.decoder_layers, info.d_model, info.vocab_size, info.stored_type,
      info.weight_bytes >> 20, info.compute_type, info.kernel_isa, info.num_threads);
  // Health must mean "can translate": prove it once before saying SERVING.
  const auto& languages = translator->tokenizer().languages();
  if (languages.empty()) throw Error("the model's vocabulary holds no NLLB language codes");
  auto has = [&](const char* code) {
    return std::find(languages.begin(), languages.end(), code) != languages.end();
  };
  const std::string source = has("eng_Latn") ? "eng_Latn" : languages.front();
  const std::string target = has("fra_Latn") ? "fra_Latn" : languages.back();
  TranslationOptions warm = config.default_options;
  warm.decoding.max_decoding_length = 8;
  warm.decoding.num_hypotheses = 1;
  const auto result = translator->translate_text({"Hello, world."}, source, target, warm);
  if (result.size() != 1 || result[0].hypotheses.empty())
    throw Error("the warm-up translation returned no hypothesis");
  log.info("warm-up translation {}->{} succeeded; ready {} ms after start of load", source, target,
           std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start)
               .count());
  return translator;
}

int serve(const WorkerConfig& config, const ListenAddress& address, Logger& log) {
  log_configuration(config, log);

  crash::InFlightRing in_flight;
  std::optional<crash::CrashReporter> crash_reporter;
  crash_reporter.emplace(crash::CrashReporterConfig{.report_dir = config.state_dir,
                                                    .program = "nmtd worker",
                                                    .version = NMTD_VERSION,
                                                    .in_flight = &in_flight});
  crash::install_terminate_handler();

  monitor::MonitorConfig monitor_config;
  monitor_config.interval = config.monitor_interval;
  monitor_config.max_open_fds = config.max_open_fds;
  monitor_config.max_threads = config.max_threads;
  monitor_config.max_rss_bytes = static_cast<int64_t>(config.max_rss_bytes);
  monitor_config.max_gpu_memory_percent = config.max_gpu_memory_percent;
  monitor_config.release_free_heap = true;
  monitor::ResourceMonitor monitor(monitor_config, log, nullptr);
  monitor.start();

  AdmissionQueue queue(config.queue_capacity);
  TranslationCache cache(config.cache_bytes());
  WorkerStats stats;
  TranslatorService service({config, queue, cache, stats, monitor, log});

  StopRequest stop;
  const SignalWatcher signals = watch_stop_signals(stop, log);

  if (!address.unix_path.empty()) claim_unix_socket_path(address.unix_path);
  rpc::HealthService health({"nmt.v1.Translator"});  // NOT_SERVING until the warm-up passes
  service.set_health(&health);
  std::unique_ptr<grpc::Server> server = start_server(config, address, service, health, log);
  if (!server) return 1;

  if (config.debug_fault_injection && config.debug_start_delay.count() > 0) {
    log.warn("fault injection: delaying the model load by {} ms", config.debug_start_delay.count());
    std::this_thread::sleep_for(config.debug_start_delay);
  }
  std::unique_ptr<nmtd::Translator> translator;
  try {
    translator = load_and_warm_up(config, log);
  } catch (const std::exception& e) {
    log.error("exit: the model could not be loaded or failed its warm-up: {}; status 1", e.what());
    health.shutdown();
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    return 1;
  }
  std::unique_ptr<DebugFaults> faults;
  if (config.debug_fault_injection) faults = std::make_unique<DebugFaults>(log);
  Batcher batcher(*translator, queue, cache, plan_decode_memory(*translator, config), stats,
                  in_flight, log, faults.get());
  batcher.start();
  Watchdog watchdog(batcher.activity(), config.engine_stall_limit, log,
                    [&](bool stalled) { service.set_engine_stalled(stalled); });
  service.set_serving(*translator, batcher);
  log.info("serving nmt.v1.Translator on {}", config.listen);

  const int signo = stop.wait();
  service.set_draining();
  const auto exit_limit = config.drain_timeout + std::chrono::seconds(5);
  return drain_and_exit(signo, exit_limit, log, [&]() -> std::optional<std::string> {
    const auto drain_until = std::chrono::steady_clock::now() + config.drain_timeout;
    while (stats.calls_in_progress.load() > 0 && std::chrono::steady_clock::now() < drain_until)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const int64_t unfinished = stats.calls_in_progress.load();
    // Calls still queued cannot be served in time: answer them now (retryable), so every call
    // is finished before the server's shutdown waits for them.
    for (auto& job : queue.close_and_take_all()) {
      job.call->fail(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                  "the worker shut down before this request reached the engine; "
                                  "retry on another"));
    }
    health.shutdown();  // ends Watch streams, which would hold the shutdown
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    if (unfinished == 0) return std::nullopt;
    return "drain deadline (" + std::to_string(config.drain_timeout.count()) + " ms) passed with " +
           std::to_string(unfinished) + " calls unfinished";
  });
}

}  // namespace

int run_worker(const WorkerConfig& config) {
  bound_mmap_threshold();
  if (config.parent_pid > 0) {
    // SIGTERM (a drain) when the front dies, even by SIGKILL: no orphan keeps a model loaded.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != config.parent_pid) {
      std::fprintf(stderr, "nmtd worker: the front (pid %d) is gone; not starting\n",
                   config.parent_pid);
      return 1;
    }
  }
  SignalBlock block_stop_signals;  // before any thread exists
  ::signal(SIGPIPE, SIG_IGN);      // a vanished peer is an error to handle, not a death
  const PeriodicHeapRelease heap_release;
  const ListenAddress address = parse_listen_address(config.listen);
  LogConfig log_config;
  log_config.name = "worker";
  log_config.level = config.log_level;
  if (!config.state_dir.empty()) {
    create_private_directories(config.state_dir);  // logs and crash reports: ours alone
    log_config.file = config.state_dir / "worker.log";
  }
  const auto log = make_logger(log_config);
  try {
    return serve(config, address, *log);
  } catch (const std::exception& e) {
    // Whatever ends the worker is the last line of its log.
    log->error("exit: {}; status 1", e.what());
    log->flush();
    return 1;
  }
}

}  // namespace nmtd::worker
