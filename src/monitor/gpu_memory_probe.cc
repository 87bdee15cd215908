#include "monitor/gpu_memory_probe.h"

#include <dlfcn.h>

namespace nmtd::monitor {
namespace {

constexpr int kNvmlSuccess = 0;

template <typename Fn>
Fn symbol(void* lib, const char* name) {
  return reinterpret_cast<Fn>(dlsym(lib, name));
}

}  // namespace

GpuMemoryProbe::GpuMemoryProbe(unsigned device_index) {
  lib_ = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib_ == nullptr) {
    const char* err = dlerror();
    reason_ = std::string("libnvidia-ml.so.1 not found (") +
              (err != nullptr ? err : "dlopen failed") + ")";
    return;
  }
  const auto init = symbol<InitFn>(lib_, "nvmlInit_v2");
  shutdown_ = symbol<ShutdownFn>(lib_, "nvmlShutdown");
  const auto get_handle = symbol<GetHandleFn>(lib_, "nvmlDeviceGetHandleByIndex_v2");
  get_memory_ = symbol<GetMemoryFn>(lib_, "nvmlDeviceGetMemoryInfo");
  if (init == nullptr || shutdown_ == nullptr || get_handle == nullptr || get_memory_ == nullptr) {
    reason_ = "NVML library lacks the expected functions";
    release();
    return;
  }
  if (const int rc = init(); rc != kNvmlSuccess) {
    reason_ = "nvmlInit failed: code " + std::to_string(rc);
    release();
    return;
  }
  initialized_ = true;
  NvmlDevice device = nullptr;
  if (const int rc = get_handle(device_index, &device); rc != kNvmlSuccess || device == nullptr) {
    reason_ = "no GPU at index " + std::to_string(device_index) + " (NVML code " +
              std::to_string(rc) + ")";
    release();
    return;
  }
  device_ = device;
}

GpuMemoryProbe::~GpuMemoryProbe() { release(); }

void GpuMemoryProbe::release() {
  device_ = nullptr;
  if (initialized_ && shutdown_ != nullptr) shutdown_();
  initialized_ = false;
  if (lib_ != nullptr) dlclose(lib_);
  lib_ = nullptr;
  shutdown_ = nullptr;
  get_memory_ = nullptr;
}

std::optional<GpuMemory> GpuMemoryProbe::read() {
  if (!available()) return std::nullopt;
  NvmlMemory mem{};
  if (get_memory_(device_, &mem) != kNvmlSuccess) return std::nullopt;
  return GpuMemory{.used_bytes = static_cast<int64_t>(mem.used),
                   .total_bytes = static_cast<int64_t>(mem.total)};
}

}  // namespace nmtd::monitor
