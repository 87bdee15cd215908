#include "common/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/error.h"
#include "common/signal_watcher.h"

extern char** environ;

namespace nmtd {

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

std::string ExitStatus::describe() const {
  if (!signaled) return "exited with status " + std::to_string(code);
  return "killed by " + signal_name(code) + (core_dumped ? " (core dumped)" : "");
}

ChildProcess ChildProcess::spawn(const std::filesystem::path& binary,
                                 const std::vector<std::string>& args,
                                 const std::filesystem::path& output) {
  const std::string path = binary.string();
  std::vector<std::string> argv_storage;
  argv_storage.push_back(path);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Children are not the service systemd watches: its notify socket is the parent's alone.
  std::vector<char*> envp;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    if (entry.starts_with("NOTIFY_SOCKET=") || entry.starts_with("WATCHDOG_USEC=") ||
        entry.starts_with("WATCHDOG_PID="))
      continue;
    envp.push_back(*e);
  }
  envp.push_back(nullptr);

  // posix_spawn rather than fork: no copy of a threaded process that might run anything but
  // exec (fork also breaks under AddressSanitizer). The child gets its own process group, an
  // empty signal mask (the front blocks SIGTERM/SIGINT in all its threads), default SIGPIPE,
  // and none of the parent's descriptors beyond stdio.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!output.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  }
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, path.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc == ENOENT || rc == EACCES || rc == ENOEXEC) {
    // As fork+exec would report it: a child that could not run its program exits 127.
    ExitStatus failed;
    failed.code = 127;
    ChildProcess child(-1);
    child.exit_ = failed;
    return child;
  }
  if (rc != 0) throw IoError("cannot start " + path + ": posix_spawn: " + std::strerror(rc));
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

}  // namespace nmtd
