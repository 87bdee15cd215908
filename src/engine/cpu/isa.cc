#include "engine/cpu/isa.h"

#include <cstdio>
#include <cstdlib>

namespace nmtd::cpu {

namespace {

Isa detect() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  // libgcc's checks include the OS (XCR0) support for the YMM/ZMM register state.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni")) {
    return Isa::kAvx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
#endif
  return Isa::kGeneric;
}

Isa from_environment() {
  const Isa best = best_isa();
  const char* env = std::getenv("NMTD_CPU_ISA");
  if (env == nullptr || *env == '\0') return best;
  const std::optional<Isa> wanted = parse_isa(env);
  if (!wanted) {
    std::fprintf(stderr, "nmtd: ignoring NMTD_CPU_ISA=%s (want generic, avx2 or avx512)\n", env);
    return best;
  }
  // Only lowering makes sense: a path above the CPU's would die on an illegal instruction.
  return *wanted < best ? *wanted : best;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kGeneric:
      return "generic";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512-vnni";
  }
  return "?";
}

std::optional<Isa> parse_isa(std::string_view name) {
  if (name == "generic") return Isa::kGeneric;
  if (name == "avx2") return Isa::kAvx2;
  if (name == "avx512" || name == "avx512-vnni") return Isa::kAvx512;
  return std::nullopt;
}

Isa best_isa() {
  static const Isa isa = detect();
  return isa;
}

bool isa_supported(Isa isa) { return isa <= best_isa(); }

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512}) {
    if (isa_supported(isa)) out.push_back(isa);
  }
  return out;
}

Isa default_isa() {
  static const Isa isa = from_environment();
  return isa;
}

}  // namespace nmtd::cpu
