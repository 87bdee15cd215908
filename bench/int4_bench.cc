// int4 kernel microbenchmarks beside ops_bench.cc's int8 ones: linear at decoding (m = 1)
// and batched sizes, and one NLLB-600M decoder step's GEMMs with int4 weights.
//
//   build/bench/nmtd_microbench --benchmark_filter='I4|DecodeStepI8' --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "common/thread_pool.h"
#include "engine/cpu/dispatch.h"
#include "engine/cpu/isa.h"
#include "engine/ops/ops.h"

namespace nmtd {
namespace {

struct Shape {
  int64_t n;
  int64_t k;
};
constexpr Shape kShapes[] = {{4096, 1024}, {1024, 4096}, {65536, 1024}};

uint32_t mix(uint64_t i) {
  i = (i ^ (i >> 31)) * 0x7fb5d329728ea185ull;
  i = (i ^ (i >> 27)) * 0x81dadef4bc2dd44dull;
  return static_cast<uint32_t>(i ^ (i >> 33));
}

ops::PackedWeight random_i4(Shape s, uint64_t seed, ThreadPool& pool) {
  std::vector<uint8_t> nibbles(static_cast<std::size_t>(s.n * ((s.k + 1) / 2)));
  for (std::size_t i = 0; i < nibbles.size(); ++i)
    nibbles[i] = static_cast<uint8_t>(mix(i + seed * 0x9e3779b97f4a7c15ull));
  const std::vector<uint16_t> scales(static_cast<std::size_t>(s.n * ((s.k + 63) / 64)), 0x3c00);
  return ops::pack_i4(nibbles.data(), scales.data(), s.n, s.k, pool);
}

std::vector<float> fill_floats(int64_t count) {
  std::vector<float> v(static_cast<std::size_t>(count));
  for (int64_t i = 0; i < count; ++i)
    v[i] = static_cast<float>(mix(static_cast<uint64_t>(i)) % 2001) / 1000.0f - 1.0f;
  return v;
}

void BM_LinearI4(benchmark::State& state) {
  const auto isa = static_cast<cpu::Isa>(state.range(0));
  if (!cpu::isa_supported(isa)) {
    state.SkipWithError("ISA not supported on this CPU");
    return;
  }
  state.SetLabel(cpu::isa_name(isa));
  const int64_t m = state.range(1);
  const Shape s = kShapes[state.range(2)];
  ThreadPool pool(static_cast<int>(state.range(3)));
  const ops::PackedWeight w = random_i4(s, 1, pool);
  const auto x = fill_floats(m * s.k);
  std::vector<float> y(static_cast<std::size_t>(m * s.n));
  for (auto _ : state) {
    ops::linear(x.data(), m, w, nullptr, false, y.data(), pool, isa);
    benchmark::DoNotOptimize(y.data());
  }
  const double iters = static_cast<double>(state.iterations());
  state.counters["GB/s"] =
      benchmark::Counter(iters * static_cast<double>(w.bytes()) / 1e9, benchmark::Counter::kIsRate);
  state.counters["GMAC/s"] = benchmark::Counter(iters * static_cast<double>(m * s.n * s.k) / 1e9,
                                                benchmark::Counter::kIsRate);
}

// BM_DecodeStepI8's weights (ops_bench.cc) in int4.
void BM_DecodeStepI4(benchmark::State& state) {
  const int64_t m = state.range(0);
  ThreadPool pool(static_cast<int>(state.range(1)));
  const Shape layer[] = {{3072, 1024}, {1024, 1024}, {1024, 1024}, {4096, 1024}, {1024, 4096}};
  std::vector<ops::PackedWeight> weights;
  for (int l = 0; l < 12; ++l)
    for (const Shape& s : layer) weights.push_back(random_i4(s, weights.size(), pool));
  weights.push_back(random_i4({256206, 1024}, 99, pool));
  std::size_t bytes = 0;
  for (const auto& w : weights) bytes += w.bytes();
  const auto x = fill_floats(m * 4096);
  std::vector<float> y(static_cast<std::size_t>(m * 256206));
  for (auto _ : state) {
    for (const auto& w : weights) ops::linear(x.data(), m, w, nullptr, false, y.data(), pool);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GB/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(bytes) / 1e9,
                         benchmark::Counter::kIsRate);
  state.SetLabel(ops::kernel_isa());
}

BENCHMARK(BM_LinearI4)
    ->ArgNames({"isa", "m", "shape", "threads"})
    ->ArgsProduct({{0, 1, 2}, {1, 16, 64}, {0, 1, 2}, {2}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_DecodeStepI4)
    ->ArgNames({"m", "threads"})
    ->ArgsProduct({{1, 4}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace nmtd
