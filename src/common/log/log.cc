#include "common/log/log.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "common/error.h"

namespace nmtd {

std::shared_ptr<Logger> make_logger(const LogConfig& config) {
  const auto level = spdlog::level::from_str(config.level);
  // from_str maps anything unknown to "off": refuse instead of silently logging nothing.
  if (level == spdlog::level::off && config.level != "off") {
    throw InvalidArgument("unknown log level '" + config.level +
                          "' (trace, debug, info, warn, error, critical, off)");
  }
  std::vector<spdlog::sink_ptr> sinks;
  if (config.to_stderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (!config.file.empty()) {
    try {
      // Log lines carry request ids and error texts: each file (the rotated ones are renamed
      // from it) is the owner's alone, whatever the umask.
      spdlog::file_event_handlers owner_only;
      owner_only.after_open = [](const spdlog::filename_t&, std::FILE* file) {
        ::fchmod(::fileno(file), 0600);
      };
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          config.file.string(), config.max_file_bytes, config.max_files, false, owner_only));
    } catch (const spdlog::spdlog_ex& e) {
      throw IoError("cannot open log file " + config.file.string() + ": " + e.what());
    }
  }
  auto logger = std::make_shared<Logger>(config.name, sinks.begin(), sinks.end());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ " + config.name + "[" +
                      std::to_string(::getpid()) + "] %v");
  logger->set_level(level);
  // Info lines are rare (start, configuration, one resource sample a minute, exits) and each
  // may be the last thing a SIGKILLed process says, so they reach the file at once too;
  // per-request debug lines are written with the next one.
  logger->flush_on(spdlog::level::info);
  return logger;
}

}  // namespace nmtd
