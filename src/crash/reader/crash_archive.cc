#include "crash/reader/crash_archive.h"

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <system_error>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/private_directory.h"

namespace nmtd::crash {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "crash-";
constexpr std::size_t kStampSize = 23;  // "20261124T182828.123456Z"
constexpr std::size_t kMaxLabel = 40;
constexpr std::size_t kMaxJsonBytes = 4 << 20;  // a report's JSON is a few KiB, its raw text
constexpr std::size_t kMaxTextBytes = 4 << 20;  // included (at most kMaxReportBytes)

std::string stamp(std::int64_t us) {
  const time_t seconds = static_cast<time_t>(us / 1'000'000);
  tm parts{};
  ::gmtime_r(&seconds, &parts);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &parts);
  std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(us % 1'000'000));
  return buf;
}

std::optional<std::int64_t> parse_stamp(std::string_view s) {
  if (s.size() != kStampSize || s[8] != 'T' || s[15] != '.' || s[22] != 'Z') return std::nullopt;
  const auto digits = [&](std::size_t at, std::size_t n) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const auto y = digits(0, 4), mo = digits(4, 2), d = digits(6, 2), h = digits(9, 2),
             mi = digits(11, 2), se = digits(13, 2), us = digits(16, 6);
  if (!y || !mo || !d || !h || !mi || !se || !us) return std::nullopt;
  tm parts{};
  parts.tm_year = *y - 1900;
  parts.tm_mon = *mo - 1;
  parts.tm_mday = *d;
  parts.tm_hour = *h;
  parts.tm_min = *mi;
  parts.tm_sec = *se;
  return static_cast<std::int64_t>(::timegm(&parts)) * 1'000'000 + *us;
}

// "crash-<stamp>" or "crash-<stamp>-<label>": the stamp in microseconds, or nullopt for any
// other name (which the archive never touches).
std::optional<std::int64_t> stem_stamp(std::string_view stem) {
  if (!stem.starts_with(kPrefix)) return std::nullopt;
  stem.remove_prefix(kPrefix.size());
  if (stem.size() > kStampSize && stem[kStampSize] != '-') return std::nullopt;
  return parse_stamp(stem.substr(0, std::min(stem.size(), kStampSize)));
}

// Labels go into file names: keep them short and harmless.
std::string safe_label(std::string_view label) {
  std::string out;
  for (char c : label.substr(0, kMaxLabel)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  return out;
}

std::string clip(std::string s) {
  if (s.size() > kMaxSummaryText) s.resize(kMaxSummaryText);
  return s;
}

std::int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string read_file(const fs::path& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open " + path.string() + ": " + std::strerror(errno));
  std::string text(limit, '\0');
  in.read(text.data(), static_cast<std::streamsize>(limit));
  if (in.bad()) throw IoError("cannot read " + path.string());
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

void remove_file(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) throw IoError("cannot delete " + path.string() + ": " + ec.message());
}

CrashSummary summary_from_json(const nlohmann::json& j) {
  CrashSummary s;
  s.id = j.value("id", "");
  s.worker = j.value("worker", "");
  s.stored_at = j.value("stored_at", std::int64_t{0});
  if (j.contains("time")) s.time = j.at("time").get<std::int64_t>();
  if (j.contains("pid")) s.pid = j.at("pid").get<std::int64_t>();
  s.signal = j.value("signal", 0);
  s.signal_name = clip(j.value("signal_name", ""));
  s.version = clip(j.value("version", ""));
  s.uncaught_exception = clip(j.value("uncaught_exception", ""));
  s.crashed_in = clip(j.value("crashed_in", ""));
  s.complete = j.value("complete", false);
  if (j.contains("symbolization")) {
    s.symbolized = j.at("symbolization").value("build_id_matches", false);
  }
  return s;
}

}  // namespace

nlohmann::json to_json(const CrashSummary& s) {
  nlohmann::json j = {{"id", s.id},
                      {"worker", s.worker},
                      {"stored_at", s.stored_at},
                      {"signal", s.signal},
                      {"signal_name", s.signal_name},
                      {"version", s.version},
                      {"crashed_in", s.crashed_in},
                      {"complete", s.complete},
                      {"symbolized", s.symbolized}};
  if (s.time) j["time"] = *s.time;
  if (s.pid) j["pid"] = *s.pid;
  if (!s.uncaught_exception.empty()) j["uncaught_exception"] = s.uncaught_exception;
  if (!s.error.empty()) j["error"] = s.error;
  return j;
}

CrashArchive::CrashArchive(fs::path dir, std::size_t keep) : dir_(std::move(dir)), keep_(keep) {
  try {
    create_private_directories(dir_);  // reports hold request ids and error texts
  } catch (const IoError& e) {
    throw IoError("cannot create crash archive " + dir_.string() + ": " + e.what());
  }
  load();
}

void CrashArchive::load() {
  std::set<std::string> stems;  // sorted: oldest first, since names start with the stamp
  std::error_code ec;
  fs::directory_iterator it(dir_, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    const std::string ext = path.extension().string();
    const std::string stem = path.stem().string();
    // A store() cut short: write_file_atomically's temporary, NAME.json.tmp-XXXXXX (or .tmp).
    if (ext.rfind(".tmp", 0) == 0) {
      if (stem_stamp(fs::path(stem).stem().string())) remove_file(path);
    } else if ((ext == ".txt" || ext == ".json") && stem_stamp(stem)) {
      stems.insert(stem);
    }
  }
  if (ec) throw IoError("cannot list crash archive " + dir_.string() + ": " + ec.message());
  if (!stems.empty()) newest_stamp_us_ = *stem_stamp(*stems.rbegin());
  std::size_t count = stems.size();
  for (const std::string& stem : stems) {  // oldest first: drop what is beyond keep_
    if (count <= keep_) break;
    remove_file(dir_ / (stem + ".txt"));
    remove_file(dir_ / (stem + ".json"));
    --count;
  }
  for (auto s = stems.rbegin(); s != stems.rend() && summaries_.size() < keep_; ++s) {
    CrashSummary summary;
    try {
      summary =
          summary_from_json(nlohmann::json::parse(read_file(dir_ / (*s + ".json"), kMaxJsonBytes)));
    } catch (const std::exception& e) {  // a damaged file must not stop the front
      summary.error = clip(std::string("unreadable: ") + e.what());
    }
    summary.id = *s;
    summaries_.push_back(std::move(summary));
  }
}

fs::path CrashArchive::store(const CrashReport& report, std::string_view worker) {
  if (keep_ == 0) return {};
  std::lock_guard lock(mutex_);
  const std::int64_t us = std::max(now_us(), newest_stamp_us_ + 1);
  std::string stem = std::string(kPrefix) + stamp(us);
  const std::string label = safe_label(worker);
  if (!label.empty()) stem += "-" + label;

  nlohmann::json j = to_json(report);
  j["id"] = stem;
  j["worker"] = label;
  j["stored_at"] = us / 1'000'000;
  std::string text = label.empty() ? "" : "worker " + label + "\n";
  text += format_report(report);
  text += "\n--- the report as the worker wrote it ---\n" + report.raw;
  if (!report.raw.empty() && report.raw.back() != '\n') text += "\n";

  const fs::path text_path = dir_ / (stem + ".txt");
  write_file_atomically(text_path, text, 0600);
  try {
    write_file_atomically(dir_ / (stem + ".json"), j.dump(2), 0600);
  } catch (const IoError&) {
    std::error_code ignored;  // no half-stored report: the error says what failed
    fs::remove(text_path, ignored);
    throw;
  }
  newest_stamp_us_ = us;
  CrashSummary summary = summary_from_json(j);
  summaries_.insert(summaries_.begin(), std::move(summary));
  rotate();
  return text_path;
}

void CrashArchive::rotate() {
  while (summaries_.size() > keep_) {
    const std::string stem = summaries_.back().id;
    summaries_.pop_back();
    remove_file(dir_ / (stem + ".txt"));
    remove_file(dir_ / (stem + ".json"));
  }
}

std::vector<CrashSummary> CrashArchive::recent() const {
  std::lock_guard lock(mutex_);
  return summaries_;
}

std::string CrashArchive::read_text(std::string_view id) const {
  fs::path path;
  {
    std::lock_guard lock(mutex_);
    const auto it = std::find_if(summaries_.begin(), summaries_.end(),
                                 [&](const CrashSummary& s) { return s.id == id; });
    if (it == summaries_.end()) {
      throw InvalidArgument("no crash report " + std::string(id) + " in " + dir_.string());
    }
    path = dir_ / (it->id + ".txt");
  }
  return read_file(path, kMaxTextBytes);
}

}  // namespace nmtd::crash
