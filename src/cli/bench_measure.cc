#include "cli/bench_measure.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "common/aligned_buffer.h"
#include "common/error.h"

extern char** environ;

namespace nmtd::cli {

Spread spread_of(std::vector<double> samples) {
  Spread s;
  s.samples = samples;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  s.median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  s.min = samples.front();
  s.max = samples.back();
  return s;
}

Spread time_ms(int repeat, const std::function<void()>& fn) {
  std::vector<double> samples;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    samples.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return spread_of(std::move(samples));
}

Spread read_bandwidth_gb_s(ThreadPool& pool, int repeat) {
  constexpr std::size_t kBytes = std::size_t{1} << 30;  // far beyond any cache
  AlignedBuffer buffer(kBytes);                           // zeroed: every page is touched
  const auto* words = buffer.as<uint64_t>();
  const int64_t n = static_cast<int64_t>(kBytes / 8);
  std::vector<double> samples;
  for (int r = 0; r < repeat; ++r) {
    std::vector<uint64_t> sums(static_cast<std::size_t>(pool.num_threads()) * 8, 0);
    const auto t0 = std::chrono::steady_clock::now();
    pool.parallel_for(n, 1 << 16, [&](int64_t begin, int64_t end) {
      uint64_t a = 0, b = 0, c = 0, d = 0;
      for (int64_t i = begin; i + 4 <= end; i += 4) {
        a += words[i];
        b += words[i + 1];
        c += words[i + 2];
        d += words[i + 3];
      }
      sums[static_cast<std::size_t>(begin * pool.num_threads() / n) * 8] = a + b + c + d;
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    uint64_t total = 0;
    for (uint64_t x : sums) total += x;
    if (total != 0) throw Error("bandwidth buffer was not zero");  // keeps the reads alive
    samples.push_back(static_cast<double>(kBytes) / s / 1e9);
  }
  return spread_of(std::move(samples));
}

ReadyProbe run_ready_probe(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    throw Error("cannot start " + argv[0]);
  }
  std::string reply;
  char chunk[512];
  double ready_s = -1;
  for (;;) {
    const ssize_t got = ::read(fds[0], chunk, sizeof chunk);
    if (got <= 0) break;
    if (ready_s < 0)
      ready_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    reply.append(chunk, static_cast<std::size_t>(got));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || reply.empty())
    throw Error("the ready probe failed (exit status " + std::to_string(status) + ")");
  const auto j = nlohmann::json::parse(reply);
  return {ready_s, j.at("rss_after_load_mib").get<double>()};
}

}  // namespace nmtd::cli
