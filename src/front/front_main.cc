#include "front/front_main.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "common/child_process.h"
#include "common/environment.h"
#include "common/error.h"
#include "common/heap_release.h"
#include "common/log/stop_signals.h"
#include "common/private_directory.h"
#include "common/shutdown.h"
#include "common/signal_watcher.h"
#include "crash/crash_reporter.h"
#include "crash/terminate_handler.h"
#include "front/api/baketa/baketa_service.h"
#include "front/api/fallback_detector.h"
#include "front/api/front_http.h"
#include "front/api/front_service.h"
#include "front/api/libretranslate_backend.h"
#include "front/config/configuration.h"
#include "front/dispatch/model_languages.h"
#include "front/dispatch/translation_facade.h"
#include "front/dispatch/worker_forwarder.h"
#include "front/libretranslate/api.h"
#include "front/libretranslate/api_keys.h"
#include "front/runtime_dir.h"
#include "front/systemd/notifier.h"
#include "rpc/health_service.h"
#include "rpc/server_policy.h"

namespace nmtd::front {
namespace {

constexpr std::size_t kMaxMessageBytes = 64u << 20;

std::unique_ptr<grpc::Server> start_grpc(const FrontConfig& config, FrontService& service,
                                         BaketaService& baketa, rpc::HealthService& health,
                                         Logger& log, int& bound_port) {
  grpc::EnableDefaultHealthCheckService(false);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  const std::string address = config.host + ":" + std::to_string(config.port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  builder.RegisterService(&baketa);
  builder.RegisterService(&health);
  rpc::apply_server_policy(builder, kMaxMessageBytes);
  auto server = builder.BuildAndStart();
  if (!server || port == 0)
    throw Error("cannot listen on " + address + " (in use, or not permitted)");
  log.info("gRPC listening on {}:{}", config.host, port);
  bound_port = port;
  return server;
}

// The LibreTranslate API keys of api_keys_file; null when it is not set. A file that cannot be
// read or holds an error stops the start (IoError, InvalidArgument): running without the keys
// the operator asked for would open the API to everyone.
std::shared_ptr<libretranslate::ApiKeys> load_api_keys(const FrontConfig& config, Logger& log) {
  if (config.api_keys_file.empty()) return nullptr;
  auto keys = std::make_shared<libretranslate::ApiKeys>(
      libretranslate::read_api_keys_file(config.api_keys_file));
  log.info("LibreTranslate API: {} API keys from {} (reread on SIGHUP)", keys->size(),
           config.api_keys_file.string());
  if (config.http_port == 0)
    log.warn("api_keys_file is set but http_port is 0: there is no LibreTranslate API to use it");
  return keys;
}

void reload_api_keys(const FrontConfig& config,
                     const std::shared_ptr<libretranslate::ApiKeys>& keys, Logger& log) {
  if (!keys) {
    log.info("SIGHUP received: nothing to reload (api_keys_file is not set)");
    return;
  }
  try {
    auto loaded = libretranslate::read_api_keys_file(config.api_keys_file);
    const std::size_t count = loaded.size();
    keys->replace(std::move(loaded));
    log.info("SIGHUP received: {} API keys reloaded from {}", count, config.api_keys_file.string());
  } catch (const std::exception& e) {
    log.error("SIGHUP received: API keys NOT reloaded, the previous {} stay in force: {}",
              keys->size(), e.what());
  }
}

int serve(const FrontConfig& config, Logger& log, const std::filesystem::path& runtime_dir) {
  log.info("nmtd serve {} starting: pid {}; effective configuration:\n{}", NMTD_VERSION, ::getpid(),
           describe(config));
  const int cores = available_cores();
  log.info("engine threads per worker: {} ({}; {} workers, {} cores available)",
           threads_per_worker(config, cores),
           config.worker.threads > 0 ? "worker.threads" : "cores shared out", config.workers,
           cores);
  const auto state_dir = config.state_dir.empty() ? runtime_dir : config.state_dir;
  crash::CrashReporter crash_reporter(
      {.report_dir = state_dir, .program = "nmtd serve", .version = NMTD_VERSION});
  crash::install_terminate_handler();
  crash::CrashArchive archive(state_dir / "crash-reports",
                              static_cast<std::size_t>(config.crash_reports_kept));

  const auto notifier = systemd::Notifier::from_environment();
  if (!notifier.note().empty()) log.warn("systemd: {}", notifier.note());
  // NOT_SERVING until a worker is ready. Baketa's launcher checks "" and "translation_engine".
  rpc::HealthService health(
      {"nmt.v1.Translator", "baketa.translation.v1.TranslationService", "translation_engine"});
  int grpc_port = config.port;
  std::atomic<bool> draining{false};
  std::atomic<bool> announced_ready{false};
  Router router(static_cast<std::size_t>(config.requests.hold_queue_capacity));
  FrontMetrics metrics(config.workers);

  auto last_watchdog = std::chrono::steady_clock::now();
  ModelLanguages languages(router);
  SupervisorHooks hooks;
  hooks.on_readiness = [&](const Readiness& readiness) {
    // Unloaded for idleness, the front still takes calls: the next one starts a worker and
    // waits for it (docs/front.md, "Idle unload").
    const bool serving = readiness.takes_calls();
    health.set_all(serving && !draining);
    std::string status = std::to_string(readiness.ready) + " of " +
                         std::to_string(readiness.wanted) + " workers ready";
    if (readiness.unloaded) status += ", unloaded while idle";
    if (serving) {
      log.info("{}: serving", status);
    } else {
      log.warn("{}: NOT serving", status);
    }
    if (serving && !announced_ready.exchange(true)) {
      notifier.ready(status);
      // Launchers (Baketa's among them) wait for these two lines: only once a translation can
      // be served, and with no word on the stderr one that reads as a failure.
      log.info("[SERVER_START] nmtd serve {} ready: translations served on {}:{}", NMTD_VERSION,
               config.host, grpc_port);
      std::printf("nmtd translation server is running on %s:%d\n", config.host.c_str(), grpc_port);
      std::fflush(stdout);
      languages.prefetch();
    } else {
      notifier.status(status);
    }
  };
  hooks.on_turn = [&] {
    const auto interval = notifier.watchdog_interval();
    if (!interval) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_watchdog >= *interval / 2) {
      last_watchdog = now;
      notifier.watchdog();
    }
  };
  Supervisor supervisor(config, runtime_dir, router, &archive, log, std::move(hooks));
  WorkerForwarder forwarder(router,
                            {config.requests.max_attempts, config.requests.default_deadline}, log,
                            [&metrics] { metrics.record_retry(); });
  const StatusSources status_sources{
      config, router, supervisor, metrics, forwarder, &archive, std::chrono::steady_clock::now()};
  FrontService service({forwarder, router, languages, metrics, status_sources});
  // 4 bytes per character at most: the facade's byte bound never refuses what the APIs' character
  // bound lets through.
  TranslationFacade facade(
      forwarder, 4 * static_cast<std::size_t>(config.requests.max_text_chars),
      DispatchLimits::for_workers(config.worker.queue_capacity, config.workers));
  const lang::Cld2Detector cld2;
  const FallbackDetector detector(cld2, config.requests.auto_fallback_language);
  BaketaLimits baketa_limits;
  baketa_limits.max_text_chars = static_cast<std::size_t>(config.requests.max_text_chars);
  BaketaService baketa({forwarder, metrics, languages, facade}, &detector, baketa_limits);
  LibreTranslateBackend lt_backend(languages, facade, &detector, config.requests.max_text_chars);
  const libretranslate::RegistryLanguageNames lt_names;

  StopRequest stop;
  const SignalWatcher signals = watch_stop_signals(stop, log);
  const auto api_keys = load_api_keys(config, log);
  // SIGHUP rereads the key file; until it reads whole and valid, the keys in force stay.
  const SignalWatcher reload_signal({SIGHUP},
                                    [&](int, int) { reload_api_keys(config, api_keys, log); });

  auto server = start_grpc(config, service, baketa, health, log, grpc_port);
  std::unique_ptr<http::HttpServer> http_server;
  if (config.http_port > 0) {
    http::HttpServerConfig http_config;
    http_config.host = config.host;
    http_config.port = config.http_port;
    http_config.header_timeout = config.http.header_timeout;
    http_config.max_connections = static_cast<std::size_t>(config.http.max_connections);
    http_config.max_connections_per_address =
        static_cast<std::size_t>(config.http.max_connections_per_address);
    http_server = std::make_unique<http::HttpServer>(http_config, log);
    mount_endpoints(*http_server, status_sources, metrics, supervisor, router);
    libretranslate::Options lt_options;
    lt_options.char_limit = config.requests.max_text_chars;
    lt_options.deadline = config.requests.default_deadline;
    lt_options.on_translate = [&metrics](int status, std::chrono::nanoseconds took) {
      metrics.record_http(FrontMetrics::kLibreTranslate, status, took);
    };
    lt_options.api_keys = api_keys;
    libretranslate::mount(*http_server, lt_backend, lt_names, lt_options);
    const int port = http_server->start();
    log.info("HTTP listening on {}:{}", config.host, port);
  }
  supervisor.start();

  const int signo = stop.wait();
  const auto exit_limit = config.drain_timeout * 2 + std::chrono::seconds(10);
  return drain_and_exit(signo, exit_limit, log, [&]() -> std::optional<std::string> {
    draining = true;
    forwarder.set_draining();
    health.set_all(false);
    notifier.stopping("draining");
    // In-flight calls finish on the workers, which still run; new ones are refused.
    server->Shutdown(std::chrono::system_clock::now() + config.drain_timeout);
    health.shutdown();
    supervisor.stop(config.drain_timeout);
    if (http_server) http_server->stop();
    return std::nullopt;
  });
}

}  // namespace

int run_front(const FrontConfig& config) {
  bound_mmap_threshold();
  SignalBlock block_signals({SIGTERM, SIGINT, SIGHUP});  // before any thread exists
  ::signal(SIGPIPE, SIG_IGN);
  const PeriodicHeapRelease heap_release;
  LogConfig log_config;
  log_config.name = "front";
  log_config.level = config.log_level;
  if (!config.state_dir.empty()) {
    create_private_directories(config.state_dir);  // logs and crash reports: ours alone
    log_config.file = config.state_dir / "front.log";
  }
  const auto log = make_logger(log_config);
  try {
    const auto runtime_path =
        resolve_runtime_dir(config, process_environment(), ::getpid(), ::getuid());
    // A front killed by SIGKILL left its directory (and its workers' sockets) behind.
    for (const auto& stale : remove_stale_runtime_dirs(runtime_path, ::getpid(), ::getuid()))
      log->info("removed {}, left by a front that no longer runs", stale.string());
    RuntimeDir runtime_dir(runtime_path);
    return serve(config, *log, runtime_dir.path());
  } catch (const std::exception& e) {
    log->error("exit: {}; status 1", e.what());
    log->flush();
    return 1;
  }
}

}  // namespace nmtd::front
