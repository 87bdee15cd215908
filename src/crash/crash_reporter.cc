#include "crash/crash_reporter.h"

#include <elf.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <iterator>

#include "common/error.h"
#include "crash/report_writer.h"

namespace nmtd::crash {

namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
constexpr std::size_t kSignalCount = std::size(kSignals);
constexpr int kMaxFrames = 64;

}  // namespace

// Everything the signal handler reads, prepared by the constructor so that the handler needs
// no allocation, no lock and no filesystem lookup.
struct CrashReporter::State {
  ~State() {
    if (fd >= 0) ::close(fd);
    if (dir_fd >= 0) ::close(dir_fd);
  }

  // The report directory, opened up front so that the handler creates the report file with
  // openat() (async-signal-safe) only when there is a crash to write: a process that dies
  // any other way (SIGKILL included) leaves no empty crash-<pid>.txt behind.
  int dir_fd = -1;          // -1: stderr only
  char file_name[64] = {};  // crash-<pid>.txt, relative to dir_fd
  int fd = -1;              // the report file once the handler has created it
  int stderr_fd = -1;       // STDERR_FILENO, or -1 when not copying the report to stderr
  const InFlightRing* in_flight = nullptr;
  char program[128] = {};
  char version[64] = {};
  char build_id[2 * 64 + 1] = {};              // hex; build ids are 20 bytes (SHA-1) in practice
  char exception[512] = {};                    // the terminate handler's line, exception_len bytes
  std::atomic<bool> exception_claimed{false};  // the first terminating thread writes `exception`
  std::atomic<std::size_t> exception_len{0};
  std::atomic<pid_t> handling_tid{0};  // the thread writing the report, 0 before any crash
  struct sigaction old_actions[kSignalCount] = {};
};

namespace {

// The one global: a signal handler receives no context pointer, so it finds the active
// reporter's preallocated state through this. Set and cleared only by CrashReporter's
// constructor and destructor; at most one reporter is active at a time.
std::atomic<CrashReporter::State*> g_active{nullptr};

template <std::size_t N>
void copy_truncated(char (&to)[N], std::string_view from) {
  const std::size_t n = from.size() < N - 1 ? from.size() : N - 1;
  std::memcpy(to, from.data(), n);
  to[n] = '\0';
}

const char* signal_name(int sig) noexcept {
  switch (sig) {
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
    case SIGABRT:
      return "SIGABRT";
    default:
      return "?";
  }
}

// dl_iterate_phdr visits the main program first: reads its NT_GNU_BUILD_ID note as hex.
int find_build_id(dl_phdr_info* info, std::size_t, void* data) {
  auto& out = *static_cast<char(*)[sizeof CrashReporter::State::build_id]>(data);
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& phdr = info->dlpi_phdr[i];
    if (phdr.p_type != PT_NOTE) continue;
    // Notes are padded to the segment's alignment: 4, or 8 (e.g. .note.gnu.property).
    const std::uintptr_t align = phdr.p_align == 8 ? 8 : 4;
    const auto pad = [align](std::uintptr_t n) { return (n + align - 1) & ~(align - 1); };
    const auto begin = static_cast<std::uintptr_t>(info->dlpi_addr + phdr.p_vaddr);
    const std::uintptr_t end = begin + phdr.p_memsz;
    std::uintptr_t at = begin;
    while (at + sizeof(ElfW(Nhdr)) <= end) {
      const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(at);
      const std::uintptr_t name = at + sizeof(ElfW(Nhdr));
      const std::uintptr_t desc = begin + pad(name - begin + note->n_namesz);
      if (desc > end || note->n_descsz > end - desc) break;  // a malformed note: stop
      if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
          std::memcmp(reinterpret_cast<const char*>(name), "GNU", 4) == 0) {
        std::size_t n = 0;
        for (std::size_t b = 0; b < note->n_descsz && n + 2 < sizeof out; ++b) {
          const auto byte = *reinterpret_cast<const unsigned char*>(desc + b);
          out[n++] = kHex[byte >> 4];
          out[n++] = kHex[byte & 0xf];
        }
        out[n] = '\0';
        return 1;
      }
      at = begin + pad(desc - begin + note->n_descsz);
    }
  }
  return 1;  // only the main program
}

// Default action for `sig`, delivered now: the process dies by that signal (with a core dump
// where enabled) exactly as it would have without a handler.
void die_by(int sig) noexcept {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, sig);
  ::pthread_sigmask(SIG_UNBLOCK, &unblock, nullptr);
  ::raise(sig);
  // Still alive: the signal was a fault, and returning re-executes the faulting instruction.
}

void write_report(CrashReporter::State& state, int sig, const siginfo_t* info) noexcept {
  if (state.dir_fd >= 0) {
    // 0600: a report holds request ids and error texts. O_NOFOLLOW: never write through a
    // link planted under our name. A file left by an earlier process with our pid is
    // replaced, as the supervisor archives each report when its process dies.
    state.fd = ::openat(state.dir_fd, state.file_name,
                        O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (state.fd < 0) state.stderr_fd = STDERR_FILENO;  // the report must land somewhere
  }
  detail::ReportWriter out(state.fd, state.stderr_fd);
  out.str("\n=== nmtd crash report ===\n");
  out.str("program: ").str(state.program).str("  version: ").str(state.version);
  out.str("  build-id: ").str(state.build_id).str("\n");
  out.str("signal: ").dec(sig).str(" (").str(signal_name(sig)).str(") code: ");
  const int code = info ? info->si_code : 0;
  out.dec(code).str(" fault address: ");
  if (info == nullptr || code <= 0) {
    // Sent by kill/raise/abort: there is no faulting address (si_addr would alias si_pid).
    out.str("0x0 (none: sent by pid ").dec(info ? info->si_pid : 0).str(")");
  } else {
    out.hex(reinterpret_cast<std::uintptr_t>(info->si_addr));
  }
  char thread_name[17] = {};
  ::prctl(PR_GET_NAME, thread_name, 0, 0, 0);
  out.str("\npid: ").dec(::getpid()).str("  thread: ").dec(::gettid());
  out.str(" (").str(thread_name).str(")\n");
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  out.str("time: ").dec(now.tv_sec).str(" (unix seconds)\n");
  const std::size_t exception_len = state.exception_len.load(std::memory_order_acquire);
  if (exception_len > 0) out.str(state.exception, exception_len).str("\n");
  if (state.in_flight != nullptr) {
    out.str("requests in flight (").udec(state.in_flight->busy()).str("):\n");
    out.flush();
    for (int fd : {state.fd, state.stderr_fd}) {
      if (fd >= 0) state.in_flight->write_ids(fd);
    }
  }
  void* frames[kMaxFrames];
  const int depth = ::backtrace(frames, kMaxFrames);
  out.str("stack (").dec(depth).str(" frames):\n");
  for (int i = 0; i < depth; ++i) {
    out.str("  #").dec(i).str(" ").hex(reinterpret_cast<std::uintptr_t>(frames[i])).str("\n");
  }
  out.str("symbolized:\n");
  out.flush();
  for (int fd : {state.fd, state.stderr_fd}) {
    if (fd >= 0) ::backtrace_symbols_fd(frames, depth, fd);  // writes, never allocates
  }
  out.str("=== end of crash report ===\n");
  out.flush();
  if (state.fd >= 0) ::fsync(state.fd);
}

extern "C" void on_fatal_signal(int sig, siginfo_t* info, void*) {
  CrashReporter::State* state = g_active.load(std::memory_order_acquire);
  if (state == nullptr) return die_by(sig);
  const pid_t self = ::gettid();
  pid_t first = 0;
  if (!state->handling_tid.compare_exchange_strong(first, self)) {
    // A crash inside the handler (first == self) dies at once. Another thread crashing while
    // the first writes its report waits a while for that report to finish and kill the
    // process, so as not to cut it short.
    if (first != self) {
      for (int i = 0; i < 100; ++i) {
        timespec tenth{0, 100'000'000};
        ::nanosleep(&tenth, nullptr);
      }
    }
    return die_by(sig);
  }
  write_report(*state, sig, info);
  die_by(sig);
}

}  // namespace

CrashReporter::CrashReporter(const CrashReporterConfig& config)
    : state_(std::make_unique<State>()) {
  State& state = *state_;
  copy_truncated(state.program, config.program);
  copy_truncated(state.version, config.version);
  state.in_flight = config.in_flight;
  State* none = nullptr;
  if (!g_active.compare_exchange_strong(none, &state, std::memory_order_acq_rel)) {
    throw Error("a CrashReporter is already active in this process");
  }
  try {
    dl_iterate_phdr(find_build_id, &state.build_id);
    if (state.build_id[0] == '\0') copy_truncated(state.build_id, "none");
    // The first backtrace() loads libgcc_s (dlopen, malloc): do it now, not in the handler.
    void* frames[4];
    ::backtrace(frames, 4);
    alt_stack_ = std::make_unique<AltStackScope>();
    if (!config.report_dir.empty()) {
      const std::string name = "crash-" + std::to_string(::getpid()) + ".txt";
      copy_truncated(state.file_name, name);
      path_ = config.report_dir / name;
      // The directory is opened (and checked writable) now; the file is created at crash
      // time, relative to this descriptor, so that a rename or unmount of the path since
      // cannot send it elsewhere.
      state.dir_fd = ::open(config.report_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (state.dir_fd < 0 || ::faccessat(state.dir_fd, ".", W_OK | X_OK, AT_EACCESS) != 0) {
        throw IoError("cannot write crash reports to " + config.report_dir.string() + ": " +
                      std::strerror(errno));
      }
    }
    state.stderr_fd = (config.also_stderr || state.dir_fd < 0) ? STDERR_FILENO : -1;
  } catch (...) {
    g_active.store(nullptr, std::memory_order_release);
    throw;
  }
  struct sigaction action {};
  action.sa_sigaction = on_fatal_signal;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (std::size_t i = 0; i < kSignalCount; ++i) {
    ::sigaction(kSignals[i], &action, &state.old_actions[i]);
  }
}

CrashReporter::~CrashReporter() {
  State& state = *state_;
  for (std::size_t i = 0; i < kSignalCount; ++i) {
    ::sigaction(kSignals[i], &state.old_actions[i], nullptr);
  }
  g_active.store(nullptr, std::memory_order_release);
  alt_stack_.reset();
}

namespace detail {

void record_uncaught_exception(std::string_view line) noexcept {
  CrashReporter::State* state = g_active.load(std::memory_order_acquire);
  if (state == nullptr) return;
  // First wins: a second thread terminating at the same time must not scribble over the line
  // the handler may be printing.
  if (state->exception_claimed.exchange(true, std::memory_order_acq_rel)) return;
  const std::size_t n =
      line.size() < sizeof state->exception ? line.size() : sizeof state->exception;
  std::memcpy(state->exception, line.data(), n);
  state->exception_len.store(n, std::memory_order_release);
}

}  // namespace detail

}  // namespace nmtd::crash
