#pragma once
// Shared by the ops tests: the parameter (SIMD path x thread count) every op is run under,
// and random inputs.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "engine/cpu/isa.h"

namespace nmtd::ops::testing {

using IsaThreads = std::tuple<cpu::Isa, int>;

inline auto all_isas_and_threads() {
  return ::testing::Combine(::testing::ValuesIn(cpu::supported_isas()), ::testing::Values(1, 2));
}

inline std::string param_name(const ::testing::TestParamInfo<IsaThreads>& info) {
  std::string name = cpu::isa_name(std::get<0>(info.param));
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name + "_t" + std::to_string(std::get<1>(info.param));
}

inline std::vector<float> random_floats(std::size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& f : v) f = dist(rng);
  return v;
}

inline std::vector<int8_t> random_i8(std::size_t n, int lo, int hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<int8_t> v(n);
  for (int8_t& q : v) q = static_cast<int8_t>(dist(rng));
  return v;
}

}  // namespace nmtd::ops::testing
