// The watchdog judges progress, not duration: a call that keeps finishing units of work is
// never stalled however long it runs; one that stops is reported within the limit.
#include "worker/watchdog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace nmtd::worker {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr auto kLimit = 300ms;

// Records the watchdog's verdicts and the log lines it writes.
class WatchdogFixture : public ::testing::Test {
 protected:
  WatchdogFixture()
      : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text_)), log_("test", sink_) {
    log_.set_pattern("%l %v");
  }

  Watchdog::OnChange recorder() {
    return [this](bool stalled) {
      {
        std::lock_guard lock(mutex_);
        changes_.push_back(stalled);
      }
      changed_.notify_all();
    };
  }
  bool wait_for_changes(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return changes_.size() >= n; });
  }
  std::vector<bool> changes() {
    std::lock_guard lock(mutex_);
    return changes_;
  }

  ProgressCounter progress_;
  EngineActivity activity_{progress_};
  std::ostringstream log_text_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  Logger log_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<bool> changes_;
};

TEST_F(WatchdogFixture, ALongCallThatKeepsProgressingIsNeverStalled) {
  Watchdog watchdog(activity_, kLimit, log_, recorder());
  activity_.begin({"long-batch"});
  // Four times the limit, one unit every 10 ms: a slow batch of long texts in miniature.
  const auto until = Clock::now() + 4 * kLimit;
  while (Clock::now() < until) {
    progress_.bump();
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GE(activity_.running_for(), 4 * kLimit);
  EXPECT_LT(activity_.without_progress(), kLimit);
  activity_.end();
  EXPECT_THAT(changes(), ::testing::IsEmpty()) << log_text_.str();
}

TEST_F(WatchdogFixture, ACallThatStopsProgressingIsStalledThenRecoversWhenItMoves) {
  Watchdog watchdog(activity_, kLimit, log_, recorder());
  activity_.begin({"stuck-req"});
  progress_.bump();
  const auto last_unit = Clock::now();
  ASSERT_TRUE(wait_for_changes(1, 10s));
  EXPECT_GE(Clock::now() - last_unit, kLimit);
  EXPECT_EQ(changes(), std::vector<bool>{true});
  EXPECT_THAT(log_text_.str(), HasSubstr("requests [stuck-req] has made no progress for"));

  progress_.bump();  // it moved again: busy, not stuck
  ASSERT_TRUE(wait_for_changes(2, 10s));
  EXPECT_EQ(changes(), (std::vector<bool>{true, false}));
  activity_.end();
}

TEST_F(WatchdogFixture, ACallWithNoUnitAtAllIsStalledAndItsReturnEndsTheStall) {
  progress_.bump();  // an earlier call's last unit must not count for this one...
  Watchdog watchdog(activity_, kLimit, log_, recorder());
  std::this_thread::sleep_for(kLimit + 100ms);  // ...nor the idle time before the call
  activity_.begin({"hung-req"});
  EXPECT_LT(activity_.without_progress(), kLimit);
  ASSERT_TRUE(wait_for_changes(1, 10s));
  activity_.end();
  EXPECT_EQ(activity_.without_progress(), 0ms);
  ASSERT_TRUE(wait_for_changes(2, 10s));
  EXPECT_EQ(changes(), (std::vector<bool>{true, false}));
  EXPECT_THAT(log_text_.str(), HasSubstr("moved again or returned"));
}

}  // namespace
}  // namespace nmtd::worker
