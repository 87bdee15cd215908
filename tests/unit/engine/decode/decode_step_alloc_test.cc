// A decode step after the first allocates nothing: the decoder's caches and scratch, the
// searches' bookkeeping and the kernels' scratch are all sized before the second step.
// Allocations are counted by replacing the global allocation functions in this program
// (its own test binary, so no other test pays for the counter).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "engine/decode/decoding.h"
#include "engine/model/model_file.h"
#include "engine/nn/decoder.h"
#include "engine/nn/encoder.h"
#include "engine/nn/nllb_weights.h"

namespace {
// The counter a test switches on around the code it measures; every thread counts.
std::atomic<bool> g_counting{false};
std::atomic<int64_t> g_allocations{0};

void count() {
  if (g_counting.load(std::memory_order_relaxed))
    g_allocations.fetch_add(1, std::memory_order_relaxed);
}

void* allocate(std::size_t n) {
  count();
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

void* allocate_aligned(std::size_t n, std::align_val_t al) {
  count();
  const auto a = static_cast<std::size_t>(al);
  if (void* p = std::aligned_alloc(a, (n + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, std::align_val_t al) { return allocate_aligned(n, al); }
void* operator new[](std::size_t n, std::align_val_t al) { return allocate_aligned(n, al); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  count();
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  count();
  return std::malloc(n == 0 ? 1 : n);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
// Outside the sanitizers (which own malloc themselves) count C allocations too, which
// AlignedBuffer and other raw buffers use; glibc's own entry points do the work.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void* malloc(std::size_t n) {
  count();
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  count();
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  count();
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  count();
  return __libc_memalign(alignment, n);
}
}
#endif

namespace nmtd {
namespace {

// Counts what each interval from one step's start to the next step's start allocates: the
// step itself, the search's work on its logits and the row selection that follows.
class CountingModel : public StepModel {
 public:
  explicit CountingModel(StepModel& inner) : inner_(inner) { per_step_.reserve(4096); }
  ~CountingModel() override { g_counting.store(false); }

  int64_t vocab_size() const override { return inner_.vocab_size(); }
  void step(std::span<const int32_t> ids, int step, float* logits) override {
    g_counting.store(false);
    if (step > 0) per_step_.push_back(g_allocations.load());
    g_allocations.store(0);
    g_counting.store(true);
    inner_.step(ids, step, logits);
  }
  void select_rows(std::span<const int32_t> origin) override { inner_.select_rows(origin); }

  // Allocations of the interval starting at step i + 1... recorded once the next step began:
  // entry k is the interval that began with step k (k = 0 is the first step).
  std::vector<int64_t> finished_intervals() {
    g_counting.store(false);
    return per_step_;
  }

 private:
  StepModel& inner_;
  std::vector<int64_t> per_step_;
};

class DecodeStepAllocations : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const ModelFile file =
        ModelFile::open(std::string(NMTD_TEST_DATA) + "/gen-s11/" + GetParam() + "/model.bin");
    const CpuCompute compute =
        GetParam() == "model-int8" ? CpuCompute::kInt8 : CpuCompute::kFloat32;
    weights_ = NllbWeights::load(file, compute, 1e-5f, pool_);
    // Two sentences of different lengths, each ending with </s>.
    ids_ = {101, 202, 303, 404, 505, 2, 606, 707, 808, 2};
    lengths_ = {6, 4};
    Encoder encoder(weights_, pool_);
    encoder.forward(ids_, lengths_, memory_);
  }

  // Runs decode() with no hypothesis able to finish before the last step, and returns the
  // allocations of each step interval after the first.
  std::vector<int64_t> decode_counting(DecodingOptions options) {
    options.min_decoding_length = options.max_decoding_length;
    DecoderState decoder(weights_, pool_, memory_, lengths_, 2 * options.beam_size,
                         options.max_decoding_length);
    CountingModel counting(decoder);
    std::vector<DecodeInput> inputs(2);
    inputs[0].prefix = {300};
    inputs[1].prefix = {300};
    const auto results = decode(counting, inputs, DecodeVocab{}, options);
    EXPECT_EQ(results.size(), 2u);
    return counting.finished_intervals();
  }

  ThreadPool pool_{2};
  NllbWeights weights_;
  std::vector<int32_t> ids_, lengths_;
  std::vector<float> memory_;
};

void expect_no_allocation_after_first(const std::vector<int64_t>& intervals, int steps) {
  // Intervals 0 .. steps-2 are recorded; the last step finishes every hypothesis, which
  // allocates the results, and is not.
  ASSERT_EQ(intervals.size(), static_cast<std::size_t>(steps - 1));
  for (std::size_t k = 1; k < intervals.size(); ++k)
    EXPECT_EQ(intervals[k], 0) << "step " << k << " allocated";
}

TEST_P(DecodeStepAllocations, GreedyStepsAfterTheFirstAllocateNothing) {
  DecodingOptions options;
  options.beam_size = 1;
  options.max_decoding_length = 40;
  options.return_scores = true;
  options.repetition_penalty = 1.2f;
  options.no_repeat_ngram_size = 3;
  expect_no_allocation_after_first(decode_counting(options), 40);
}

TEST_P(DecodeStepAllocations, BeamStepsAfterTheFirstAllocateNothing) {
  DecodingOptions options;
  options.beam_size = 4;
  options.max_decoding_length = 40;
  options.repetition_penalty = 1.2f;
  options.no_repeat_ngram_size = 3;
  options.disable_unk = true;
  expect_no_allocation_after_first(decode_counting(options), 40);
}

TEST_P(DecodeStepAllocations, DroppingAndReplicatingRowsAllocatesNothing) {
  DecoderState decoder(weights_, pool_, memory_, lengths_, 8, 10);
  std::vector<float> logits(8 * weights_.vocab_size);
  std::vector<int32_t> ids = {2, 2};
  decoder.step(ids, 0, logits.data());
  const std::vector<int32_t> replicate = {0, 0, 0, 0, 1, 1, 1, 1};
  decoder.select_rows(replicate);
  ids.assign(8, 300);
  decoder.step(ids, 1, logits.data());
  const std::vector<int32_t> reorder = {3, 3, 0, 1, 7, 4, 4, 4};
  const std::vector<int32_t> drop = {1, 2, 3, 0};  // the second example's rows leave
  g_allocations.store(0);
  g_counting.store(true);
  decoder.select_rows(reorder);
  decoder.step(ids, 2, logits.data());
  decoder.select_rows(drop);
  decoder.step(std::span<const int32_t>(ids.data(), 4), 3, logits.data());
  g_counting.store(false);
  EXPECT_EQ(g_allocations.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Models, DecodeStepAllocations,
                         ::testing::Values("model-int8", "model-float32"), [](const auto& info) {
                           return info.param == "model-int8" ? std::string("int8")
                                                             : std::string("float32");
                         });

}  // namespace
}  // namespace nmtd
