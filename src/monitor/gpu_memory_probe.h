#pragma once
// GPU memory use through NVML, loaded at run time so that the binary runs (and builds) on
// machines without the NVIDIA driver. Absent NVML is a normal state, never an error.
#include <optional>
#include <string>

#include "monitor/resource_sample.h"

namespace nmtd::monitor {

class GpuMemoryProbe {
 public:
  explicit GpuMemoryProbe(unsigned device_index = 0);
  ~GpuMemoryProbe();
  GpuMemoryProbe(const GpuMemoryProbe&) = delete;
  GpuMemoryProbe& operator=(const GpuMemoryProbe&) = delete;

  bool available() const { return device_ != nullptr; }
  // Why available() is false, for the log; empty when available.
  const std::string& unavailable_reason() const { return reason_; }
  // nullopt when unavailable or when this particular query fails.
  std::optional<GpuMemory> read();

 private:
  // NVML's own types, declared here so that no NVML header is needed to build.
  struct NvmlMemory {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
  };
  using NvmlDevice = void*;
  using InitFn = int (*)();
  using ShutdownFn = int (*)();
  using GetHandleFn = int (*)(unsigned, NvmlDevice*);
  using GetMemoryFn = int (*)(NvmlDevice, NvmlMemory*);

  void release();

  void* lib_ = nullptr;
  bool initialized_ = false;
  ShutdownFn shutdown_ = nullptr;
  GetMemoryFn get_memory_ = nullptr;
  NvmlDevice device_ = nullptr;
  std::string reason_;
};

}  // namespace nmtd::monitor
