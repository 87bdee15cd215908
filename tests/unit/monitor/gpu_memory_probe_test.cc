#include "monitor/gpu_memory_probe.h"

#include <gtest/gtest.h>

namespace nmtd::monitor {
namespace {

// Both paths are checked so the test means something on either kind of machine; the build
// machines have no NVIDIA driver, so the unavailable path is the one that normally runs.
TEST(GpuMemoryProbe, UnavailableHasReasonAndNoReading) {
  GpuMemoryProbe probe;
  if (probe.available()) GTEST_SKIP() << "NVML present on this machine";
  EXPECT_FALSE(probe.unavailable_reason().empty());
  EXPECT_FALSE(probe.read().has_value());
  EXPECT_FALSE(probe.read().has_value());  // stays unavailable, no crash on repeat
}

TEST(GpuMemoryProbe, AbsurdDeviceIndexIsUnavailable) {
  GpuMemoryProbe probe(100000);
  EXPECT_FALSE(probe.available());
  EXPECT_FALSE(probe.unavailable_reason().empty());
  EXPECT_FALSE(probe.read().has_value());
}

TEST(GpuMemoryProbe, AvailableReadsSaneNumbers) {
  GpuMemoryProbe probe;
  if (!probe.available()) GTEST_SKIP() << probe.unavailable_reason();
  EXPECT_TRUE(probe.unavailable_reason().empty());
  const auto mem = probe.read();
  ASSERT_TRUE(mem.has_value());
  EXPECT_GT(mem->total_bytes, 0);
  EXPECT_LE(mem->used_bytes, mem->total_bytes);
}

}  // namespace
}  // namespace nmtd::monitor
