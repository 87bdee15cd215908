#pragma once
// A child process its parent owns, the one type for every process nmtd starts: the front's
// workers and the soak's server. Started with posix_spawn in its own process group (a
// terminal's Ctrl-C reaches only the parent, which then stops its children in order), killed
// and reaped when its owner goes. A worker ties its life to the front itself (`--parent-pid`:
// PR_SET_PDEATHSIG), which works because the front spawns from its supervision thread, alive as
// long as the front.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nmtd {

// How a child ended, as waitpid reported it.
struct ExitStatus {
  bool signaled = false;
  int code = 0;  // exit status, or the signal number when signaled
  bool core_dumped = false;
  std::string describe() const;  // "exited with status 1", "killed by SIGSEGV (core dumped)"
};

class ChildProcess {
 public:
  // Throws IoError when fork fails. Exec failures show as exit status 127. `output`, when
  // given, receives the child's stdout and stderr (appended; created 0600 if missing).
  static ChildProcess spawn(const std::filesystem::path& binary,
                            const std::vector<std::string>& args,
                            const std::filesystem::path& output = {});

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // A child still running is killed with SIGKILL and reaped: no zombie, no orphan.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && !exit_; }
  // Reaps the child if it ended (never blocks); its status from then on.
  const std::optional<ExitStatus>& poll();
  // Sends `signo` unless the child was already reaped (a reaped pid may belong to another).
  void signal(int signo) const;
  // Blocks until the child ends.
  const ExitStatus& wait();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_;
};

// The path of the running executable, so that children run the same build.
std::filesystem::path current_executable();

}  // namespace nmtd
