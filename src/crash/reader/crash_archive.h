#pragma once
// The last few symbolized crash reports, kept on disk so that a restarted front still shows
// the crashes that made it restart.
//
// Each report is stored as two files in the archive directory, named by the time it was
// stored (UTC, microseconds, strictly increasing within the directory) and the worker:
//   crash-20261124T182828.123456Z-worker-1.txt   format_report() and then the raw report
//   crash-20261124T182828.123456Z-worker-1.json  to_json() plus "id", "worker", "stored_at"
// Only files with exactly that shape are touched, so the directory may be shared (a worker's
// own crash-<pid>.txt is left alone). Thread-safe; memory holds one small summary per report.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crash/reader/crash_report.h"

namespace nmtd::crash {

// What a status page lists per crash (the whole report is in the files).
struct CrashSummary {
  std::string id;                    // the files' common name, without extension
  std::string worker;                // the label given to store()
  std::int64_t stored_at = 0;        // unix seconds
  std::optional<std::int64_t> time;  // of the crash, unix seconds, when the report says
  std::optional<std::int64_t> pid;
  int signal = 0;
  std::string signal_name;
  std::string version;
  std::string uncaught_exception;  // at most kMaxSummaryText bytes, as all text fields here
  std::string crashed_in;          // describe_frame(culprit_frame())
  bool complete = false;
  bool symbolized = false;  // the executable's build id matched
  std::string error;        // set when the stored JSON could not be read back
};

inline constexpr std::size_t kMaxSummaryText = 512;

nlohmann::json to_json(const CrashSummary& summary);

class CrashArchive {
 public:
  // Creates `dir` if needed and reads back the summaries of the reports already there,
  // deleting the oldest beyond `keep` (0 keeps none: store() then writes nothing). Throws
  // nmtd::IoError naming the path when the directory cannot be created or listed.
  CrashArchive(std::filesystem::path dir, std::size_t keep);

  // Writes `report` (symbolized or not) for `worker` and deletes the oldest beyond `keep`.
  // Returns the .txt file's path (empty when keep is 0). Throws nmtd::IoError naming the
  // path on any file error.
  std::filesystem::path store(const CrashReport& report, std::string_view worker);

  // Newest first, at most `keep`.
  std::vector<CrashSummary> recent() const;

  // The stored text of the report `id` (one of recent()'s ids). Throws nmtd::InvalidArgument
  // for an id not in the archive, nmtd::IoError when its file cannot be read.
  std::string read_text(std::string_view id) const;

  const std::filesystem::path& dir() const { return dir_; }
  std::size_t keep() const { return keep_; }

 private:
  void load();
  void rotate();  // with mutex_ held

  const std::filesystem::path dir_;
  const std::size_t keep_;
  mutable std::mutex mutex_;
  std::vector<CrashSummary> summaries_;  // newest first, size <= keep_
  std::int64_t newest_stamp_us_ = 0;     // of the newest stored name; new names go after it
};

}  // namespace nmtd::crash
