#pragma once
// `nmtd make-test-model`: a random-weight NLLB model in CTranslate2 format, in any shape up
// to the full NLLB-200-distilled-600M, generated in seconds. Every element comes from a
// counter-based generator keyed by (seed, tensor name, element index), so the bytes are the
// same whatever the thread count, and tensors are produced row block by row block straight
// into their stored dtype through the converter's own writing path (write_nllb_model).
//
// The weight recipe follows the reference fixture's generator (tests/data/tiny-nllb-s1):
// embedding std 3/sqrt(d) with <pad> zero, </s> x2.4 and <unk> = </s> + its own row;
// out_proj/fc2 std 16/sqrt(fan_in); biases std 0.02; layer norm gamma 1+N(0,0.1), beta
// N(0,0.05). Two departures, so that outputs are varied visible text rather than one
// repeated token: q/k/v/fc1 std 4/sqrt(fan_in) (the fixture's 1/sqrt(fan_in) makes
// attention uniform), and filler rows (madeupwordN) scaled by 0.3 so outputs are real pieces.
// That "legacy" recipe is ill-conditioned beyond a few layers: the residual stream grows layer
// after layer, so int8 and float32 compute of the same weights disagree by nats per token.
//
// The "conditioned" recipe (the default beyond 3 layers per stack, which the fixtures have at
// most) keeps the residual stream O(1) and greedy steps decided, as in a trained model:
// embedding rows of norm 1 (elements ~1 after the sqrt(d) scale), q/k/v/fc1 std
// 1.5/sqrt(fan_in) (attention logits of std ~2: selective, not uniform), out_proj/fc2 std
// 1/sqrt(fan_in * 2 * layers) (each residual branch adds ~1/(2 layers) of the stream's
// variance), layer norms gamma 1 and beta 0 but for the decoder's final one, gamma 8: with an
// output projection of its own (lm_head, rows of norm 1; tied, it would score the decoder's
// input token highest at every step) the logits have std ~8 over the real pieces, and the top
// token's probability is mostly above 0.5. </s>'s rows are scaled 2.4 so that outputs end
// after some tens of tokens, <unk>'s 0.5, fillers 0.3 as in the legacy recipe.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "engine/convert/nllb_spec.h"
#include "engine/convert/quantize.h"

namespace nmtd {

// assets/sentencepiece.bpe.model (2000 pieces), compiled in at build time.
std::span<const std::byte> embedded_test_spm();

enum class TestModelRecipe { kLegacy, kConditioned };
// "legacy" or "conditioned"; throws InvalidArgument naming the choices.
TestModelRecipe parse_test_model_recipe(const std::string& name);
const char* test_model_recipe_name(TestModelRecipe recipe);
// The fixtures' recipe up to 3 layers per stack (their deepest), the conditioned one beyond.
TestModelRecipe default_test_model_recipe(const NllbShape& shape);

struct TestModelOptions {
  NllbShape shape;
  TestModelRecipe recipe = TestModelRecipe::kLegacy;  // vocab_size must equal the vocabulary's size
  uint64_t seed = 1;
  Quantization quantization = Quantization::kFloat32;
  std::filesystem::path out;
  bool force = false;
  int threads = 0;  // 0: one per hardware thread
};

// The model's parameter count: the shape's, and the conditioned recipe's own output projection.
int64_t test_model_parameters(const TestModelOptions& options);

// Generates one approximately N(0,1) value (Irwin-Hall of 4 uniforms) for element `index`
// of the tensor whose key is `key`. Exposed for tests of the distribution.
float test_model_normal(uint64_t key, uint64_t index);
uint64_t test_model_tensor_key(uint64_t seed, const std::string& name);

// Writes model.bin, config.json, shared_vocabulary.json, sentencepiece.bpe.model (from
// `spm_model`) and generator.json into options.out (staged, renamed at the end). Rows at and
// beyond `num_real_tokens` are fillers and get scaled down. Returns model.bin's size.
uint64_t make_test_model(const TestModelOptions& options,
                         const std::vector<std::string>& vocabulary, int64_t num_real_tokens,
                         std::span<const std::byte> spm_model);

}  // namespace nmtd
