// `nmtd soak` end to end: a short soak with every kind of chaos against a server it starts
// (what CI runs), one attached to a server it must leave running, and one whose requests are
// bound to be lost, which must fail.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/run_process.h"
#include "support/serve_process.h"
#include "support/worker_process.h"

namespace nmtd::testing {
namespace {

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

void expect_books_balance(const nlohmann::json& report) {
  EXPECT_GT(report["sent"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["sent"].get<uint64_t>(), report["answered"].get<uint64_t>() +
                                                report["failed"].get<uint64_t>() +
                                                report["lost"].get<uint64_t>());
}

// What CI runs: every profile, every chaos action, a server the soak starts and stops.
TEST(Soak, ShortSoakWithEveryChaosLosesNothing) {
  TempDir dir("soak");
  const auto report_dir = dir.path() / "report";
  const ProcessResult run = run_nmtd(
      {"soak", "--model", shared_test_model().string(), "--report", report_dir.string(),
       "--duration", "75s", "--chaos-every", "6s", "--desktop-idle", "15s", "--seed", "3",
       "--sample-every", "1s", "--warmup", "20s", "--floor-window", "5s", "--min-span", "30s",
       // Slopes over a minute say little; the 30-minute soak judges them (docs/operations.md).
       "--max-rss-slope", "off", "--max-gpu-slope", "off", "--max-fd-slope", "off",
       "--max-thread-slope", "off", "--serve-args", "--threads 1"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("[soak 0"), std::string::npos) << "no progress line: " << run.out;
  EXPECT_NE(run.out.find("PASSED"), std::string::npos) << run.out;

  const auto report = read_json(report_dir / "report.json");
  expect_books_balance(report);
  EXPECT_EQ(report["lost"].get<uint64_t>(), 0u) << report["failures"].dump(1);
  EXPECT_TRUE(report["passed"].get<bool>());
  for (const char* profile : {"crash-report", "desktop", "saturate", "burst"}) {
    EXPECT_GT(report["by_profile"][profile]["sent"].get<uint64_t>(), 0u) << profile;
  }
  std::set<std::string> done;
  for (const auto& c : report["chaos"]) {
    EXPECT_EQ(c["unexpected"].get<uint64_t>(), 0u) << c.dump(1);
    if (c["done"].get<uint64_t>() > 0) done.insert(c["action"].get<std::string>());
  }
  // Every signal, and (on a slow machine, where recoveries stretch the rounds) nearly every
  // other action.
  for (const char* action : {"kill-9", "sigsegv", "sigstop"}) {
    EXPECT_TRUE(done.count(action)) << action << " never ran: " << report["chaos"].dump(1);
  }
  EXPECT_GE(done.size(), 5u) << report["chaos"].dump(1);
  // kill -9 and SIGSEGV were answered by restarts; the SIGSEGV left a crash report.
  EXPECT_GE(report["restarts_by_reason"].value("crash", 0u), 2u) << report["restarts_by_reason"];
  EXPECT_GE(report["crash_reports"].get<uint64_t>(), 1u);
  // The signals spared slot 0: one worker held it through the whole soak, so that its growth
  // can be judged, while slot 1's workers took every signal.
  EXPECT_EQ(report["settings"]["chaos_spared_slot"], 0);
  int slot0_processes = 0;
  int slot1_processes = 0;
  for (const auto& p : report["processes"]) {
    if (p["role"] != "worker") continue;
    ++(p["slot"] == 0 ? slot0_processes : slot1_processes);
  }
  EXPECT_EQ(slot0_processes, 1) << report["processes"].size();
  EXPECT_GE(slot1_processes, 4);
  // One slope entry per process and resource, the front's among them.
  bool front_rss = false;
  for (const auto& s : report["slopes"]) {
    if (s["process"] == "front" && s["resource"] == "rss_mib") front_rss = true;
  }
  EXPECT_TRUE(front_rss) << report["slopes"].dump(1);
  const std::string html = read_text(report_dir / "report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  // Nothing of the server outlives the soak.
  for (const auto& p : report["processes"]) {
    const pid_t pid = p["pid"].get<pid_t>();
    EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(pid) + "/cmdline") &&
                 ::kill(pid, 0) == 0)
        << p["name"] << " (pid " << pid << ") still runs";
  }
}

TEST(Soak, AttachedToARunningServerLeavesItRunning) {
  ServeProcess serve(shared_test_model(), {"--workers", "2"});
  ASSERT_TRUE(serve.wait_workers_ready(2, std::chrono::seconds(60))) << serve.stderr_text();
  TempDir dir("soak-attach");
  const ProcessResult run = run_nmtd({"soak",
                                      "--server",
                                      serve.target(),
                                      "--http",
                                      "127.0.0.1:" + std::to_string(serve.http_port()),
                                      "--report",
                                      dir.path().string(),
                                      "--duration",
                                      "15s",
                                      "--chaos-every",
                                      "4s",
                                      "--chaos-actions",
                                      "kill-9,malformed",
                                      "--profiles",
                                      "crash-report,saturate",
                                      "--clients",
                                      "1",
                                      "--warmup",
                                      "0s",
                                      "--floor-window",
                                      "4s",
                                      "--max-rss-slope",
                                      "off",
                                      "--max-fd-slope",
                                      "off",
                                      "--max-thread-slope",
                                      "off",
                                      "--seed",
                                      "5"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto report = read_json(dir.path() / "report.json");
  expect_books_balance(report);
  EXPECT_EQ(report["lost"].get<uint64_t>(), 0u);
  EXPECT_FALSE(report["settings"]["started_server"].get<bool>());
  EXPECT_TRUE(serve.running());
  EXPECT_TRUE(serve.wait_workers_ready(2, std::chrono::seconds(60)));
}

TEST(Soak, LostRequestsFailTheRun) {
  ServeProcess serve(shared_test_model(), {"--workers", "1"});
  ASSERT_TRUE(serve.wait_serving()) << serve.stderr_text();
  TempDir dir("soak-lost");
  // A 1 ms deadline cannot be met: the requests end DEADLINE_EXCEEDED, which is lost.
  const ProcessResult run = run_nmtd({"soak",
                                      "--server",
                                      serve.target(),
                                      "--report",
                                      dir.path().string(),
                                      "--duration",
                                      "3s",
                                      "--chaos-every",
                                      "0",
                                      "--profiles",
                                      "saturate",
                                      "--clients",
                                      "1",
                                      "--deadline",
                                      "1ms",
                                      "--max-rss-slope",
                                      "off",
                                      "--max-fd-slope",
                                      "off",
                                      "--max-thread-slope",
                                      "off"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("FAIL: "), std::string::npos) << run.out;
  const auto report = read_json(dir.path() / "report.json");
  expect_books_balance(report);
  EXPECT_GT(report["lost"].get<uint64_t>(), 0u);
  EXPECT_FALSE(report["passed"].get<bool>());
  EXPECT_GT(report["outcomes"].value("DEADLINE_EXCEEDED", 0u), 0u) << report["outcomes"];
}

TEST(Soak, BadFlagsAreRefusedBeforeAnythingStarts) {
  const ProcessResult run = run_nmtd({"soak", "--report", "/tmp/x", "--duration", "soon"});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("--duration"), std::string::npos) << run.err;
  const ProcessResult both =
      run_nmtd({"soak", "--report", "/tmp/x", "--server", "127.0.0.1:1", "--model", "/nowhere"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("exclude each other"), std::string::npos) << both.err;
  // A bare number would mean milliseconds: refused rather than a 1.8-second "30-minute" run.
  const ProcessResult bare = run_nmtd({"soak", "--report", "/tmp/x", "--duration", "1800"});
  EXPECT_EQ(bare.exit_code, 2);
  EXPECT_NE(bare.err.find("--duration"), std::string::npos) << bare.err;
  const ProcessResult address = run_nmtd({"soak", "--report", "/tmp/x", "--server", "nohost"});
  EXPECT_EQ(address.exit_code, 2);
  EXPECT_NE(address.err.find("HOST:PORT"), std::string::npos) << address.err;
  const ProcessResult twice = run_nmtd({"soak", "--report", "/tmp/x", "--profiles", "burst,burst"});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("named twice"), std::string::npos) << twice.err;
  const ProcessResult taken =
      run_nmtd({"soak", "--report", "/tmp/x", "--serve-args", "--port=1234"});
  EXPECT_NE(taken.exit_code, 0);
  EXPECT_NE(taken.err.find("--serve-args must not set --port"), std::string::npos) << taken.err;
  const ProcessResult spare = run_nmtd({"soak", "--report", "/tmp/x", "--spare-slot", "first"});
  EXPECT_EQ(spare.exit_code, 2);
  EXPECT_NE(spare.err.find("--spare-slot expects auto, none or a slot number"), std::string::npos)
      << spare.err;
}

}  // namespace
}  // namespace nmtd::testing
