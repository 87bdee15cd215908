#pragma once
// The NLLB-200 language codes (e.g. "eng_Latn", "jpn_Jpan").
#include <array>
#include <span>
#include <string_view>

namespace nmtd {

inline constexpr std::size_t kNllbLanguageCount = 202;

// All 202 codes, in the order NLLB's vocabulary lists them.
std::span<const std::string_view> nllb_language_codes();
bool is_nllb_language_code(std::string_view code);

}  // namespace nmtd
