#pragma once
// Talks to systemd as a Type=notify service does (sd_notify(3)), without libsystemd: READY=1
// once the service can translate, STATUS=..., WATCHDOG=1 from the supervision loop while it
// makes progress, STOPPING=1 when draining. Outside systemd (no NOTIFY_SOCKET) every call is a
// no-op that succeeds. Sends never throw and never block: each returns its error for the
// caller to log, so a service manager in trouble cannot stop the supervision loop.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace nmtd::systemd {

class Notifier {
 public:
  Notifier() = default;  // disabled
  // `socket_path`: a filesystem path, or '@' + an abstract name; empty = disabled.
  // `watchdog`: the interval systemd expects WATCHDOG=1 within (WatchdogSec).
  explicit Notifier(std::string socket_path,
                    std::optional<std::chrono::microseconds> watchdog = std::nullopt);

  // NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from this process's environment.
  static Notifier from_environment();
  // The same from a given environment, for a process whose pid is `self`: a WATCHDOG_PID
  // naming another process means the watchdog is not ours, so it is ignored.
  static Notifier from_environment(const std::map<std::string, std::string>& env, pid_t self);

  bool enabled() const { return !socket_path_.empty(); }
  const std::string& socket_path() const { return socket_path_; }
  // systemd's WatchdogSec; send watchdog() at least twice per interval (sd_watchdog_enabled(3)).
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }
  // Why from_environment() ignored what it found (a WATCHDOG_USEC that is not a number, a
  // NOTIFY_SOCKET that is not a unix socket), for the caller to log; empty when nothing was.
  const std::string& note() const { return note_; }

  std::error_code ready(std::string_view status_text = {}) const;     // READY=1 [+ STATUS]
  std::error_code status(std::string_view text) const;                // STATUS=text
  std::error_code watchdog() const;                                   // WATCHDOG=1
  std::error_code stopping(std::string_view status_text = {}) const;  // STOPPING=1 [+ STATUS]
  std::error_code main_pid(pid_t pid) const;                          // MAINPID=pid
  // EXTEND_TIMEOUT_USEC: more time to start or stop (a large model loading slowly).
  std::error_code extend_timeout(std::chrono::microseconds more) const;
  // Any newline-separated assignments, sent as one datagram.
  std::error_code notify(std::string_view message) const;

 private:
  std::string socket_path_;
  std::optional<std::chrono::microseconds> watchdog_;
  std::string note_;
};

}  // namespace nmtd::systemd
