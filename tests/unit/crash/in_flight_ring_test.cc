#include "crash/in_flight_ring.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <sstream>
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

// The id thread `t` uses on iteration `i`: its own letter, then a body whose length is tied to
// its character, so that a copy mixing two writes (torn) is recognisable.
std::string churn_id(int t, int i) {
  const int k = i % 26;
  std::string id(static_cast<std::size_t>(2 + 2 * k), static_cast<char>('a' + k));
  id[0] = static_cast<char>('A' + t);
  return id;
}

bool is_churn_id(const std::string& id) {
  if (id.size() < 2 || id[0] < 'A' || id[0] > 'D') return false;
  const char c = id[1];
  if (c < 'a' || c > 'z') return false;
  if (id.size() != 1 + 1 + 2 * static_cast<std::size_t>(c - 'a')) return false;
  return id.find_first_not_of(c, 1) == std::string::npos;
}

TEST(InFlightRing, ConcurrentBeginEndLeavesNothingBusy) {
  InFlightRing ring(16);
  std::atomic<int> running{4};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&ring, &running, t] {
      for (int i = 0; i < 10'000; ++i) {
        const auto token = ring.begin(churn_id(t, i));
        ASSERT_NE(token, InFlightRing::kNoSlot);  // 4 threads, each holding one slot at most
        ring.end(token);
      }
      running.fetch_sub(1);
    });
  }
  // Meanwhile a reader on another thread only ever sees whole ids (slots are reclaimed by other
  // threads with ids of other lengths and letters; a signal in the middle of begin() on the
  // same thread is the next test).
  std::size_t seen = 0;
  while (running.load() > 0) {
    for (const auto& id : written_ids(ring)) {
      EXPECT_TRUE(is_churn_id(id)) << "torn id: " << id;
      ++seen;
    }
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ring.busy(), 0u);
  EXPECT_EQ(ring.overflows(), 0u);
  EXPECT_TRUE(written_ids(ring).empty());
  RecordProperty("ids_seen", static_cast<int>(seen));
}

// What the SIGALRM handler below reads: a signal handler gets no context pointer, so the test
// hands it one through a file-local variable (set only while the handler is installed).
struct AlarmTarget {
  const InFlightRing* ring = nullptr;
  int fd = -1;
  std::atomic<int> fired{0};
};
AlarmTarget* g_alarm_target = nullptr;

extern "C" void write_ids_on_alarm(int) {
  g_alarm_target->ring->write_ids(g_alarm_target->fd);
  g_alarm_target->fired.fetch_add(1, std::memory_order_relaxed);
}

// The crash handler runs on the thread that crashed, which may be inside begin() at that very
// moment: a timer interrupts a thread that rewrites one slot over and over, and every id the
// handler lists must be whole (never half the old id and half the new one).
TEST(InFlightRing, SignalArrivingInsideBeginNeverSeesATornId) {
  InFlightRing ring(1);
  AlarmTarget target;
  target.ring = &ring;
  target.fd = ::memfd_create("in-flight-ids", MFD_CLOEXEC);
  ASSERT_GE(target.fd, 0);
  g_alarm_target = &target;
  struct sigaction action {};
  action.sa_handler = write_ids_on_alarm;
  sigemptyset(&action.sa_mask);
  struct sigaction old_action {};
  ASSERT_EQ(::sigaction(SIGALRM, &action, &old_action), 0);
  itimerval every_50us{{0, 50}, {0, 50}};
  ASSERT_EQ(::setitimer(ITIMER_REAL, &every_50us, nullptr), 0);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (int i = 0; target.fired.load() < 2000 && std::chrono::steady_clock::now() < give_up; ++i) {
    ring.end(ring.begin(churn_id(0, i)));
  }
  itimerval stop{};
  ::setitimer(ITIMER_REAL, &stop, nullptr);
  ::sigaction(SIGALRM, &old_action, nullptr);
  g_alarm_target = nullptr;

  std::string text(static_cast<std::size_t>(::lseek(target.fd, 0, SEEK_END)), '\0');
  ASSERT_EQ(::pread(target.fd, text.data(), text.size(), 0), static_cast<ssize_t>(text.size()));
  ::close(target.fd);
  std::istringstream lines(text);
  std::size_t ids = 0;
  for (std::string line; std::getline(lines, line); ++ids) {
    EXPECT_TRUE(line.size() > 2 && is_churn_id(line.substr(2))) << "torn id: " << line;
  }
  EXPECT_GE(target.fired.load(), 100);
  EXPECT_GT(ids, 0u);  // the handler did catch the slot busy, so the check above meant something
  RecordProperty("alarms", target.fired.load());
  RecordProperty("ids_seen", static_cast<int>(ids));
}

}  // namespace
}  // namespace nmtd::crash
