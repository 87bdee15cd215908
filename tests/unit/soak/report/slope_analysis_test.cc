#include "soak/report/slope_analysis.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "unit/soak/report/record_fixtures.h"

namespace nmtd::soak {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::make_process;
using testing::mib;

// Returns a copy: callers pass analyse_slopes(...) straight in, and a reference into that
// temporary vector would dangle by the next statement.
SlopeEntry entry(const std::vector<SlopeEntry>& slopes, const std::string& process,
                 const std::string& resource) {
  for (const SlopeEntry& e : slopes)
    if (e.process == process && e.resource == resource) return e;
  throw std::runtime_error("no slope entry for " + process + " " + resource);
}

bool has_entry(const std::vector<SlopeEntry>& slopes, const std::string& process,
               const std::string& resource) {
  for (const SlopeEntry& e : slopes)
    if (e.process == process && e.resource == resource) return true;
  return false;
}

// 400 MiB plus `mib_per_hour`, with up to 0.5 MiB of noise and, every 23rd sample, a
// 60 MiB transient (requests in flight), sampled every 2 s for 30 minutes.
WatchedProcess leaking_front(double mib_per_hour, unsigned seed = 7) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> noise(0.0, 0.5);
  return make_process("front", "front", -1, 0, 5, 1805, 2, [&](ProcessSample& s, double t, int i) {
    double value = 400 + mib_per_hour * t / 3600 + noise(random);
    if (i % 23 == 0) value += 60;
    s.rss_bytes = mib(value);
  });
}

TEST(SlopeAnalysis, MeasuresASteadyLeakThroughNoiseAndSpikesAndFailsItsBound) {
  const auto slopes = analyse_slopes({leaking_front(5)}, SlopeSettings{});
  const SlopeEntry& rss = entry(slopes, "front", "rss_mib");
  EXPECT_TRUE(rss.judged);
  EXPECT_NEAR(rss.slope_per_hour, 5.0, 0.5);
  EXPECT_EQ(rss.bound, 1.0);
  EXPECT_FALSE(rss.within_bound);
  EXPECT_EQ(rss.unit, "MiB/h");
  EXPECT_EQ(rss.role, "front");
  EXPECT_EQ(rss.pid, 1000 - 100);
  EXPECT_NEAR(rss.span_s, 1800 - 60, 2.001);
  EXPECT_GE(rss.points, 80u);
  EXPECT_THAT(rss.note, HasSubstr("over"));

  const auto failures = slope_failures(slopes);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_THAT(failures[0], HasSubstr("front rss_mib grows "));
  EXPECT_THAT(failures[0], HasSubstr(" MiB/h (bound 1 MiB/h)"));
}

TEST(SlopeAnalysis, NoWorkersMeansNoPooledEntries) {
  const auto slopes = analyse_slopes({leaking_front(0)}, SlopeSettings{});
  EXPECT_FALSE(has_entry(slopes, kPooledWorkersName, "rss_mib"));
  EXPECT_TRUE(has_entry(slopes, "front", "fds"));
  EXPECT_TRUE(has_entry(slopes, "front", "threads"));
  EXPECT_FALSE(has_entry(slopes, "front", "gpu_mib"));  // no GPU readings at all
  EXPECT_TRUE(entry(slopes, "front", "rss_mib").within_bound);
}

TEST(SlopeAnalysis, FlatCountsWithShortSpikesReadExactlyZeroAndHoldABoundOfZero) {
  const auto front =
      make_process("front", "front", -1, 0, 0, 1800, 2, [](ProcessSample& s, double, int i) {
        s.open_fds = 40 + (i % 13 == 0 ? 5 : 0) + (i % 31 == 0 ? 2 : 0);
        s.threads = 17 + (i % 7 == 0 ? 3 : 0);
      });
  const auto slopes = analyse_slopes({front}, SlopeSettings{});
  for (const char* resource : {"fds", "threads"}) {
    const SlopeEntry& e = entry(slopes, "front", resource);
    EXPECT_TRUE(e.judged) << resource;
    EXPECT_EQ(e.slope_per_hour, 0.0) << resource;
    EXPECT_EQ(e.bound, 0.0) << resource;
    EXPECT_TRUE(e.within_bound) << resource;
    EXPECT_EQ(e.unit, "1/h");
  }
  EXPECT_THAT(slope_failures(slopes), IsEmpty());
}

TEST(SlopeAnalysis, OneDescriptorEveryTenMinutesFails) {
  const auto front =
      make_process("front", "front", -1, 0, 0, 1800, 2, [](ProcessSample& s, double t, int i) {
        s.open_fds = 40 + static_cast<int>(t / 600) + (i % 9 == 0);
      });
  const auto slopes = analyse_slopes({front}, SlopeSettings{});
  const SlopeEntry& fds = entry(slopes, "front", "fds");
  EXPECT_TRUE(fds.judged);
  EXPECT_GT(fds.slope_per_hour, 4.0);
  EXPECT_LT(fds.slope_per_hour, 8.0);
  EXPECT_FALSE(fds.within_bound);
  EXPECT_THAT(slope_failures(slopes), ElementsAre(::testing::AllOf(HasSubstr("front fds grows "),
                                                                   HasSubstr("/h (bound 0/h)"))));
}

TEST(SlopeAnalysis, LeavesOutWarmUpGrowth) {
  // Loads 300 MiB in its first 50 s, then stays flat for half an hour.
  const auto front =
      make_process("front", "front", -1, 0, 3, 1803, 2, [](ProcessSample& s, double t, int) {
        s.rss_bytes = mib(100 + 300 * std::min(t, 50.0) / 50);
      });
  const SlopeEntry with_warmup =
      entry(analyse_slopes({front}, SlopeSettings{}), "front", "rss_mib");
  EXPECT_TRUE(with_warmup.judged);
  EXPECT_EQ(with_warmup.slope_per_hour, 0.0);
  EXPECT_TRUE(with_warmup.within_bound);

  SlopeSettings no_warmup;
  no_warmup.warmup_s = 0;
  const SlopeEntry without = entry(analyse_slopes({front}, no_warmup), "front", "rss_mib");
  EXPECT_GT(without.slope_per_hour, 10.0);  // the load would read as a leak
  EXPECT_FALSE(without.within_bound);
}

// Ten short lives of worker slot 0 (killed or recycled every 3 minutes), each loading
// 300 MiB in its first 50 s, at levels that go up and down from one life to the next.
std::vector<WatchedProcess> sawtooth_workers(double mib_per_hour_after_warmup) {
  std::vector<WatchedProcess> workers;
  for (int g = 0; g < 10; ++g) {
    const double level = 500 + 20 * (g % 3);
    workers.push_back(make_process("worker 0." + std::to_string(g), "worker", 0, g, 180.0 * g + 1,
                                   180.0 * g + 179, 2, [&](ProcessSample& s, double t, int i) {
                                     double value = level - 300 + 300 * std::min(t, 50.0) / 50;
                                     if (t > 50)
                                       value += mib_per_hour_after_warmup * (t - 50) / 3600;
                                     if (i % 17 == 0) value += 40;
                                     s.rss_bytes = mib(value);
                                     s.gpu_used_bytes = mib(1000);
                                   }));
  }
  return workers;
}

TEST(SlopeAnalysis, PooledWorkersReadFlatThroughRestarts) {
  const auto slopes = analyse_slopes(sawtooth_workers(0), SlopeSettings{});
  for (int g = 0; g < 10; ++g) {
    const SlopeEntry& alone = entry(slopes, "worker 0." + std::to_string(g), "rss_mib");
    EXPECT_FALSE(alone.judged);
    EXPECT_THAT(alone.note, HasSubstr("fewer than 300 s"));
  }
  const SlopeEntry& pooled = entry(slopes, kPooledWorkersName, "rss_mib");
  EXPECT_EQ(pooled.role, "workers");
  EXPECT_EQ(pooled.pid, 0);
  EXPECT_TRUE(pooled.judged);
  EXPECT_NEAR(pooled.slope_per_hour, 0.0, 1e-9);
  EXPECT_TRUE(pooled.within_bound);
  EXPECT_NEAR(pooled.span_s, 10 * 118, 1e-6);
  EXPECT_EQ(pooled.points, 60u);
  EXPECT_TRUE(has_entry(slopes, kPooledWorkersName, "gpu_mib"));
  EXPECT_THAT(slope_failures(slopes), IsEmpty());
}

TEST(SlopeAnalysis, PooledWorkersMeasureTheGrowthEachLifeShares) {
  const auto slopes = analyse_slopes(sawtooth_workers(4), SlopeSettings{});
  const SlopeEntry& pooled = entry(slopes, kPooledWorkersName, "rss_mib");
  EXPECT_TRUE(pooled.judged);
  EXPECT_NEAR(pooled.slope_per_hour, 4.0, 0.4);
  EXPECT_FALSE(pooled.within_bound);
  EXPECT_THAT(slope_failures(slopes), ElementsAre(HasSubstr("workers (pooled) rss_mib grows ")));
}

TEST(SlopeAnalysis, PooledWorkersNeedEnoughSpanInAll) {
  auto workers = sawtooth_workers(4);
  workers.resize(2);  // 236 s after warm-up in all
  const SlopeEntry pooled =
      entry(analyse_slopes(workers, SlopeSettings{}), kPooledWorkersName, "rss_mib");
  EXPECT_FALSE(pooled.judged);
  EXPECT_TRUE(pooled.within_bound);
  EXPECT_THAT(pooled.note, HasSubstr("fewer than 300 s"));
}

TEST(SlopeAnalysis, AProcessWatchedAMinuteAfterWarmUpIsNotJudgedAlone) {
  const auto short_lived = make_process(
      "worker 1.0", "worker", 1, 0, 0, 120, 2,
      [](ProcessSample& s, double t, int) { s.rss_bytes = mib(300 + 1000 * t / 3600); });
  const auto slopes = analyse_slopes({short_lived}, SlopeSettings{});
  const SlopeEntry& rss = entry(slopes, "worker 1.0", "rss_mib");
  EXPECT_FALSE(rss.judged);
  EXPECT_TRUE(rss.within_bound);
  EXPECT_EQ(rss.note, "watched 60 s after warm-up, fewer than 300 s");
  EXPECT_GT(rss.slope_per_hour, 500.0);  // measured and shown, just not judged
  EXPECT_THAT(slope_failures(slopes), IsEmpty());
}

TEST(SlopeAnalysis, ANegativeBoundTurnsTheCheckOff) {
  SlopeSettings settings;
  settings.bounds.rss_mib_per_hour = -1;
  const auto slopes = analyse_slopes({leaking_front(50)}, settings);
  const SlopeEntry& rss = entry(slopes, "front", "rss_mib");
  EXPECT_FALSE(rss.judged);
  EXPECT_TRUE(rss.within_bound);
  EXPECT_EQ(rss.note, "check off");
  EXPECT_NEAR(rss.slope_per_hour, 50.0, 5.0);
  EXPECT_THAT(slope_failures(slopes), IsEmpty());
}

TEST(SlopeAnalysis, UnknownReadingsAreLeftOutAndMissingDataIsSaidSo) {
  WatchedProcess silent;
  silent.name = "worker 2.0";
  silent.role = "worker";
  silent.slot = 2;
  auto remote =
      make_process("front", "front", -1, 0, 0, 600, 2, [](ProcessSample& s, double, int i) {
        s.open_fds = -1;                   // GetStatus gives no descriptor count
        s.threads = i % 2 == 0 ? 12 : -1;  // every other reading unknown
      });
  const auto slopes = analyse_slopes({silent, remote}, SlopeSettings{});
  EXPECT_EQ(entry(slopes, "worker 2.0", "rss_mib").note, "no samples");
  EXPECT_FALSE(has_entry(slopes, "worker 2.0", "fds"));
  EXPECT_FALSE(has_entry(slopes, "front", "fds"));
  const SlopeEntry& threads = entry(slopes, "front", "threads");
  EXPECT_TRUE(threads.judged);
  EXPECT_EQ(threads.slope_per_hour, 0.0);
  EXPECT_EQ(entry(slopes, kPooledWorkersName, "rss_mib").note, "no samples");

  const auto warming =
      make_process("worker 3.0", "worker", 3, 0, 0, 40, 2, [](auto&, double, int) {});
  EXPECT_EQ(entry(analyse_slopes({warming}, SlopeSettings{}), "worker 3.0", "rss_mib").note,
            "no samples after the 60 s warm-up");
}

// Windows of 30 s, the length of noisy_front's noise blocks, so that the floors are
// independent, as the interval assumes.
SlopeSettings thirty_second_floors() {
  SlopeSettings settings;
  settings.floor_window_s = 30;
  return settings;
}

// 30 MiB plus a leak, each 30-s window's floor off by normal noise of `noise_mib`.
WatchedProcess noisy_front(double mib_per_hour, double noise_mib, double duration_s,
                           unsigned seed) {
  std::mt19937 random(seed);
  std::normal_distribution<double> noise(0.0, noise_mib);
  double floor = 0;
  return make_process("front", "front", -1, 0, 0, duration_s, 2,
                      [&](ProcessSample& s, double t, int i) {
                        if (i % 15 == 0) floor = noise(random);
                        s.rss_bytes = mib(30 + mib_per_hour * t / 3600 + floor);
                      });
}

TEST(SlopeAnalysis, AnExactLineHasNoUncertainty) {
  const auto front =
      make_process("front", "front", -1, 0, 0, 1800, 2,
                   [](ProcessSample& s, double t, int) { s.rss_bytes = mib(100 + 3 * t / 3600); });
  const SlopeEntry rss = entry(analyse_slopes({front}, SlopeSettings{}), "front", "rss_mib");
  EXPECT_NEAR(rss.slope_per_hour, 3.0, 0.01);
  EXPECT_NEAR(rss.slope_stderr_per_hour, 0.0, 0.01);  // only the MiB rounding of the samples
  EXPECT_LT(rss.slope_ci95_per_hour, 0.03);
}

TEST(SlopeAnalysis, TheNinetyFivePercentIntervalCoversTheTrueSlopeAsOftenAsItSays) {
  int covered = 0;
  double widest = 0;
  for (unsigned seed = 1; seed <= 200; ++seed) {
    const auto front = noisy_front(2, 0.3, 1800, seed);
    const SlopeEntry rss =
        entry(analyse_slopes({front}, thirty_second_floors()), "front", "rss_mib");
    EXPECT_GT(rss.slope_stderr_per_hour, 0.0);
    EXPECT_NEAR(rss.slope_ci95_per_hour / rss.slope_stderr_per_hour, 2.0, 0.05);  // t, 56 dof
    if (std::fabs(rss.slope_per_hour - 2.0) <= rss.slope_ci95_per_hour) ++covered;
    widest = std::max(widest, rss.slope_ci95_per_hour);
  }
  EXPECT_GE(covered, 180);  // 95% of 200 is 190; 180 leaves room for chance
  EXPECT_LE(covered, 199);
  EXPECT_LT(widest, 2.0);
}

TEST(SlopeAnalysis, ALongerRunPinsTheSlopeDownFurther) {
  // Half an hour cannot tell 1 MiB/h from flat through 0.3 MiB of floor noise; a day can.
  const SlopeEntry half_hour = entry(
      analyse_slopes({noisy_front(0, 0.3, 1800, 3)}, thirty_second_floors()), "front", "rss_mib");
  const SlopeEntry day = entry(
      analyse_slopes({noisy_front(0, 0.3, 86400, 3)}, thirty_second_floors()), "front", "rss_mib");
  EXPECT_GT(half_hour.slope_ci95_per_hour, 0.4);
  EXPECT_LT(day.slope_ci95_per_hour, 0.01);
  EXPECT_LT(std::fabs(day.slope_per_hour), day.slope_ci95_per_hour * 2);
}

TEST(SlopeAnalysis, PooledWorkersCarryAnIntervalWithEachProcessItsOwnLevel) {
  std::vector<WatchedProcess> workers;
  std::mt19937 random(5);
  std::normal_distribution<double> noise(0.0, 0.2);
  for (int g = 0; g < 6; ++g) {
    const double level = 400 + 30 * g;  // levels far apart: only the slope within lives counts
    double floor = 0;
    workers.push_back(make_process("worker 0." + std::to_string(g), "worker", 0, g, 600.0 * g,
                                   600.0 * g + 590, 2, [&](ProcessSample& s, double t, int i) {
                                     if (i % 15 == 0) floor = noise(random);
                                     s.rss_bytes = mib(level + 3 * t / 3600 + floor);
                                   }));
  }
  const SlopeEntry pooled =
      entry(analyse_slopes(workers, thirty_second_floors()), kPooledWorkersName, "rss_mib");
  EXPECT_TRUE(pooled.judged);
  EXPECT_GT(pooled.slope_stderr_per_hour, 0.0);
  EXPECT_LE(std::fabs(pooled.slope_per_hour - 3.0), pooled.slope_ci95_per_hour);
  EXPECT_LT(pooled.slope_ci95_per_hour, 3.0);
}

}  // namespace
}  // namespace nmtd::soak
