#include "monitor/resource_sample.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "monitor/gpu_memory_probe.h"

namespace nmtd::monitor {
namespace {

TEST(ReadResources, RssIsPositiveAndPeakAtLeastRss) {
  const ResourceSample s = read_resources(nullptr);
  EXPECT_GT(s.rss_bytes, 0);
  EXPECT_GE(s.peak_rss_bytes, s.rss_bytes);
  EXPECT_GE(s.threads, 1);
  EXPECT_GE(s.open_fds, 3);  // stdin, stdout, stderr at least
  EXPECT_FALSE(s.gpu.has_value());
  EXPECT_GT(s.at.time_since_epoch().count(), 0);
}

// Reading our own pid from outside must agree with reading /proc/self (nothing else runs
// in this test that opens fds or threads between the two reads).
TEST(ReadProcessResources, OwnPidMatchesSelf) {
  const auto other = read_process_resources(getpid());
  const ResourceSample self = read_resources(nullptr);
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->open_fds, self.open_fds);
  EXPECT_EQ(other->threads, self.threads);
  EXPECT_GT(other->rss_bytes, 0);
  EXPECT_FALSE(other->gpu.has_value());
}

TEST(ReadProcessResources, GoneProcessIsNullopt) {
  // pid_max is at most 2^22 on Linux, so this pid cannot exist.
  EXPECT_FALSE(read_process_resources(1 << 23).has_value());
}

TEST(ReadResources, CountsDuplicatedFdsExactly) {
  const int before = read_resources(nullptr).open_fds;
  std::vector<int> fds;
  for (int i = 0; i < 10; ++i) {
    const int fd = dup(STDERR_FILENO);
    ASSERT_GE(fd, 0);
    fds.push_back(fd);
  }
  EXPECT_EQ(read_resources(nullptr).open_fds, before + 10);
  for (int fd : fds) close(fd);
  EXPECT_EQ(read_resources(nullptr).open_fds, before);
}

// An absolute count, which the relative test above cannot give: the fd the listing itself
// holds while reading /proc/self/fd must not be counted.
TEST(ReadResources, FdCountMatchesFcntlProbe) {
  int probed = 0;
  // A test process holds only small fds; 4096 bounds the probe without depending on RLIMIT.
  for (int fd = 0; fd < 4096; ++fd) {
    if (fcntl(fd, F_GETFD) != -1) ++probed;
  }
  EXPECT_EQ(read_resources(nullptr).open_fds, probed);
}

TEST(ReadResources, CountsThreads) {
  const int before = read_resources(nullptr).threads;
  std::mutex mu;
  std::condition_variable_any cv;
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < 3; ++i) {
      threads.emplace_back([&](std::stop_token stop) {
        std::unique_lock lock(mu);
        cv.wait(lock, stop, [] { return false; });
      });
    }
    EXPECT_EQ(read_resources(nullptr).threads, before + 3);
  }  // jthreads stop and join here
  // join() can return a moment before the kernel drops the thread from the group's count.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (read_resources(nullptr).threads != before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(read_resources(nullptr).threads, before);
}

TEST(ReadResources, TouchedBufferRaisesRss) {
  constexpr std::size_t kBytes = 64u << 20;
  const int64_t before = read_resources(nullptr).rss_bytes;
  auto buffer = std::make_unique<char[]>(kBytes);
  // Volatile writes: the pages must really be faulted in, not optimised away.
  volatile char* p = buffer.get();
  for (std::size_t i = 0; i < kBytes; i += 4096) p[i] = static_cast<char>(i | 1);
  const ResourceSample after = read_resources(nullptr);
  EXPECT_GE(after.rss_bytes - before, int64_t{60} << 20);
  EXPECT_GE(after.peak_rss_bytes, after.rss_bytes);
}

TEST(ReadResources, UsesTheGpuProbeWhenGiven) {
  GpuMemoryProbe probe;
  const ResourceSample s = read_resources(&probe);
  EXPECT_EQ(s.gpu.has_value(), probe.available());
}

}  // namespace
}  // namespace nmtd::monitor
