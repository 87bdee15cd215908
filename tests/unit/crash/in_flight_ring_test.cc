#include "crash/in_flight_ring.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <deque>
#include <string>
#include <thread>
#include <vector>

namespace nmtd::crash {
namespace {

using ::testing::UnorderedElementsAre;

// Everything write_ids() writes, through a pipe as the crash handler would (to a file).
std::vector<std::string> written_ids(const InFlightRing& ring, std::size_t* count = nullptr) {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const std::size_t n = ring.write_ids(fds[1]);
  if (count != nullptr) *count = n;
  ::close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t got; (got = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, got);
  ::close(fds[0]);
  std::vector<std::string> ids;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t eol = text.find('\n', at);
    EXPECT_NE(eol, std::string::npos) << "unterminated line in " << text;
    if (eol == std::string::npos) break;
    const std::string line = text.substr(at, eol - at);
    EXPECT_EQ(line.rfind("  ", 0), 0u) << "line without its indent: " << line;
    ids.push_back(line.substr(2));
    at = eol + 1;
  }
  return ids;
}

TEST(InFlightRing, WriteIdsListsExactlyTheBusyIds) {
  InFlightRing ring(8);
  const auto a = ring.begin("req-a");
  const auto b = ring.begin("req-b");
  const auto c = ring.begin("req-c");
  ring.end(b);
  std::size_t count = 0;
  EXPECT_THAT(written_ids(ring, &count), UnorderedElementsAre("req-a", "req-c"));
  EXPECT_EQ(count, 2u);
  EXPECT_EQ(ring.busy(), 2u);
  ring.end(a);
  ring.end(c);
  EXPECT_TRUE(written_ids(ring, &count).empty());
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(ring.busy(), 0u);
}

TEST(InFlightRing, FullRingReturnsNoSlotAndCountsOverflows) {
  InFlightRing ring(2);
  const auto a = ring.begin("a");
  const auto b = ring.begin("b");
  EXPECT_NE(a, InFlightRing::kNoSlot);
  EXPECT_NE(b, InFlightRing::kNoSlot);
  EXPECT_EQ(ring.begin("c"), InFlightRing::kNoSlot);
  EXPECT_EQ(ring.begin("d"), InFlightRing::kNoSlot);
  EXPECT_EQ(ring.overflows(), 2u);
  EXPECT_EQ(ring.busy(), 2u);
  ring.end(InFlightRing::kNoSlot);  // a no-op
  EXPECT_EQ(ring.busy(), 2u);
  ring.end(a);
  EXPECT_NE(ring.begin("e"), InFlightRing::kNoSlot);  // a freed slot is reused
  EXPECT_THAT(written_ids(ring), UnorderedElementsAre("b", "e"));
}

TEST(InFlightRing, LongIdsAreTruncatedTo63Bytes) {
  InFlightRing ring(4);
  const std::string id(100, 'x');
  ring.begin(id);
  EXPECT_THAT(written_ids(ring), UnorderedElementsAre(std::string(63, 'x')));
}

TEST(InFlightRing, EmptyAndControlCharacterIdsCannotForgeReportLines) {
  InFlightRing ring(4);
  ring.begin("");
  ring.begin("evil\nsignal: 9");
  EXPECT_THAT(written_ids(ring), UnorderedElementsAre("", "evil?signal: 9"));
}

TEST(InFlightRing, ScopesEndTheirRequestAndLiveInADeque) {
  InFlightRing ring(4);
  {
    std::deque<InFlightScope> scopes;
    scopes.emplace_back(ring, "one");
    scopes.emplace_back(ring, "two");
    EXPECT_EQ(ring.busy(), 2u);
    EXPECT_THAT(written_ids(ring), UnorderedElementsAre("one", "two"));
  }
  EXPECT_EQ(ring.busy(), 0u);
}

TEST(InFlightRing, ConcurrentBeginEndLeavesNothingBusy) {
  InFlightRing ring(16);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&ring, t] {
      const std::string id = "thread-" + std::to_string(t);
      for (int i = 0; i < 10'000; ++i) {
        const auto token = ring.begin(id);
        ASSERT_NE(token, InFlightRing::kNoSlot);  // 4 threads, each holding one slot at most
        ring.end(token);
      }
    });
  }
  // Meanwhile a reader (like the crash handler) never sees a torn id.
  for (int i = 0; i < 200; ++i) {
    for (const auto& id : written_ids(ring))
      EXPECT_THAT(id, ::testing::MatchesRegex("thread-[0-3]"));
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ring.busy(), 0u);
  EXPECT_EQ(ring.overflows(), 0u);
  EXPECT_TRUE(written_ids(ring).empty());
}

}  // namespace
}  // namespace nmtd::crash
