#include "front/systemd/notifier.h"

#include <unistd.h>

#include <charconv>
#include <cstdlib>

#include "front/systemd/notify_socket.h"

namespace nmtd::systemd {
namespace {

// STATUS is one line: a newline inside it would end the assignment, and what followed would be
// read as further assignments (a worker's error text could otherwise say "READY=1").
std::string status_line(std::string_view text) {
  std::string out = "STATUS=";
  for (const char ch : text) out += (ch == '\n' || ch == '\r') ? ' ' : ch;
  return out;
}

std::optional<unsigned long long> parse_unsigned(std::string_view text) {
  unsigned long long value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

const std::string* find(const std::map<std::string, std::string>& env, const char* name) {
  const auto it = env.find(name);
  return it == env.end() ? nullptr : &it->second;
}

}  // namespace

Notifier::Notifier(std::string socket_path, std::optional<std::chrono::microseconds> watchdog)
    : socket_path_(std::move(socket_path)) {
  // A watchdog is only kept with a socket to ping it through.
  if (enabled()) watchdog_ = watchdog;
}

Notifier Notifier::from_environment() {
  std::map<std::string, std::string> env;
  for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"})
    if (const char* value = std::getenv(name)) env[name] = value;
  return from_environment(env, ::getpid());
}

Notifier Notifier::from_environment(const std::map<std::string, std::string>& env, pid_t self) {
  std::string note;
  const auto add_note = [&note](const std::string& line) {
    note += (note.empty() ? "" : "; ") + line;
  };
  const std::string* socket = find(env, "NOTIFY_SOCKET");
  if (socket == nullptr || socket->empty()) return Notifier();
  if (!socket->starts_with('/') && !socket->starts_with('@')) {
    Notifier disabled;
    disabled.note_ = "NOTIFY_SOCKET=" + *socket +
                     " is not a unix socket path or abstract name: systemd notifications off";
    return disabled;
  }

  std::optional<std::chrono::microseconds> watchdog;
  if (const std::string* usec = find(env, "WATCHDOG_USEC")) {
    const auto value = parse_unsigned(*usec);
    bool ours = true;
    if (const std::string* pid = find(env, "WATCHDOG_PID")) {
      const auto owner = parse_unsigned(*pid);
      if (!owner) add_note("WATCHDOG_PID=" + *pid + " is not a pid: watchdog ignored");
      ours = owner && *owner == static_cast<unsigned long long>(self);
    }
    if (!value || *value == 0) {
      add_note("WATCHDOG_USEC=" + *usec + " is not a positive number: watchdog ignored");
    } else if (ours) {
      watchdog = std::chrono::microseconds(static_cast<long long>(*value));
    }
  }
  Notifier notifier(*socket, watchdog);
  notifier.note_ = std::move(note);
  return notifier;
}

std::error_code Notifier::notify(std::string_view message) const {
  if (!enabled()) return {};
  return send_datagram(socket_path_, message);
}

std::error_code Notifier::ready(std::string_view status_text) const {
  return notify(status_text.empty() ? std::string("READY=1")
                                    : "READY=1\n" + status_line(status_text));
}

std::error_code Notifier::status(std::string_view text) const { return notify(status_line(text)); }

std::error_code Notifier::watchdog() const { return notify("WATCHDOG=1"); }

std::error_code Notifier::stopping(std::string_view status_text) const {
  return notify(status_text.empty() ? std::string("STOPPING=1")
                                    : "STOPPING=1\n" + status_line(status_text));
}

std::error_code Notifier::main_pid(pid_t pid) const {
  return notify("MAINPID=" + std::to_string(pid));
}

std::error_code Notifier::extend_timeout(std::chrono::microseconds more) const {
  return notify("EXTEND_TIMEOUT_USEC=" + std::to_string(more.count()));
}

}  // namespace nmtd::systemd
