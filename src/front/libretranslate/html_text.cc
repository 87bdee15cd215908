#include "front/libretranslate/html_text.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>

#include "common/utf8.h"

namespace nmtd::libretranslate {
namespace {

struct NamedEntity {
  std::string_view name;
  std::uint32_t code_point;
};

// The entities that occur in real messages; the full HTML list has 2,231 names, and an unknown
// one is kept as typed (it then reads as text, as a browser shows an unknown entity).
constexpr std::array kEntities = {
    NamedEntity{"amp", '&'},       NamedEntity{"lt", '<'},       NamedEntity{"gt", '>'},
    NamedEntity{"quot", '"'},      NamedEntity{"apos", '\''},    NamedEntity{"nbsp", 0xA0},
    NamedEntity{"copy", 0xA9},     NamedEntity{"reg", 0xAE},     NamedEntity{"trade", 0x2122},
    NamedEntity{"hellip", 0x2026}, NamedEntity{"mdash", 0x2014}, NamedEntity{"ndash", 0x2013},
    NamedEntity{"lsquo", 0x2018},  NamedEntity{"rsquo", 0x2019}, NamedEntity{"ldquo", 0x201C},
    NamedEntity{"rdquo", 0x201D},  NamedEntity{"laquo", 0xAB},   NamedEntity{"raquo", 0xBB},
    NamedEntity{"euro", 0x20AC},   NamedEntity{"pound", 0xA3},   NamedEntity{"yen", 0xA5},
    NamedEntity{"cent", 0xA2},     NamedEntity{"sect", 0xA7},    NamedEntity{"deg", 0xB0},
    NamedEntity{"times", 0xD7},    NamedEntity{"divide", 0xF7},  NamedEntity{"middot", 0xB7},
    NamedEntity{"bull", 0x2022},   NamedEntity{"shy", 0xAD},     NamedEntity{"zwj", 0x200D},
    NamedEntity{"zwnj", 0x200C},   NamedEntity{"iexcl", 0xA1},   NamedEntity{"iquest", 0xBF},
};

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;  // as browsers do
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Whether a text holds something to translate: an ASCII letter, or a non-ASCII character
// outside Latin-1's symbols and the general punctuation block (spaces, dashes, quotes).
bool has_letter(std::string_view s) {
  while (!s.empty()) {
    const Utf8Char c = decode_utf8_char(s);
    if (c.length == 0) return true;  // invalid UTF-8: let the backend say so
    const std::uint32_t cp = c.code_point;
    if (cp < 0x80 ? is_alpha(static_cast<char>(cp))
                  : !(cp <= 0xBF || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206F))) {
      return true;
    }
    s.remove_prefix(c.length);
  }
  return false;
}

// Case-insensitive search for `needle` (lower case) from `from`; npos when absent.
std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from) {
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
    bool match = true;
    for (std::size_t j = 0; j < needle.size() && match; ++j) match = lower(hay[i + j]) == needle[j];
    if (match) return i;
  }
  return std::string_view::npos;
}

// The end (one past '>') of the tag starting at `start`, skipping quoted attribute values;
// npos when it never closes.
std::size_t tag_end(std::string_view s, std::size_t start) {
  char quote = 0;
  for (std::size_t i = start + 1; i < s.size(); ++i) {
    const char c = s[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      // Only a quote that opens an attribute value (after '=') quotes; "<a b'c>" does not.
      std::size_t k = i;
      while (k > start && is_space(s[k - 1])) --k;
      if (k > start && s[k - 1] == '=') quote = c;
    } else if (c == '>') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

std::size_t end_after(std::string_view s, std::size_t from, std::string_view terminator) {
  const std::size_t at = s.find(terminator, from);
  return at == std::string_view::npos ? s.size() : at + terminator.size();
}

}  // namespace

std::string decode_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::size_t semi = text[i] == '&' ? text.find(';', i + 1) : std::string_view::npos;
    // Entity names are short; a far ';' means this '&' is a plain ampersand.
    if (semi == std::string_view::npos || semi - i > 12 || semi == i + 1) {
      out += text[i];
      continue;
    }
    const std::string_view name = text.substr(i + 1, semi - i - 1);
    std::uint32_t cp = 0;
    bool ok = false;
    if (name[0] == '#') {
      const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
      const std::string_view digits = name.substr(hex ? 2 : 1);
      ok = !digits.empty();
      for (const char c : digits) {
        const int d = c >= '0' && c <= '9'                        ? c - '0'
                      : hex && lower(c) >= 'a' && lower(c) <= 'f' ? lower(c) - 'a' + 10
                                                                  : -1;
        if (d < 0) ok = false;
        if (ok) cp = std::min<std::uint32_t>(cp * (hex ? 16 : 10) + d, 0x110000);
      }
    } else {
      const auto* e = std::find_if(kEntities.begin(), kEntities.end(),
                                   [&](const NamedEntity& n) { return n.name == name; });
      if (e != kEntities.end()) {
        cp = e->code_point;
        ok = true;
      }
    }
    if (!ok) {
      out += text[i];
      continue;
    }
    append_utf8(out, cp);
    i = semi;
  }
  return out;
}

std::string escape_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

HtmlText::HtmlText(std::string_view s) {
  std::size_t text_start = 0;
  std::size_t i = 0;
  const auto flush_text = [&](std::size_t end) {
    if (end > text_start) add_text(s.substr(text_start, end - text_start));
  };
  while (i < s.size()) {
    if (s[i] != '<' || i + 1 >= s.size()) {
      ++i;
      continue;
    }
    const std::string_view rest = s.substr(i);
    std::size_t end = 0;
    std::string raw_element;  // set for <script>/<style> (raw) and <title>/<textarea> (text)
    if (rest.starts_with("<!--")) {
      end = end_after(s, i + 4, "-->");
    } else if (rest.starts_with("<![CDATA[")) {
      end = end_after(s, i + 9, "]]>");
    } else if (rest[1] == '!' || rest[1] == '?' ||
               (rest[1] == '/' && rest.size() > 2 && is_alpha(rest[2]))) {
      end = end_after(s, i + 2, ">");
    } else if (is_alpha(rest[1])) {
      const std::size_t te = tag_end(s, i);
      end = te == std::string_view::npos ? s.size() : te;
      std::size_t n = i + 1;
      while (n < s.size() && (is_alpha(s[n]) || (s[n] >= '0' && s[n] <= '9'))) {
        raw_element += lower(s[n++]);
      }
    } else {
      ++i;  // a '<' that starts no markup ("a < b") is text
      continue;
    }
    flush_text(i);
    add_markup(s.substr(i, end - i));
    i = end;
    text_start = i;
    const bool raw = raw_element == "script" || raw_element == "style";
    if (raw || raw_element == "title" || raw_element == "textarea") {
      // Their content holds no tags: it runs to the matching end tag, whatever it contains.
      std::size_t close = ifind(s, "</" + raw_element, i);
      if (close == std::string_view::npos) close = s.size();
      if (raw) {
        add_markup(s.substr(i, close - i));
      } else {
        flush_text(close);
      }
      i = close;
      text_start = i;
      if (close < s.size()) {  // the end tag itself, so that "</title" is not scanned again
        end = end_after(s, close, ">");
        add_markup(s.substr(close, end - close));
        i = end;
        text_start = i;
      }
    }
  }
  flush_text(s.size());
}

void HtmlText::add_markup(std::string_view raw) {
  if (raw.empty()) return;
  if (!pieces_.empty() && pieces_.back().text < 0) {
    pieces_.back().raw += raw;
  } else {
    pieces_.push_back(Piece{.raw = std::string(raw)});
  }
}

void HtmlText::add_text(std::string_view raw) {
  std::size_t b = 0;
  std::size_t e = raw.size();
  while (b < e && is_space(raw[b])) ++b;
  while (e > b && is_space(raw[e - 1])) --e;
  std::string core = decode_entities(raw.substr(b, e - b));
  if (!has_letter(core)) {
    add_markup(raw);  // nothing to translate: kept exactly as sent
    return;
  }
  pieces_.push_back(Piece{.raw = std::string(raw.substr(0, b)),
                          .text = static_cast<int>(texts_.size()),
                          .tail = std::string(raw.substr(e))});
  texts_.push_back(std::move(core));
}

std::string HtmlText::render(const std::vector<std::string>& translations) const {
  if (translations.size() != texts_.size()) {
    throw std::invalid_argument("HtmlText::render: " + std::to_string(translations.size()) +
                                " translations for " + std::to_string(texts_.size()) + " texts");
  }
  std::string out;
  for (const Piece& p : pieces_) {
    out += p.raw;
    if (p.text >= 0) {
      out += escape_text(translations[static_cast<std::size_t>(p.text)]);
      out += p.tail;
    }
  }
  return out;
}

}  // namespace nmtd::libretranslate
