#pragma once
// What a person watching the soak sees: a line every 100 settled requests (requests, errors,
// elapsed, rate, restarts) and, when stdout is a terminal, a progress bar redrawn in place
// below those lines.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "soak/request_ledger.h"
#include "soak/timeline.h"

namespace nmtd::soak {

class ProgressDisplay {
 public:
  // `restarts` is asked for the restarts seen so far when a line is printed.
  ProgressDisplay(const RequestLedger& ledger, const Timeline& timeline, double planned_s,
                  bool bar_on_terminal, std::function<uint64_t()> restarts, std::FILE* out);
  ~ProgressDisplay();  // stop()
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  void start();
  void stop();  // clears the bar
  // Prints a line above the bar (or plainly without one).
  void say(const std::string& line);

 private:
  void tick();
  std::string status_line(const OutcomeTally& t, double elapsed_s) const;

  const RequestLedger& ledger_;
  const Timeline& timeline_;
  const double planned_s_;
  const bool bar_;
  std::function<uint64_t()> restarts_;
  std::FILE* out_;
  std::mutex out_mu_;
  uint64_t next_line_at_ = 100;
  std::jthread thread_;
};

// "1h02m03s" / "02m03s".
std::string format_elapsed(double seconds);

}  // namespace nmtd::soak
