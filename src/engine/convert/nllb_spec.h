#pragma once
// The NLLB / M2M100 variable set of a CTranslate2 TransformerSpec (revision 7), built the
// way ct2-transformers-converter's M2M100Loader builds it: which Hugging Face tensors feed
// which CTranslate2 variable (q/k/v and cross-attention k/v fused by row concatenation),
// the scalar attributes, the position table and the tied-embedding aliases.
//
// Both `nmtd convert` (weights from a safetensors checkpoint) and `nmtd make-test-model`
// (random weights) go through write_nllb_model(), so they cannot drift apart: they differ
// only in the WeightSource that fills the rows.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/convert/quantize.h"

namespace nmtd {

class ModelWriter;
class ThreadPool;

struct NllbShape {
  int encoder_layers = 2;
  int decoder_layers = 2;
  int d_model = 64;
  int heads = 4;
  int encoder_ffn = 128;
  int decoder_ffn = 128;
  int64_t vocab_size = 2204;
  int max_positions = 1024;
  float embed_scale = 8.0f;  // sqrt(d_model) when scale_embedding, else 1

  // Throws InvalidArgument naming the first inconsistent field.
  void validate() const;
  int64_t num_parameters() const;
};

// What a tensor is for; the random generator picks its distribution from it.
enum class WeightRole { kEmbedding, kLinearIn, kLinearOut, kBias, kNormGamma, kNormBeta };

// One Hugging Face tensor, with the shape the spec expects it to have.
struct SourceTensor {
  std::string name;
  std::vector<int64_t> shape;  // [rows, cols] or [n]
  WeightRole role = WeightRole::kBias;
  int64_t rows() const { return shape.empty() ? 0 : shape[0]; }
  int64_t cols() const { return shape.size() == 2 ? shape[1] : 1; }
};

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  // Throws (ModelFormatError) when the tensor is missing, not float, or has another shape.
  // Called for every tensor before any work, so a bad checkpoint fails fast.
  virtual void check(const SourceTensor& t) const = 0;
  // Writes rows [begin, end) as float32, row-major. Called concurrently for disjoint ranges.
  virtual void read_rows(const SourceTensor& t, int64_t begin, int64_t end, float* out) const = 0;
  // Called once a tensor has been fully read (each source tensor is read for one variable).
  virtual void done(const SourceTensor&) const {}
};

// The Hugging Face names of the three embedding matrices. Equal names mean tied weights,
// which are stored once with aliases (as CTranslate2's alias pass would find them).
struct NllbHfNames {
  std::string prefix = "model.";  // "" for a bare M2M100Model checkpoint
  std::string encoder_embed = "model.shared.weight";
  std::string decoder_embed = "model.shared.weight";
  std::string lm_head = "model.shared.weight";
};

struct SpecVariable {
  enum class Kind { kWeight, kFloat, kPositions };
  std::string name;            // CTranslate2 name
  std::vector<int64_t> shape;  // [rows, cols] or [n]
  Kind kind = Kind::kFloat;
  std::vector<SourceTensor> sources;  // concatenated along the first dimension
};

struct NllbSpec {
  std::vector<SpecVariable> variables;                       // every non-scalar stored variable
  std::vector<std::pair<std::string, std::string>> aliases;  // (alias, target), name order
};

NllbSpec build_nllb_spec(const NllbShape& shape, const NllbHfNames& names);

// HF M2M100SinusoidalPositionalEmbedding rows 2 .. max_positions+1, computed in float32 the
// way torch does ([max_positions, d_model], row-major).
std::vector<float> nllb_position_table(int max_positions, int d_model);

// Fills `writer` with the scalars and every variable of the spec, read from `source` and
// stored per `q`. Each tensor is produced row block by row block on `pool` straight into its
// final dtype, so no float copy of the whole model (or of the embedding) is ever held.
// Output bytes do not depend on the number of threads.
void write_nllb_model(const NllbShape& shape, const NllbHfNames& names, const WeightSource& source,
                      Quantization q, ThreadPool& pool, ModelWriter& writer);

}  // namespace nmtd
