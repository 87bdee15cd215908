// The front passes its worker.* settings (and a few others) to `nmtd worker` as flags: each
// such flag must be one the worker's table knows, of the same kind, and where the front's
// environment variable has the worker's name (NMTD_WORKER_THREADS), it must mean the same, since
// a worker inherits the front's environment.
#include <gtest/gtest.h>

#include "front/config/settings.h"
#include "worker/worker_settings.h"

namespace nmtd {
namespace {

TEST(FrontAndWorkerSettings, EveryFlagTheFrontPassesIsAWorkerSettingOfTheSameKind) {
  const auto& worker = worker::worker_settings();
  int passed = 0;
  for (const auto& front_setting : front::settings()) {
    if (front_setting.worker_flag.empty()) continue;
    SCOPED_TRACE(std::string(front_setting.name));
    ++passed;
    const settings::Setting<worker::WorkerConfig>* match = nullptr;
    for (const auto& w : worker.settings())
      if (w.flag == front_setting.worker_flag) match = &w;
    ASSERT_NE(match, nullptr) << front_setting.worker_flag << " is no worker flag";
    EXPECT_EQ(match->kind, front_setting.kind);
  }
  EXPECT_GE(passed, 10);
}

TEST(FrontAndWorkerSettings, SharedEnvironmentNamesMeanTheSameSetting) {
  const auto& worker = worker::worker_settings();
  for (const auto& front_setting : front::settings()) {
    const std::string variable = front::environment_name(front_setting);
    for (const auto& w : worker.settings()) {
      if (worker.environment_name(w) != variable) continue;
      SCOPED_TRACE(variable);
      EXPECT_EQ(w.flag, front_setting.worker_flag);
      EXPECT_EQ(w.kind, front_setting.kind);
    }
  }
}

}  // namespace
}  // namespace nmtd
