#include "monitor/resource_sample.h"

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "common/error.h"
#include "monitor/gpu_memory_probe.h"

namespace nmtd::monitor {
namespace {

// Values in /proc/self/status are "VmRSS:\t  12345 kB".
int64_t parse_kib(const std::string& rest) { return std::stoll(rest) * 1024; }

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

// -1 when /proc/self/fd cannot be listed (e.g. fd limit reached): better than failing a sample.
int count_open_fds(const std::string& proc_dir, bool ours) {
  std::unique_ptr<DIR, DirCloser> dir(opendir((proc_dir + "/fd").c_str()));
  if (!dir) return -1;
  const int own_fd = dirfd(dir.get());
  int count = 0;
  while (const dirent* e = readdir(dir.get())) {
    if (e->d_name[0] == '.') continue;
    // Our own listing includes the fd opendir itself holds; it exists only while we count.
    if (ours && std::string_view(e->d_name) == std::to_string(own_fd)) continue;
    ++count;
  }
  return count;
}

// Fills rss, peak and threads; the stream is closed on return, before fds are counted.
void read_status(const std::string& proc_dir, ResourceSample& s) {
  std::ifstream status(proc_dir + "/status");
  if (!status) {
    throw IoError("cannot read " + proc_dir + "/status: " + std::strerror(errno));
  }
  std::string line;
  while (std::getline(status, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string_view key(line.data(), colon);
    const std::string rest = line.substr(colon + 1);
    try {
      if (key == "VmRSS") {
        s.rss_bytes = parse_kib(rest);
      } else if (key == "VmHWM") {
        s.peak_rss_bytes = parse_kib(rest);
      } else if (key == "Threads") {
        s.threads = std::stoi(rest);
      }
    } catch (const std::exception&) {
      // A malformed field leaves its value at 0 rather than losing the whole sample.
    }
  }
}

}  // namespace

ResourceSample read_resources(GpuMemoryProbe* gpu) {
  ResourceSample s;
  s.at = std::chrono::system_clock::now();
  read_status("/proc/self", s);
  // Only after read_status has closed its stream, which would otherwise be counted.
  s.open_fds = count_open_fds("/proc/self", true);
  if (gpu != nullptr) s.gpu = gpu->read();
  return s;
}

std::optional<ResourceSample> read_process_resources(pid_t pid) {
  const std::string proc_dir = "/proc/" + std::to_string(pid);
  ResourceSample s;
  s.at = std::chrono::system_clock::now();
  try {
    read_status(proc_dir, s);
  } catch (const IoError&) {
    return std::nullopt;  // gone, or not ours to read
  }
  s.open_fds = count_open_fds(proc_dir, pid == ::getpid());
  return s;
}

}  // namespace nmtd::monitor
