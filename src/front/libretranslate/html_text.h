#pragma once
// format=html: an HTML fragment is cut into markup, kept byte for byte, and text nodes, which
// are translated. Tags (attributes included, quoted '>' respected), comments, doctypes,
// processing instructions, CDATA and the content of <script> and <style> are markup. Text is
// entity-decoded before translation and re-escaped (&, <, >) after, and the whitespace around
// each text node stays where it was. Nodes without a letter (only spaces, digits or
// punctuation) are not translated. Unterminated markup runs to the end of the input: nothing
// a client sent is dropped or reordered.
//
//   HtmlText doc(R"(<p class="a">Hello &amp; <b>bye</b></p>)");
//   doc.texts();                      // {"Hello &", "bye"}
//   doc.render({"Salut &", "ciao"});  // <p class="a">Salut &amp; <b>ciao</b></p>
#include <string>
#include <string_view>
#include <vector>

namespace nmtd::libretranslate {

class HtmlText {
 public:
  explicit HtmlText(std::string_view html);

  // The decoded, trimmed text of each translatable node, in document order.
  const std::vector<std::string>& texts() const { return texts_; }

  // The fragment with each translatable node replaced by translations[i] (same count as
  // texts(); throws std::invalid_argument otherwise).
  std::string render(const std::vector<std::string>& translations) const;

 private:
  struct Piece {
    std::string raw{};   // markup, or the text's leading whitespace
    int text = -1;       // index into texts_, or -1 for markup only
    std::string tail{};  // the text's trailing whitespace
  };
  void add_markup(std::string_view raw);
  void add_text(std::string_view raw);

  std::vector<Piece> pieces_;
  std::vector<std::string> texts_;
};

// &amp; &#39; &#x1F600; and the common named entities decoded; anything else left as it is.
std::string decode_entities(std::string_view text);
// &, < and > as entities: enough for a text node.
std::string escape_text(std::string_view text);

}  // namespace nmtd::libretranslate
