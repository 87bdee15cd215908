#include "common/heap_release.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace nmtd {
namespace {

using namespace std::chrono_literals;

TEST(PeriodicHeapRelease, ReleasesOnItsIntervalUntilDestroyed) {
  PeriodicHeapRelease release(10ms);
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (release.releases() < 3 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(5ms);
  EXPECT_GE(release.releases(), 3u);
}

TEST(PeriodicHeapRelease, StopsAtOnceEvenInTheMiddleOfALongInterval) {
  const auto started = std::chrono::steady_clock::now();
  {
    PeriodicHeapRelease release(std::chrono::hours(1));
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(release.releases(), 0u);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

// Releases hand back free pages while other threads allocate, free and keep blocks: what the
// kept blocks hold must survive every release.
TEST(PeriodicHeapRelease, LeavesLiveBlocksIntactWhileOtherThreadsAllocate) {
  PeriodicHeapRelease release(1ms);
  std::atomic<int> corrupted{0};
  std::vector<std::jthread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&release, &corrupted, t] {
      std::vector<std::vector<unsigned char>> kept;
      const auto until = std::chrono::steady_clock::now() + 10s;
      for (int i = 0; release.releases() < 20 && std::chrono::steady_clock::now() < until; ++i) {
        const auto fill = static_cast<unsigned char>(t * 31 + i);
        kept.emplace_back(static_cast<std::size_t>(1 + (i * 7919) % 300000), fill);
        if (kept.size() > 64) {  // free every other block: holes for the release to hand back
          for (std::size_t k = 0; k < kept.size(); k += 2) kept[k].clear(), kept[k].shrink_to_fit();
          std::erase_if(kept, [](const auto& b) { return b.empty(); });
        }
      }
      for (const auto& block : kept)
        for (unsigned char c : block) corrupted += c != block.front();
    });
  }
  threads.clear();  // joins
  EXPECT_GE(release.releases(), 20u);
  EXPECT_EQ(corrupted.load(), 0);
}

}  // namespace
}  // namespace nmtd
