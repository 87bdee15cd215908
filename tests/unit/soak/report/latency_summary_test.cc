#include "soak/report/latency_summary.h"

#include <gtest/gtest.h>

#include "soak/report/report_text.h"

namespace nmtd::soak {
namespace {

TEST(LatencySummary, InterpolatesWithinBuckets) {
  const LatencySummary s = summarise_latency({{10, 20, 50, 100}, {0, 100, 100, 0, 0}});
  EXPECT_EQ(s.count, 200u);
  EXPECT_DOUBLE_EQ(s.p50_ms, 20);    // rank 100 ends the 10-20 ms bucket
  EXPECT_DOUBLE_EQ(s.p95_ms, 47);    // rank 190: 90 % into 20-50 ms
  EXPECT_DOUBLE_EQ(s.p99_ms, 49.4);  // rank 198
  EXPECT_DOUBLE_EQ(s.max_ms, 50);
  EXPECT_EQ(s.beyond_last_bound, 0u);
}

TEST(LatencySummary, ReportsTheLastBoundForTheOpenBucket) {
  const LatencySummary s = summarise_latency({{10, 20}, {50, 0, 50}});
  EXPECT_DOUBLE_EQ(s.p50_ms, 10);
  EXPECT_DOUBLE_EQ(s.p95_ms, 20);
  EXPECT_DOUBLE_EQ(s.max_ms, 20);
  EXPECT_EQ(s.beyond_last_bound, 50u);
}

TEST(LatencySummary, IsZeroWithoutAnswers) {
  const LatencySummary s = summarise_latency({{10, 20}, {0, 0, 0}});
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.p99_ms, 0);
  EXPECT_EQ(s.max_ms, 0);
  EXPECT_EQ(summarise_latency({}).count, 0u);
}

TEST(ShortTextLatency, ComparesEachPercentileWithTheSameOneOnTheIdleServer) {
  SoakRecord record;
  EXPECT_FALSE(short_text_latency(record)) << "no probes: nothing to compare";
  record.latency_by_profile[kUnloadedProbeProfile] = {{10, 20, 50, 100}, {0, 100, 0, 0, 0}};
  EXPECT_FALSE(short_text_latency(record)) << "no probe under load";
  record.latency_by_profile[kShortProbeProfile] = {{10, 20, 50, 100}, {0, 0, 50, 50, 0}};
  const auto s = short_text_latency(record);
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->unloaded.p50_ms, 15);    // rank 50: half-way through 10-20 ms
  EXPECT_DOUBLE_EQ(s->unloaded.p99_ms, 19.9);  // rank 99
  EXPECT_DOUBLE_EQ(s->loaded.p50_ms, 50);      // rank 50: the end of 20-50 ms
  EXPECT_DOUBLE_EQ(s->loaded.p99_ms, 99);      // rank 99: 98 % into 50-100 ms
  EXPECT_DOUBLE_EQ(s->p99_ratio, 99.0 / 19.9);
  EXPECT_DOUBLE_EQ(s->p50_ratio, 50.0 / 15.0);
  record.latency_by_profile[kShortProbeProfile].counts.assign(5, 0);
  EXPECT_FALSE(short_text_latency(record)) << "probes under load all went unanswered";
}

TEST(ReportText, FormatsNumbersForPeople) {
  EXPECT_EQ(format_number(0), "0");
  EXPECT_EQ(format_number(-0.0), "0");
  EXPECT_EQ(format_number(5.034), "5.03");
  EXPECT_EQ(format_number(3.2), "3.2");
  EXPECT_EQ(format_number(1), "1");
  EXPECT_EQ(format_number(12.34), "12.3");
  EXPECT_EQ(format_number(1234.6), "1235");  // "1.23e+03" would be no help
  EXPECT_EQ(format_number(0.5), "0.5");
  EXPECT_EQ(format_number(-2.5), "-2.5");
  EXPECT_EQ(format_number(-0.00001), "0");
  EXPECT_EQ(format_rate(6, "1/h"), "6/h");
  EXPECT_EQ(format_rate(3.2, "MiB/h"), "3.2 MiB/h");
}

TEST(ReportText, FormatsDurations) {
  EXPECT_EQ(format_duration(2), "2 s");
  EXPECT_EQ(format_duration(45), "45 s");
  EXPECT_EQ(format_duration(600), "10 min");
  EXPECT_EQ(format_duration(601.5), "10 min 2 s");
  EXPECT_EQ(format_duration(7380), "2 h 3 min");
  EXPECT_EQ(format_duration(-1), "-");
}

TEST(ReportText, EscapesMarkup) {
  EXPECT_EQ(html_escape("<a href='x'>\"&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
}

}  // namespace
}  // namespace nmtd::soak
