#include "front/child_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/error.h"

extern char** environ;

namespace nmtd::front {

namespace {

ExitStatus decode(int status) {
  ExitStatus s;
  if (WIFSIGNALED(status)) {
    s.signaled = true;
    s.code = WTERMSIG(status);
    s.core_dumped = WCOREDUMP(status);
  } else {
    s.code = WEXITSTATUS(status);
  }
  return s;
}

}  // namespace

std::string signal_name(int signo) {
  const char* abbrev = sigabbrev_np(signo);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signo);
}

std::string ExitStatus::describe() const {
  if (!signaled) return "exited with status " + std::to_string(code);
  return "killed by " + signal_name(code) + (core_dumped ? " (core dumped)" : "");
}

ChildProcess ChildProcess::spawn(const std::filesystem::path& binary,
                                 const std::vector<std::string>& args) {
  // Everything the child touches is prepared before fork: after it, in a threaded parent, only
  // async-signal-safe calls are allowed.
  const std::string path = binary.string();
  std::vector<std::string> argv_storage;
  argv_storage.push_back(path);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The workers are not the service systemd watches: its notify socket is the front's alone.
  std::vector<char*> envp;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    if (entry.starts_with("NOTIFY_SOCKET=") || entry.starts_with("WATCHDOG_USEC=") ||
        entry.starts_with("WATCHDOG_PID="))
      continue;
    envp.push_back(*e);
  }
  envp.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) throw IoError(std::string("cannot start a worker: fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Dies with the front. The signal is tied to the forking thread, so the front forks from its
    // supervision thread, which lives as long as the front does.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);  // the front died before prctl took effect
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the front blocks SIGTERM/SIGINT in all threads
    ::signal(SIGPIPE, SIG_DFL);
    ::close_range(3, ~0U, 0);  // the front's sockets and files are not the worker's business
    ::execve(path.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), exit_(std::move(other.exit_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    ChildProcess dying(std::move(*this));
    pid_ = std::exchange(other.pid_, -1);
    exit_ = std::move(other.exit_);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0 || exit_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

const std::optional<ExitStatus>& ChildProcess::poll() {
  if (pid_ > 0 && !exit_) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) exit_ = decode(status);
  }
  return exit_;
}

void ChildProcess::signal(int signo) const {
  if (pid_ > 0 && !exit_) ::kill(pid_, signo);
}

const ExitStatus& ChildProcess::wait() {
  while (pid_ > 0 && !exit_) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, 0);
    if (r == pid_) exit_ = decode(status);
    if (r < 0 && errno != EINTR) exit_ = ExitStatus{};
  }
  return *exit_;
}

std::filesystem::path current_executable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw IoError("cannot find the nmtd executable (/proc/self/exe): " + ec.message());
  return p;
}

}  // namespace nmtd::front
