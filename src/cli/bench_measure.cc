#include "cli/bench_measure.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <immintrin.h>

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

namespace {

// Sums 64-bit words with wide loads: a narrow scalar loop is limited by load throughput, not
// by memory, and would understate the bandwidth (and so overstate the floor).
__attribute__((target("avx512f"))) uint64_t sum_words_avx512(const uint64_t* w, int64_t n) {
  __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a = _mm512_add_epi64(a, _mm512_load_si512(w + i));
    b = _mm512_add_epi64(b, _mm512_load_si512(w + i + 8));
    c = _mm512_add_epi64(c, _mm512_load_si512(w + i + 16));
    d = _mm512_add_epi64(d, _mm512_load_si512(w + i + 24));
  }
  alignas(64) uint64_t lanes[8];
  _mm512_store_si512(lanes, _mm512_add_epi64(_mm512_add_epi64(a, b), _mm512_add_epi64(c, d)));
  uint64_t total = 0;
  for (uint64_t lane : lanes) total += lane;
  for (; i < n; ++i) total += w[i];
  return total;
}

__attribute__((target("avx2"))) uint64_t sum_words_avx2(const uint64_t* w, int64_t n) {
  __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a = _mm256_add_epi64(a, _mm256_load_si256(reinterpret_cast<const __m256i*>(w + i)));
    b = _mm256_add_epi64(b, _mm256_load_si256(reinterpret_cast<const __m256i*>(w + i + 4)));
    c = _mm256_add_epi64(c, _mm256_load_si256(reinterpret_cast<const __m256i*>(w + i + 8)));
    d = _mm256_add_epi64(d, _mm256_load_si256(reinterpret_cast<const __m256i*>(w + i + 12)));
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes),
                     _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d)));
  uint64_t total = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  for (; i < n; ++i) total += w[i];
  return total;
}

uint64_t sum_words(const uint64_t* w, int64_t n) {
  if (__builtin_cpu_supports("avx512f")) return sum_words_avx512(w, n);
  if (__builtin_cpu_supports("avx2")) return sum_words_avx2(w, n);
  uint64_t total = 0;
  for (int64_t i = 0; i < n; ++i) total += w[i];
  return total;
}

}  // namespace

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
      sums[static_cast<std::size_t>(begin * pool.num_threads() / n) * 8] =
          sum_words(words + begin, end - begin);
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
