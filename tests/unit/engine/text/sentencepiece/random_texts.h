#pragma once
// Random texts for comparing our SentencePiece processor with libsentencepiece, shared by the
// tests of models read from sentencepiece.bpe.model and from Hugging Face's tokenizer.json.
#include <random>
#include <string>
#include <vector>

namespace nmtd::spm {

// Characters chosen to exercise each path: NFKC rewrites (full-width, ligatures, circled
// digits, compatibility spaces), whitespace runs, unknown scripts, combining marks, emoji,
// control characters, and the meta symbol itself.
inline const std::vector<std::string> kAlphabet = {"a",
                                                   "b",
                                                   "e",
                                                   "n",
                                                   "s",
                                                   "t",
                                                   "r",
                                                   "o",
                                                   "i",
                                                   "T",
                                                   "H",
                                                   " ",
                                                   " ",
                                                   " ",
                                                   "  ",
                                                   "\t",
                                                   "\n",
                                                   "\r\n",
                                                   ".",
                                                   ",",
                                                   "!",
                                                   "?",
                                                   "'",
                                                   "\"",
                                                   "-",
                                                   "(",
                                                   ")",
                                                   "0",
                                                   "1",
                                                   "9",
                                                   "é",
                                                   "ü",
                                                   "ß",
                                                   "ç",
                                                   "Ａ",
                                                   "ｂ",
                                                   "１",
                                                   "ﬁ",
                                                   "①",
                                                   "ｶ",
                                                   "ﾞ",
                                                   "\xE3\x80\x80",
                                                   "\xC2\xA0",
                                                   "\xE2\x80\x8B",
                                                   "日",
                                                   "本",
                                                   "語",
                                                   "の",
                                                   "テ",
                                                   "ス",
                                                   "ト",
                                                   "한",
                                                   "국",
                                                   "Ж",
                                                   "ж",
                                                   "ω",
                                                   "ا",
                                                   "ل",
                                                   "ह",
                                                   "ि",
                                                   "😀",
                                                   "👍🏽",
                                                   "𝔘",
                                                   "e\xCC\x81",
                                                   "\x01",
                                                   "\x7F",
                                                   "\xE2\x96\x81",
                                                   "<s>",
                                                   "</s>",
                                                   "<unk>",
                                                   "\xEF\xBF\xBD",
                                                   "Hello",
                                                   "world",
                                                   "the",
                                                   "translation",
                                                   "server",
                                                   "Menu",
                                                   "Options",
                                                   "Quit game"};

inline std::vector<std::string> random_texts(unsigned seed, int count) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::uniform_int_distribution<int> length(0, 24);
  std::vector<std::string> texts = {"",   " ",       "   ",  "Hello world.", "  Hello   world  ",
                                    "▁▁", "ﬁnal ①②", "ｶﾞｷﾞ", "😀😀😀",          "\t\n"};
  for (int i = 0; i < count; ++i) {
    std::string t;
    for (int n = length(rng); n > 0; --n) t += kAlphabet[pick(rng)];
    texts.push_back(t);
  }
  return texts;
}

}  // namespace nmtd::spm
