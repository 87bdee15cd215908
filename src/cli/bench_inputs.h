#pragma once
// Deterministic benchmark inputs: sentences of exactly N source pieces, made by cycling the
// SentencePiece pieces of a small multilingual text list, so nmtd and CTranslate2 get the
// very same tokens.
#include <string>
#include <vector>

#include "engine/text/tokenizer.h"

namespace nmtd::cli {

// `count` sources of the form [src_lang, N pieces..., "</s>"], each a different window.
std::vector<std::vector<std::string>> bench_sources(const NllbTokenizer& tokenizer,
                                                    const std::string& src_lang, int pieces,
                                                    int count);

}  // namespace nmtd::cli
