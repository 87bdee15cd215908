#include "soak/local_process.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <vector>

namespace nmtd::soak {
namespace {

std::vector<std::string> command_line(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::vector<std::string> args;
  std::string arg;
  while (std::getline(in, arg, '\0')) args.push_back(arg);
  return args;
}

std::optional<pid_t> parent_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PPid:", 0) == 0) {
      try {
        return static_cast<pid_t>(std::stol(line.substr(5)));
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

// argv[0] names an nmtd binary and argv[1] is the command.
bool runs_nmtd(const std::vector<std::string>& args, const std::string& command) {
  if (args.size() < 2 || args[1] != command) return false;
  const auto slash = args[0].rfind('/');
  const std::string name = slash == std::string::npos ? args[0] : args[0].substr(slash + 1);
  return name.find("nmtd") != std::string::npos;
}

}  // namespace

bool is_local_nmtd(pid_t pid, const std::string& command) {
  return pid > 0 && runs_nmtd(command_line(pid), command);
}

bool is_local_worker_of(pid_t pid, pid_t front_pid) {
  return pid > 0 && front_pid > 0 && parent_of(pid) == front_pid &&
         runs_nmtd(command_line(pid), "worker");
}

PidHandle::PidHandle(pid_t pid) { fd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

PidHandle::~PidHandle() {
  if (fd_ >= 0) ::close(fd_);
}

int PidHandle::send(int signo) const {
  if (fd_ < 0) return ESRCH;
  if (::syscall(SYS_pidfd_send_signal, fd_, signo, nullptr, 0) == 0) return 0;
  return errno;
}

}  // namespace nmtd::soak
