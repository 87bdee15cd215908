// nmtd convert --from-hf: Hugging Face NLLB/M2M100 safetensors checkpoint -> CTranslate2
// model directory, equal to what ct2-transformers-converter writes (engine/convert/hf_converter.h).
#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "cli/flags.h"
#include "common/error.h"
#include "engine/convert/hf_converter.h"
#include "engine/text/nllb_vocab_builder.h"

namespace nmtd::cli {

int cmd_convert(const Args& args) {
  Flags f("convert", "--from-hf DIR --out DIR [options]");
  f.value("from-hf",
          "Hugging Face checkpoint directory (config.json, model.safetensors or "
          "model.safetensors.index.json + shards, sentencepiece.bpe.model)")
      .value("out", "output CTranslate2 model directory (created; see --force)")
      .value("quantization", "weight storage: " + quantization_choices(), "float32")
      .value("threads", "conversion threads (0: all cores); output does not depend on it", "0")
      .toggle("force", "replace an existing non-empty model directory");
  if (!f.parse(args)) return 0;
  if (!f.positional().empty())
    throw InvalidArgument("unexpected argument '" + f.positional()[0] + "'");

  ConvertOptions o;
  o.from = f.get("from-hf");
  o.out = f.get("out");
  o.force = f.on("force");
  o.quantization = parse_quantization(f.get("quantization"));
  o.threads = f.get_int("threads");
  if (!std::filesystem::is_directory(o.from))
    throw InvalidArgument("--from-hf " + o.from.string() + " is not a directory");

  const auto t0 = std::chrono::steady_clock::now();
  const HfModelInfo info = read_hf_config(o.from);
  const auto vocabulary = nllb_vocabulary_for_hf(o.from, info.shape.vocab_size);
  const ConvertResult r = convert_hf_checkpoint(o, vocabulary);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "wrote %s: %d+%d layers, d_model %d, vocabulary %lld, %s, model.bin %.1f MB, "
      "%.2f s\n",
      o.out.c_str(), r.info.shape.encoder_layers, r.info.shape.decoder_layers, r.info.shape.d_model,
      static_cast<long long>(r.info.shape.vocab_size),
      std::string(quantization_name(o.quantization)).c_str(), r.model_bytes / 1e6, secs);
  return 0;
}

}  // namespace nmtd::cli
