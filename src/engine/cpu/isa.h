#pragma once
// Which SIMD path the CPU kernels run. The path is chosen at run time from CPUID so that one
// binary serves a plain x86-64, an AVX2 machine and an AVX-512 VNNI machine alike.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace nmtd::cpu {

// Ordered: a higher path needs every feature of the lower ones.
enum class Isa : uint8_t {
  kGeneric = 0,  // plain C++ (whatever the compiler's baseline vectorises)
  kAvx2 = 1,     // AVX2 + FMA
  kAvx512 = 2,   // AVX-512 F/BW/VL + VNNI
};

// "generic", "avx2", "avx512-vnni".
const char* isa_name(Isa isa);
// Accepts "generic", "avx2", "avx512" (and "avx512-vnni"); nullopt otherwise.
std::optional<Isa> parse_isa(std::string_view name);
// The best path this CPU (and OS) can run, from CPUID; computed once.
Isa best_isa();
bool isa_supported(Isa isa);
// Every path this CPU can run, lowest first (what the tests loop over).
std::vector<Isa> supported_isas();
// The path the untagged ops use: best_isa(), lowered by the NMTD_CPU_ISA environment
// variable when it names a lower path. Read once, at first use, and constant afterwards.
Isa default_isa();

}  // namespace nmtd::cpu
