#include "front/systemd/notifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "front/systemd/notify_socket.h"
#include "unit/front/systemd/listening_socket.h"

namespace nmtd::systemd {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Each message the service sends, read back from a socket bound where NOTIFY_SOCKET points.
void expect_every_message_arrives(const ListeningSocket& socket) {
  const Notifier notifier(socket.path());
  ASSERT_TRUE(notifier.enabled());
  const auto check = [&](std::error_code sent, const std::string& expected) {
    EXPECT_FALSE(sent) << sent.message();
    const auto received = socket.receive();
    ASSERT_TRUE(received) << "nothing arrived for " << expected;
    EXPECT_EQ(received->message, expected);
    EXPECT_EQ(received->sender, ::getpid());
  };
  check(notifier.ready(), "READY=1");
  check(notifier.ready("2 workers serving"), "READY=1\nSTATUS=2 workers serving");
  check(notifier.status("worker 1 restarting (crash)"), "STATUS=worker 1 restarting (crash)");
  check(notifier.watchdog(), "WATCHDOG=1");
  check(notifier.stopping(), "STOPPING=1");
  check(notifier.stopping("draining"), "STOPPING=1\nSTATUS=draining");
  check(notifier.main_pid(1234), "MAINPID=1234");
  check(notifier.extend_timeout(90s), "EXTEND_TIMEOUT_USEC=90000000");
  check(notifier.notify("RELOADING=1"), "RELOADING=1");
}

TEST(Notifier, SendsEveryMessageToASocketFile) {
  expect_every_message_arrives(ListeningSocket::in_temp_dir());
}

TEST(Notifier, SendsEveryMessageToAnAbstractSocket) {
  expect_every_message_arrives(ListeningSocket::abstract());
}

TEST(Notifier, StatusStaysOneLine) {
  // A newline would end STATUS and make the rest a new assignment: "READY=1" here.
  const ListeningSocket socket = ListeningSocket::in_temp_dir();
  const Notifier notifier(socket.path());
  EXPECT_FALSE(notifier.status("crashed\nREADY=1\r\n"));
  const auto received = socket.receive();
  ASSERT_TRUE(received);
  EXPECT_EQ(received->message, "STATUS=crashed READY=1  ");
}

TEST(Notifier, FailuresAreReturnedNotThrown) {
  const ListeningSocket socket = ListeningSocket::in_temp_dir();
  const std::string missing = socket.path() + ".gone";
  std::error_code error;
  EXPECT_NO_THROW(error = Notifier(missing).ready());
  EXPECT_EQ(error, std::errc::no_such_file_or_directory) << error.message();

  EXPECT_EQ(Notifier("@nmtd-nobody-listens-" + std::to_string(::getpid())).watchdog(),
            std::errc::connection_refused);
  EXPECT_EQ(Notifier("/" + std::string(200, 'x')).ready(), std::errc::filename_too_long);
  EXPECT_EQ(Notifier("@" + std::string(200, 'x')).ready(), std::errc::filename_too_long);
  EXPECT_EQ(Notifier("relative/notify.sock").ready(), std::errc::address_family_not_supported);
  EXPECT_EQ(Notifier("vsock:2:1234").ready(), std::errc::address_family_not_supported);
}

TEST(Notifier, DisabledWithoutASocketAndEveryCallSucceeds) {
  const Notifier notifier;
  EXPECT_FALSE(notifier.enabled());
  EXPECT_FALSE(notifier.watchdog_interval());
  EXPECT_FALSE(notifier.ready());
  EXPECT_FALSE(notifier.status("x"));
  EXPECT_FALSE(notifier.watchdog());
  EXPECT_FALSE(notifier.stopping());
  EXPECT_FALSE(Notifier("").enabled());
  EXPECT_FALSE(Notifier("", 1s).watchdog_interval());  // nothing to ping it through
}

TEST(FromEnvironment, NoNotifySocketMeansDisabled) {
  const Notifier n = Notifier::from_environment({{"WATCHDOG_USEC", "30000000"}}, 100);
  EXPECT_FALSE(n.enabled());
  EXPECT_FALSE(n.watchdog_interval());
  EXPECT_FALSE(Notifier::from_environment({{"NOTIFY_SOCKET", ""}}, 100).enabled());
  EXPECT_FALSE(Notifier::from_environment({}, 100).enabled());
}

TEST(FromEnvironment, ReadsTheSocketAndTheWatchdog) {
  const Notifier plain = Notifier::from_environment({{"NOTIFY_SOCKET", "/run/systemd/notify"}}, 7);
  EXPECT_TRUE(plain.enabled());
  EXPECT_EQ(plain.socket_path(), "/run/systemd/notify");
  EXPECT_FALSE(plain.watchdog_interval());
  EXPECT_EQ(plain.note(), "");

  const Notifier ours =
      Notifier::from_environment({{"NOTIFY_SOCKET", "@/org/freedesktop/systemd1/notify/42"},
                                  {"WATCHDOG_USEC", "30000000"},
                                  {"WATCHDOG_PID", "7"}},
                                 7);
  EXPECT_TRUE(ours.enabled());
  EXPECT_EQ(ours.watchdog_interval(), 30s);

  // Without WATCHDOG_PID (older systemd) the watchdog is ours.
  const Notifier unowned = Notifier::from_environment(
      {{"NOTIFY_SOCKET", "/run/systemd/notify"}, {"WATCHDOG_USEC", "500000"}}, 7);
  EXPECT_EQ(unowned.watchdog_interval(), 500ms);
}

TEST(FromEnvironment, IgnoresAnotherProcesssWatchdog) {
  const Notifier n = Notifier::from_environment({{"NOTIFY_SOCKET", "/run/systemd/notify"},
                                                 {"WATCHDOG_USEC", "30000000"},
                                                 {"WATCHDOG_PID", "8"}},
                                                7);
  EXPECT_TRUE(n.enabled());
  EXPECT_FALSE(n.watchdog_interval());
  EXPECT_EQ(n.note(), "");  // a watchdog for our parent is no anomaly
}

TEST(FromEnvironment, MalformedValuesAreIgnoredWithANote) {
  const auto with = [](std::map<std::string, std::string> env) {
    env["NOTIFY_SOCKET"] = "/run/systemd/notify";
    return Notifier::from_environment(env, 7);
  };
  for (const char* usec : {"abc", "0", "-5", "30s", ""}) {
    const Notifier n = with({{"WATCHDOG_USEC", usec}});
    EXPECT_TRUE(n.enabled());
    EXPECT_FALSE(n.watchdog_interval()) << usec;
    EXPECT_THAT(n.note(), HasSubstr("WATCHDOG_USEC=" + std::string(usec))) << usec;
  }
  const Notifier bad_pid = with({{"WATCHDOG_USEC", "1000000"}, {"WATCHDOG_PID", "me"}});
  EXPECT_FALSE(bad_pid.watchdog_interval());
  EXPECT_THAT(bad_pid.note(), HasSubstr("WATCHDOG_PID=me is not a pid"));

  const Notifier vsock = Notifier::from_environment({{"NOTIFY_SOCKET", "vsock:2:1234"}}, 7);
  EXPECT_FALSE(vsock.enabled());
  EXPECT_THAT(vsock.note(), HasSubstr("NOTIFY_SOCKET=vsock:2:1234"));
}

TEST(FromEnvironment, TheRealEnvironmentAgreesWithNotifySocket) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  const bool expected = socket != nullptr && (socket[0] == '/' || socket[0] == '@');
  EXPECT_EQ(Notifier::from_environment().enabled(), expected);
}

TEST(SendDatagram, SendsExactlyTheBytesGiven) {
  const ListeningSocket socket = ListeningSocket::abstract();
  EXPECT_FALSE(send_datagram(socket.path(), std::string("A=1\nB=2\0x", 9)));
  const auto received = socket.receive();
  ASSERT_TRUE(received);
  EXPECT_EQ(received->message, std::string("A=1\nB=2\0x", 9));
}

}  // namespace
}  // namespace nmtd::systemd
