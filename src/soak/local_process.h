#pragma once
// Is a pid from GetStatus the nmtd process it claims to be, here on this machine? Pids in a
// GetStatus answer may belong to another machine or pid namespace (an attached server), or to
// a stranger once the process died and its pid was reused; the soak must then neither signal
// nor measure it.
#include <sys/types.h>

#include <optional>
#include <string>

namespace nmtd::soak {

// The front (or a worker the soak is attached to directly): an nmtd process running `command`
// ("serve" or "worker").
bool is_local_nmtd(pid_t pid, const std::string& command);
// A worker of the front `front_pid`: `nmtd worker` whose parent is that front.
bool is_local_worker_of(pid_t pid, pid_t front_pid);

// A pidfd for `pid` after the check passed: signals sent through it cannot reach another
// process even if the pid is reused meanwhile. Closes on destruction.
class PidHandle {
 public:
  explicit PidHandle(pid_t pid);  // invalid() when the process is gone
  ~PidHandle();
  PidHandle(const PidHandle&) = delete;
  PidHandle& operator=(const PidHandle&) = delete;
  bool valid() const { return fd_ >= 0; }
  // 0, or the errno of the failure (ESRCH: already gone, EPERM: not ours to signal).
  int send(int signo) const;

 private:
  int fd_ = -1;
};

}  // namespace nmtd::soak
