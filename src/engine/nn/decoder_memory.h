#pragma once
// The memory a decoder's rows live in, apart from the decoder: the self-attention key/value
// cache of `rows` rows x `steps` steps, the cross-attention keys and values of up to
// `memory_rows` source tokens, and the logits of `rows` rows. A server keeps one for the life
// of a worker and lends it to each decode session, so that the memory a worker holds does not
// rise and fall with the batches it runs (a 12-layer d-1024 decoder needs 96 KiB per cached
// step and per source token: hundreds of MiB that came and went with every session, which a
// soak cannot tell from growth). A `bounded` memory never grows: the decoder refuses examples
// whose source tokens do not fit.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/aligned_buffer.h"

namespace nmtd {

struct NllbWeights;

struct DecoderMemoryShape {
  int64_t rows = 0;         // decoder rows (examples x beams)
  int64_t steps = 0;        // cached steps per row
  int64_t memory_rows = 0;  // source tokens (encoder outputs) of the examples at once
};

class DecoderMemory {
 public:
  // One layer's self-attention cache: slot s holds `steps` rows of d keys (values) from
  // s * steps * d.
  struct LayerCache {
    AlignedBuffer keys, values;
  };

  DecoderMemory() = default;
  // Unbounded: the cross-attention store grows with the examples (a decoder of one call).
  // The self-attention cache is left untouched: the pages of steps never reached are never
  // faulted in.
  DecoderMemory(const NllbWeights& weights, int64_t rows, int64_t steps);
  // Bounded and resident: every page is written once here, so its size is the memory held
  // from now on, whatever the decoder does with it.
  DecoderMemory(const NllbWeights& weights, const DecoderMemoryShape& shape);

  // Bytes a bounded memory of this shape holds.
  static std::size_t bytes_for(const NllbWeights& weights, const DecoderMemoryShape& shape);

  int64_t rows() const { return rows_; }
  int64_t steps() const { return steps_; }
  bool bounded() const { return bounded_; }
  int64_t memory_rows() const { return memory_rows_; }  // bounded only
  std::size_t bytes() const;

  std::vector<LayerCache>& self() { return self_; }
  // Per layer: [memory rows, 2d], sized to the rows in use (within capacity when bounded).
  std::vector<std::vector<float>>& cross() { return cross_; }
  float* logits() { return logits_.as<float>(); }

 private:
  int64_t rows_ = 0;
  int64_t steps_ = 0;
  int64_t memory_rows_ = 0;
  int64_t d_ = 0;
  int64_t vocab_ = 0;
  bool bounded_ = false;
  std::vector<LayerCache> self_;
  std::vector<std::vector<float>> cross_;
  AlignedBuffer logits_;
};

}  // namespace nmtd
