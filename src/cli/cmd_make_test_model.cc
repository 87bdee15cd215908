// nmtd make-test-model: a random-weight NLLB model in CTranslate2 format, for tests and
// benchmarks of every size up to NLLB-200-distilled-600M (engine/convert/test_model.h).
#include <chrono>
#include <cmath>
#include <cstdio>

#include "cli/commands.h"
#include "cli/flags.h"
#include "common/error.h"
#include "engine/convert/test_model.h"
#include "engine/text/nllb_vocab_builder.h"

namespace nmtd::cli {

namespace {

uint64_t parse_seed(const std::string& v) {
  try {
    std::size_t used = 0;
    const unsigned long long s = std::stoull(v, &used);
    if (used == v.size() && v[0] != '-') return s;
  } catch (const std::exception&) {
  }
  throw InvalidArgument("flag --seed expects a non-negative integer, got '" + v + "'");
}

}  // namespace

int cmd_make_test_model(const Args& args) {
  Flags f("make-test-model", "--out DIR [options]");
  f.value("out", "output model directory (created; see --force)")
      .value("encoder-layers", "encoder layers", "2")
      .value("decoder-layers", "decoder layers", "2")
      .value("d-model", "model width", "64")
      .value("heads", "attention heads (must divide --d-model)", "4")
      .value("ffn", "feed-forward width", "128")
      .value("vocab",
             "vocabulary size, at least the 2204 tokens of the NLLB layout with the "
             "embedded 2000-piece SentencePiece model; the rest are filler tokens")
      .value("seed", "random seed (same seed, same bytes)", "1")
      .value("quantization", "weight storage: " + quantization_choices(), "float32")
      .value("recipe",
             "weight recipe: conditioned (O(1) residual stream, decided greedy steps; the "
             "default beyond 3 layers per stack) or legacy (the fixtures' recipe, the default "
             "up to 3)")
      .value("max-positions", "rows of the position table", "1024")
      .value("threads", "generator threads (0: all cores); output does not depend on it", "0")
      .toggle("force", "replace an existing non-empty model directory");
  if (!f.parse(args)) return 0;
  if (!f.positional().empty())
    throw InvalidArgument("unexpected argument '" + f.positional()[0] + "'");

  TestModelOptions o;
  o.out = f.get("out");
  o.force = f.on("force");
  o.seed = parse_seed(f.get("seed"));
  o.quantization = parse_quantization(f.get("quantization"));
  o.threads = f.get_int("threads");
  o.shape.encoder_layers = f.get_int("encoder-layers");
  o.shape.decoder_layers = f.get_int("decoder-layers");
  o.shape.d_model = f.get_int("d-model");
  o.shape.heads = f.get_int("heads");
  o.shape.encoder_ffn = o.shape.decoder_ffn = f.get_int("ffn");
  o.shape.max_positions = f.get_int("max-positions");
  o.shape.embed_scale = std::sqrt(static_cast<float>(o.shape.d_model > 0 ? o.shape.d_model : 1));

  const auto spm = embedded_test_spm();
  const auto pieces = spm_pieces_from_bytes(spm);
  const int64_t min_vocab = nllb_vocabulary_min_size(pieces.size());
  o.shape.vocab_size = f.has("vocab") ? f.get_int("vocab") : min_vocab;
  if (o.shape.vocab_size < min_vocab)
    throw InvalidArgument("--vocab " + std::to_string(o.shape.vocab_size) +
                          " is smaller than the NLLB layout's " + std::to_string(min_vocab) +
                          " tokens (4 specials, " + std::to_string(pieces.size() - 3) +
                          " pieces, 202 language codes, <mask>)");
  o.shape.validate();
  o.recipe = f.has("recipe") ? parse_test_model_recipe(f.get("recipe"))
                             : default_test_model_recipe(o.shape);
  const auto vocabulary = build_nllb_vocabulary(pieces, {}, o.shape.vocab_size);

  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t bytes = make_test_model(o, vocabulary, min_vocab, spm);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("wrote %s: %lld parameters, %s, %s recipe, model.bin %.1f MB, %.2f s\n",
              o.out.c_str(), static_cast<long long>(test_model_parameters(o)),
              std::string(quantization_name(o.quantization)).c_str(),
              test_model_recipe_name(o.recipe), bytes / 1e6, secs);
  return 0;
}

}  // namespace nmtd::cli
