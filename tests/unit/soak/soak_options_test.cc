#include "soak/soak_options.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "soak/raw_socket.h"

namespace nmtd::soak {
namespace {

SoakOptions good() {
  SoakOptions o;
  o.report_dir = "/tmp/report";
  return o;
}

void expect_refused(const SoakOptions& o, const std::string& words) {
  try {
    validate(o);
    FAIL() << "accepted; expected an error with '" << words << "'";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

TEST(SoakOptions, DefaultsWithAReportDirAreValid) { EXPECT_NO_THROW(validate(good())); }

TEST(SoakOptions, EachBadOptionIsNamed) {
  auto o = good();
  o.report_dir.clear();
  expect_refused(o, "--report");
  o = good();
  o.server = "127.0.0.1:1";
  o.model = "/m";
  expect_refused(o, "--server and --model");
  o = good();
  o.profiles = {"crash-report", "nightly"};
  expect_refused(o, "unknown profile 'nightly'");
  o = good();
  o.chaos_actions = {"reboot"};
  expect_refused(o, "unknown chaos action 'reboot'");
  o = good();
  o.chaos_actions.clear();
  expect_refused(o, "--chaos-actions");
  o.chaos_every_s = 0;  // no chaos: no actions needed
  EXPECT_NO_THROW(validate(o));
  o = good();
  o.duration_s = 0;
  expect_refused(o, "--duration");
  o = good();
  o.slopes.floor_window_s = 1;
  o.sample_every_s = 2;
  expect_refused(o, "--floor-window");
  o = good();
  o.saturating_clients = 0;
  expect_refused(o, "--clients");
  o = good();
  o.spare_slot = 2;  // of the 2 workers the soak starts, slots 0 and 1
  expect_refused(o, "--spare-slot 2 is not a slot of 2 worker(s)");
  o.workers = 3;
  EXPECT_NO_THROW(validate(o));
  o.server = "127.0.0.1:1";  // an attached server's slots are known only once it answers
  o.workers = 2;
  EXPECT_NO_THROW(validate(o));
}

TEST(ParseHostPort, ReadsHostsAndRefusesJunk) {
  auto a = parse_host_port("127.0.0.1:50051");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 50051);
  a = parse_host_port("[::1]:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "::1");
  for (const char* bad : {"", "host", "host:", ":80", "h:0", "h:65536", "h:8o"}) {
    EXPECT_FALSE(parse_host_port(bad)) << bad;
  }
}

}  // namespace
}  // namespace nmtd::soak
