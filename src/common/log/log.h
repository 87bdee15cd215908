#pragma once
// One logger per process, made in main and passed down by reference: stderr and, when a file
// is named, a size-rotated file. One line per event; flushed at info and above (and by
// whoever exits, through flush()), so the last lines before a death are on disk.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace nmtd {

using Logger = spdlog::logger;

struct LogConfig {
  std::string name = "nmtd";   // shown in every line, with the pid
  std::filesystem::path file;  // empty: stderr only
  std::size_t max_file_bytes = 16u << 20;
  std::size_t max_files = 4;   // rotated copies kept besides the live file
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  bool to_stderr = true;
};

// Throws InvalidArgument for an unknown level, IoError when the file cannot be opened.
std::shared_ptr<Logger> make_logger(const LogConfig& config);

}  // namespace nmtd
