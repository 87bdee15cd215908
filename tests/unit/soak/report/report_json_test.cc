#include "soak/report/report_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "soak/report/slope_analysis.h"
#include "unit/soak/report/record_fixtures.h"

namespace nmtd::soak {
namespace {

using nlohmann::json;
using testing::sample_record;

// Through text and back, as a reader of report.json sees it.
json round_trip(const SoakRecord& r) { return json::parse(report_to_json(r).dump(2)); }

TEST(ReportJson, HasEveryTopLevelKey) {
  const json j = round_trip(sample_record());
  for (const char* key : {"format",
                          "passed",
                          "failures",
                          "sent",
                          "answered",
                          "failed",
                          "lost",
                          "outcomes",
                          "by_profile",
                          "by_api",
                          "latency",
                          "slopes",
                          "restarts_by_reason",
                          "retries",
                          "crash_reports",
                          "keepalive_reconnects",
                          "chaos",
                          "events",
                          "processes",
                          "settings"})
    EXPECT_TRUE(j.contains(key)) << key;
}

TEST(ReportJson, TotalsRoundTripAndAddUp) {
  const json j = round_trip(sample_record());
  EXPECT_EQ(j["sent"].get<uint64_t>(), 100u);
  EXPECT_EQ(j["answered"].get<uint64_t>(), 90u);
  EXPECT_EQ(j["failed"].get<uint64_t>(), 6u);
  EXPECT_EQ(j["lost"].get<uint64_t>(), 4u);
  EXPECT_EQ(j["sent"].get<uint64_t>(), j["answered"].get<uint64_t>() + j["failed"].get<uint64_t>() +
                                           j["lost"].get<uint64_t>());
  EXPECT_EQ(j["outcomes"]["RESOURCE_EXHAUSTED"], 6);
  EXPECT_EQ(j["by_profile"]["saturate"]["failed"], 6);
  EXPECT_EQ(j["by_profile"]["desktop"]["by_code"]["UNAVAILABLE"], 2);
  EXPECT_EQ(j["by_api"]["nmt.v1"]["sent"], 100);
  EXPECT_EQ(j["restarts_by_reason"]["crash"], 1);
  EXPECT_EQ(j["retries"], 3);
  EXPECT_EQ(j["crash_reports"], 1);
  EXPECT_EQ(j["keepalive_reconnects"], 2);
}

TEST(ReportJson, PassedFollowsTheFailures) {
  SoakRecord r = sample_record();
  EXPECT_EQ(round_trip(r)["passed"], true);
  r.failures = {"front rss_mib grows 30 MiB/h (bound 1 MiB/h)"};
  const json j = round_trip(r);
  EXPECT_EQ(j["passed"], false);
  EXPECT_EQ(j["failures"], json::array({"front rss_mib grows 30 MiB/h (bound 1 MiB/h)"}));
}

TEST(ReportJson, SlopesCarryEveryFieldAndANullBoundWhenTheCheckIsOff) {
  SoakRecord r = sample_record();
  r.slopes = analyse_slopes(r.processes, r.slope_settings);
  const json j = round_trip(r);
  ASSERT_EQ(j["slopes"].size(), r.slopes.size());
  bool saw_front_rss = false;
  bool saw_gpu = false;
  for (const json& e : j["slopes"]) {
    for (const char* key :
         {"process", "role", "pid", "resource", "unit", "slope_per_hour", "slope_stderr_per_hour",
          "slope_ci95_per_hour", "bound", "span_s", "points", "judged", "within_bound", "note"})
      EXPECT_TRUE(e.contains(key)) << key;
    if (e["resource"] == "gpu_mib") {
      saw_gpu = true;
      EXPECT_TRUE(e["bound"].is_null());
      EXPECT_EQ(e["judged"], false);
      EXPECT_EQ(e["note"], "check off");
    }
    if (e["process"] == "front" && e["resource"] == "rss_mib") {
      saw_front_rss = true;
      EXPECT_EQ(e["bound"], 1.0);
      EXPECT_EQ(e["judged"], true);
      EXPECT_EQ(e["within_bound"], false);
      EXPECT_NEAR(e["slope_per_hour"].get<double>(), 30.0, 1.0);
      EXPECT_GE(e["slope_ci95_per_hour"].get<double>(), 0.0);
      EXPECT_GE(e["slope_ci95_per_hour"].get<double>(), e["slope_stderr_per_hour"].get<double>());
      EXPECT_EQ(e["unit"], "MiB/h");
      EXPECT_EQ(e["pid"], 900);
    }
  }
  EXPECT_TRUE(saw_front_rss);
  EXPECT_TRUE(saw_gpu);
}

TEST(ReportJson, SettingsHoldWhatWasRunWithNullForBoundsOff) {
  const json s = round_trip(sample_record())["settings"];
  EXPECT_EQ(s["nmtd_version"], "0.9.0");
  EXPECT_EQ(s["started_at_utc"], "2025-01-02T03:04:05Z");
  EXPECT_EQ(s["server"], "127.0.0.1:50051");
  EXPECT_EQ(s["model"], "/models/nllb");
  EXPECT_EQ(s["started_server"], true);
  EXPECT_EQ(s["seed"], 42);
  EXPECT_EQ(s["planned_duration_s"], 600.0);
  EXPECT_EQ(s["duration_s"], 601.5);
  EXPECT_EQ(s["chaos_every_s"], 30.0);
  EXPECT_EQ(s["sample_every_s"], 2.0);
  EXPECT_EQ(s["profiles"], json::array({"desktop", "saturate"}));
  EXPECT_EQ(s["chaos_actions"], json::array({"kill-9", "malformed"}));
  EXPECT_TRUE(s["chaos_spared_slot"].is_null());
  EXPECT_EQ(s["slopes"]["warmup_s"], 60.0);
  EXPECT_EQ(s["slopes"]["floor_window_s"], 20.0);
  EXPECT_EQ(s["slopes"]["min_span_s"], 300.0);
  EXPECT_EQ(s["slopes"]["bounds"]["rss_mib_per_hour"], 1.0);
  EXPECT_TRUE(s["slopes"]["bounds"]["gpu_mib_per_hour"].is_null());
  EXPECT_EQ(s["slopes"]["bounds"]["fds_per_hour"], 0.0);
}

TEST(ReportJson, TheSparedSlotIsNamed) {
  SoakRecord r = sample_record();
  r.chaos_spared_slot = 0;
  EXPECT_EQ(round_trip(r)["settings"]["chaos_spared_slot"], 0);
}

TEST(ReportJson, LatencyHasTheHistogramItsPercentilesAndTheSeriesOverTime) {
  const json l = round_trip(sample_record())["latency"];
  EXPECT_EQ(l["count"], 90);
  EXPECT_EQ(l["histogram"]["upper_bounds_ms"], json::array({10, 20, 50, 100}));
  EXPECT_EQ(l["histogram"]["counts"], json::array({0, 45, 40, 4, 1}));
  EXPECT_DOUBLE_EQ(l["p50_ms"].get<double>(), 20.0);  // rank 45 ends the 10-20 ms bucket
  EXPECT_EQ(l["max_ms"], 100.0);
  EXPECT_EQ(l["beyond_last_bound"], 1);
  ASSERT_EQ(l["over_time"].size(), 300u);
  EXPECT_EQ(l["over_time"][0]["t_s"], 2.0);
  EXPECT_EQ(l["over_time"][0]["p99_ms"], 90.0);

  const json empty = round_trip(SoakRecord{})["latency"];
  EXPECT_EQ(empty["count"], 0);
  EXPECT_TRUE(empty["p50_ms"].is_null());
  EXPECT_TRUE(empty["max_ms"].is_null());
}

TEST(ReportJson, ProcessesCarryCompactSampleRows) {
  const json processes = round_trip(sample_record())["processes"];
  ASSERT_EQ(processes.size(), 4u);
  const json& front = processes[0];
  EXPECT_EQ(front["name"], "front");
  EXPECT_EQ(front["role"], "front");
  EXPECT_EQ(front["slot"], -1);
  EXPECT_EQ(front["source"], "procfs");
  EXPECT_EQ(front["first_seen_s"], 0.0);
  EXPECT_EQ(front["last_seen_s"], 600.0);
  EXPECT_EQ(front["sample_columns"],
            json::array({"t_s", "rss_bytes", "open_fds", "threads", "gpu_used_bytes"}));
  ASSERT_EQ(front["samples"].size(), 301u);
  EXPECT_EQ(front["samples"][0], json::array({0.0, 80 * 1024 * 1024, 40, 12, nullptr}));
  EXPECT_EQ(processes[1]["samples"][0][4], 900 * 1024 * 1024);
  EXPECT_EQ(processes[3]["generation"], 1);
}

TEST(ReportJson, ChaosAndEventsAreListed) {
  const json j = round_trip(sample_record());
  ASSERT_EQ(j["chaos"].size(), 2u);
  EXPECT_EQ(j["chaos"][1]["action"], "malformed");
  EXPECT_EQ(j["chaos"][1]["expected"], 4);
  EXPECT_EQ(j["chaos"][1]["unexpected"], 1);
  EXPECT_EQ(j["chaos"][1]["notes"], json::array({"empty text answered <b>OK</b>"}));
  ASSERT_EQ(j["events"].size(), 4u);
  EXPECT_EQ(j["events"][1],
            json({{"t_s", 31.0}, {"kind", "restart"}, {"label", "restart: crash"}}));
}

TEST(ReportJson, AnEmptyRecordStillHasTheLayout) {
  const json j = round_trip(SoakRecord{});
  EXPECT_EQ(j["passed"], true);
  EXPECT_EQ(j["sent"], 0);
  EXPECT_TRUE(j["slopes"].is_array());
  EXPECT_TRUE(j["processes"].is_array());
  EXPECT_TRUE(j["outcomes"].is_object());
  EXPECT_TRUE(j["by_profile"].is_object());
}

}  // namespace
}  // namespace nmtd::soak
