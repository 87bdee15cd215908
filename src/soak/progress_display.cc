#include "soak/progress_display.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "soak/stoppable_sleep.h"

namespace nmtd::soak {

std::string format_elapsed(double seconds) {
  const auto total = static_cast<long long>(std::max(0.0, seconds));
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%lldh%02lldm%02llds", total / 3600, total / 60 % 60,
                  total % 60);
  } else {
    std::snprintf(text, sizeof text, "%02lldm%02llds", total / 60, total % 60);
  }
  return text;
}

ProgressDisplay::ProgressDisplay(const RequestLedger& ledger, const Timeline& timeline,
                                 double planned_s, bool bar_on_terminal,
                                 std::function<uint64_t()> restarts, std::FILE* out)
    : ledger_(ledger),
      timeline_(timeline),
      planned_s_(planned_s),
      bar_(bar_on_terminal && ::isatty(::fileno(out)) != 0),
      restarts_(std::move(restarts)),
      out_(out) {}

ProgressDisplay::~ProgressDisplay() { stop(); }

void ProgressDisplay::start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    while (sleep_unless_stopped(stop, std::chrono::milliseconds(250))) tick();
  });
}

void ProgressDisplay::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
  tick();  // the last lines owed
  std::lock_guard lock(out_mu_);
  if (bar_) std::fputs("\r\033[K", out_);
  std::fflush(out_);
}

std::string ProgressDisplay::status_line(const OutcomeTally& t, double elapsed_s) const {
  const uint64_t settled = t.answered + t.failed + t.lost;
  char line[256];
  std::snprintf(line, sizeof line,
                "[soak %s] requests %llu  answered %llu  failed %llu  lost %llu  %.1f/s  "
                "restarts %llu",
                format_elapsed(elapsed_s).c_str(), static_cast<unsigned long long>(settled),
                static_cast<unsigned long long>(t.answered),
                static_cast<unsigned long long>(t.failed), static_cast<unsigned long long>(t.lost),
                elapsed_s > 0 ? static_cast<double>(settled) / elapsed_s : 0.0,
                static_cast<unsigned long long>(restarts_ ? restarts_() : 0));
  return line;
}

void ProgressDisplay::say(const std::string& line) {
  std::lock_guard lock(out_mu_);
  if (bar_) std::fputs("\r\033[K", out_);
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

void ProgressDisplay::tick() {
  const OutcomeTally t = ledger_.total();
  const double elapsed = timeline_.now_s();
  const uint64_t settled = t.answered + t.failed + t.lost;
  if (settled >= next_line_at_) {
    // One line per 100 requests, even when several hundred settled since the last tick.
    next_line_at_ = (settled / 100 + 1) * 100;
    say(status_line(t, elapsed));
  }
  if (!bar_) return;
  const double done = planned_s_ > 0 ? std::clamp(elapsed / planned_s_, 0.0, 1.0) : 0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(std::lround(done * kWidth));
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  std::lock_guard lock(out_mu_);
  std::fprintf(out_, "\r\033[K[%s] %3d%% %s / %s  %llu requests  %llu lost", bar.c_str(),
               static_cast<int>(done * 100), format_elapsed(elapsed).c_str(),
               format_elapsed(planned_s_).c_str(), static_cast<unsigned long long>(settled),
               static_cast<unsigned long long>(t.lost));
  std::fflush(out_);
}

}  // namespace nmtd::soak
