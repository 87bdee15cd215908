// CPU kernel microbenchmarks: int8 and float32 linear at decoding (m = 1) and batched
// (m = 16, 64) sizes over NLLB-600M's weight shapes, plus weight packing.
//
//   build-ops/nmtd_microbench --benchmark_filter='Linear|Pack' --benchmark_min_time=0.2
//
// Arguments are isa (0 generic, 1 avx2, 2 avx512-vnni), m, shape, threads. Counters: GB/s
// of weights streamed (the bound at small m) and GMAC/s (the bound at large m).
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
// FFN in, FFN out, and a quarter of the 256206-row output projection (same k).
constexpr Shape kShapes[] = {{4096, 1024}, {1024, 4096}, {65536, 1024}};

// Cheap deterministic fill: a 268 MB weight must not take seconds of std::mt19937.
uint32_t mix(uint64_t i) {
  i = (i ^ (i >> 31)) * 0x7fb5d329728ea185ull;
  i = (i ^ (i >> 27)) * 0x81dadef4bc2dd44dull;
  return static_cast<uint32_t>(i ^ (i >> 33));
}

std::vector<float> fill_floats(int64_t count, uint64_t seed) {
  std::vector<float> v(static_cast<std::size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    v[i] = static_cast<float>(mix(seed * 0x9e3779b97f4a7c15ull + i) % 2001) / 1000.0f - 1.0f;
  }
  return v;
}

bool setup_isa(benchmark::State& state, cpu::Isa* isa) {
  *isa = static_cast<cpu::Isa>(state.range(0));
  if (!cpu::isa_supported(*isa)) {
    state.SkipWithError("ISA not supported on this CPU");
    return false;
  }
  state.SetLabel(cpu::isa_name(*isa));
  return true;
}

void report(benchmark::State& state, int64_t m, const Shape& s, std::size_t weight_bytes) {
  const double iters = static_cast<double>(state.iterations());
  state.counters["GB/s"] = benchmark::Counter(iters * static_cast<double>(weight_bytes) / 1e9,
                                              benchmark::Counter::kIsRate);
  state.counters["GMAC/s"] = benchmark::Counter(iters * static_cast<double>(m * s.n * s.k) / 1e9,
                                                benchmark::Counter::kIsRate);
}

void BM_LinearI8(benchmark::State& state) {
  cpu::Isa isa;
  if (!setup_isa(state, &isa)) return;
  const int64_t m = state.range(1);
  const Shape s = kShapes[state.range(2)];
  ThreadPool pool(static_cast<int>(state.range(3)));
  std::vector<int8_t> wq(static_cast<std::size_t>(s.n * s.k));
  for (std::size_t i = 0; i < wq.size(); ++i) wq[i] = static_cast<int8_t>(mix(i) % 255 - 127);
  const std::vector<float> scale(static_cast<std::size_t>(s.n), 50.0f);
  const ops::PackedWeight w = ops::pack_i8(wq.data(), scale.data(), s.n, s.k, pool);
  wq = {};
  const auto x = fill_floats(m * s.k, 1);
  const auto bias = fill_floats(s.n, 2);
  std::vector<float> y(static_cast<std::size_t>(m * s.n));
  for (auto _ : state) {
    ops::linear(x.data(), m, w, bias.data(), false, y.data(), pool, isa);
    benchmark::DoNotOptimize(y.data());
  }
  report(state, m, s, w.data.size());
}

void BM_LinearF32(benchmark::State& state) {
  cpu::Isa isa;
  if (!setup_isa(state, &isa)) return;
  const int64_t m = state.range(1);
  const Shape s = kShapes[state.range(2)];
  ThreadPool pool(static_cast<int>(state.range(3)));
  const ops::PackedWeight w = [&] {
    const auto wf = fill_floats(s.n * s.k, 3);
    return ops::pack_f32(wf.data(), s.n, s.k, pool);
  }();
  const auto x = fill_floats(m * s.k, 1);
  const auto bias = fill_floats(s.n, 2);
  std::vector<float> y(static_cast<std::size_t>(m * s.n));
  for (auto _ : state) {
    ops::linear(x.data(), m, w, bias.data(), false, y.data(), pool, isa);
    benchmark::DoNotOptimize(y.data());
  }
  report(state, m, s, w.data.size());
}

// Packing the int8 output projection's shape; NLLB-600M int8 has ~600 MB of such weights.
void BM_PackI8(benchmark::State& state) {
  const Shape s{state.range(0), 1024};
  ThreadPool pool(static_cast<int>(state.range(1)));
  std::vector<int8_t> wq(static_cast<std::size_t>(s.n * s.k));
  for (std::size_t i = 0; i < wq.size(); ++i) wq[i] = static_cast<int8_t>(mix(i) % 255 - 127);
  const std::vector<float> scale(static_cast<std::size_t>(s.n), 50.0f);
  for (auto _ : state) {
    ops::PackedWeight w = ops::pack_i8(wq.data(), scale.data(), s.n, s.k, pool);
    benchmark::DoNotOptimize(w.data.data());
  }
  state.counters["GB/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(wq.size()) / 1e9,
      benchmark::Counter::kIsRate);
}

// One NLLB-600M decoder step's int8 GEMMs at batch m: 12 layers of self-attention QKV
// [3072,1024], its output [1024,1024], cross-attention query [1024,1024], FFN [4096,1024]
// and [1024,4096], then the [256206,1024] output projection: ~441 MB of weights, more than
// any cache, so at m = 1 this measures how close the kernels get to memory bandwidth.
void BM_DecodeStepI8(benchmark::State& state) {
  const int64_t m = state.range(0);
  ThreadPool pool(static_cast<int>(state.range(1)));
  const Shape layer[] = {{3072, 1024}, {1024, 1024}, {1024, 1024}, {4096, 1024}, {1024, 4096}};
  std::vector<ops::PackedWeight> weights;
  auto add = [&](Shape s) {
    std::vector<int8_t> wq(static_cast<std::size_t>(s.n * s.k));
    for (std::size_t i = 0; i < wq.size(); ++i) {
      wq[i] = static_cast<int8_t>(mix(i + weights.size()) % 255 - 127);
    }
    const std::vector<float> scale(static_cast<std::size_t>(s.n), 50.0f);
    weights.push_back(ops::pack_i8(wq.data(), scale.data(), s.n, s.k, pool));
  };
  for (int l = 0; l < 12; ++l) {
    for (const Shape& s : layer) add(s);
  }
  add({256206, 1024});
  std::size_t bytes = 0;
  int64_t macs = 0;
  for (const auto& w : weights) {
    bytes += w.data.size();
    macs += m * w.rows * w.cols;
  }
  const auto x = fill_floats(m * 4096, 1);
  std::vector<float> y(static_cast<std::size_t>(m * 256206));
  for (auto _ : state) {
    for (const auto& w : weights) ops::linear(x.data(), m, w, nullptr, false, y.data(), pool);
    benchmark::DoNotOptimize(y.data());
  }
  const double iters = static_cast<double>(state.iterations());
  state.counters["GB/s"] =
      benchmark::Counter(iters * static_cast<double>(bytes) / 1e9, benchmark::Counter::kIsRate);
  state.counters["GMAC/s"] =
      benchmark::Counter(iters * static_cast<double>(macs) / 1e9, benchmark::Counter::kIsRate);
  state.SetLabel(ops::kernel_isa());
}

// The bandwidth floor to compare with: each thread sums its half of a 512 MB buffer.
void BM_ReadBandwidth(benchmark::State& state) {
  ThreadPool pool(static_cast<int>(state.range(0)));
  const int64_t words = (512ll << 20) / 8;
  std::vector<uint64_t> buf(static_cast<std::size_t>(words));
  for (int64_t i = 0; i < words; ++i) buf[i] = static_cast<uint64_t>(i);
  std::vector<uint64_t> sums(64);
  for (auto _ : state) {
    pool.parallel_for(words, 1 << 16, [&](int64_t b, int64_t e) {
      uint64_t s[8] = {};
      for (int64_t i = b; i + 8 <= e; i += 8) {
        for (int j = 0; j < 8; ++j) s[j] += buf[i + j];
      }
      sums[static_cast<std::size_t>(b * 8 / words)] =
          s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
    });
    benchmark::DoNotOptimize(sums.data());
  }
  state.counters["GB/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(words * 8) / 1e9,
      benchmark::Counter::kIsRate);
}

void linear_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"isa", "m", "shape", "threads"});
  b->ArgsProduct({{0, 1, 2}, {1, 16, 64}, {0, 1, 2}, {2}});
  b->ArgsProduct({{2}, {1, 64}, {0, 2}, {1}});
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK(BM_LinearI8)->Apply(linear_args);
BENCHMARK(BM_LinearF32)->Apply(linear_args);
BENCHMARK(BM_DecodeStepI8)
    ->ArgNames({"m", "threads"})
    ->ArgsProduct({{1, 4}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_ReadBandwidth)
    ->ArgNames({"threads"})
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_PackI8)
    ->ArgNames({"n", "threads"})
    ->ArgsProduct({{65536, 256206}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace nmtd
