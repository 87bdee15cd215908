// The html-mode walker on its own: what is text, what is markup, and that rendering with the
// texts unchanged gives the input back (modulo entity spelling).
#include "front/libretranslate/html_text.h"

#include <gtest/gtest.h>

namespace nmtd::libretranslate {
namespace {

using Texts = std::vector<std::string>;

std::string upper_all(const HtmlText& doc) {
  Texts up;
  for (std::string t : doc.texts()) {
    for (char& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    up.push_back(t);
  }
  return doc.render(up);
}

TEST(HtmlText, TextNodesBetweenTags) {
  const HtmlText doc(R"(<p class="a">Hello &amp; <b>bye</b></p>)");
  EXPECT_EQ(doc.texts(), (Texts{"Hello &", "bye"}));
  EXPECT_EQ(doc.render({"Salut &", "ciao"}), R"(<p class="a">Salut &amp; <b>ciao</b></p>)");
}

TEST(HtmlText, AttributesWithQuotedAngleBrackets) {
  const HtmlText doc(R"(<a title="a > b" data-x='<i>'>link</a>)");
  EXPECT_EQ(doc.texts(), (Texts{"link"}));
  EXPECT_EQ(upper_all(doc), R"(<a title="a > b" data-x='<i>'>LINK</a>)");
}

TEST(HtmlText, CommentsDoctypeCdataAndProcessingInstructionsAreMarkup) {
  const std::string html =
      "<!DOCTYPE html><!-- a <b>comment</b> --><?xml x?><![CDATA[raw <text>]]>hi";
  const HtmlText doc(html);
  EXPECT_EQ(doc.texts(), (Texts{"hi"}));
  EXPECT_EQ(upper_all(doc),
            "<!DOCTYPE html><!-- a <b>comment</b> --><?xml x?><![CDATA[raw <text>]]>HI");
}

TEST(HtmlText, ScriptAndStyleContentIsUntouched) {
  const std::string html =
      "<SCRIPT type=\"x\">if (a<b && c>d) { s = '</p>'; }</SCRIPT><style>b > i {}</style>text";
  const HtmlText doc(html);
  EXPECT_EQ(doc.texts(), (Texts{"text"}));
  EXPECT_EQ(
      upper_all(doc),
      "<SCRIPT type=\"x\">if (a<b && c>d) { s = '</p>'; }</SCRIPT><style>b > i {}</style>TEXT");
}

TEST(HtmlText, TitleAndTextareaAreTextWithoutTags) {
  const HtmlText doc("<title>a <b> c</title><textarea>x &lt; y</textarea>");
  EXPECT_EQ(doc.texts(), (Texts{"a <b> c", "x < y"}));
  EXPECT_EQ(upper_all(doc), "<title>A &lt;B&gt; C</title><textarea>X &lt; Y</textarea>");
}

TEST(HtmlText, EntitiesDecodedAndReescaped) {
  const HtmlText doc("caf&eacute; &#233;t&#xE9; &lt;&gt; &copy; &hellip; &bogus; a&b");
  EXPECT_EQ(doc.texts(), (Texts{"caf&eacute; été <> © … &bogus; a&b"}));
  EXPECT_EQ(decode_entities("&#0;&#xD800;&#99999999;"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(escape_text("<a & b>"), "&lt;a &amp; b&gt;");
}

TEST(HtmlText, WhitespaceAroundTextStaysAndEmptyNodesAreNotTranslated) {
  const HtmlText doc("<ul>\n  <li> one </li>\n  <li>2.</li><li>&nbsp;</li><li>—</li>\n</ul>");
  EXPECT_EQ(doc.texts(), (Texts{"one"}));
  EXPECT_EQ(upper_all(doc),
            "<ul>\n  <li> ONE </li>\n  <li>2.</li><li>&nbsp;</li><li>—</li>\n</ul>");
}

TEST(HtmlText, NonLatinTextIsTranslated) {
  const HtmlText doc("<p>日本語</p><p>Привет</p>");
  EXPECT_EQ(doc.texts(), (Texts{"日本語", "Привет"}));
}

TEST(HtmlText, LoneAngleBracketsAndUnterminatedMarkup) {
  EXPECT_EQ(HtmlText("a < b and c > d").texts(), (Texts{"a < b and c > d"}));
  EXPECT_EQ(upper_all(HtmlText("a < b")), "A &lt; B");
  // Unterminated markup runs to the end and is kept as sent.
  const HtmlText tag("text <a href=\"x");
  EXPECT_EQ(tag.texts(), (Texts{"text"}));
  EXPECT_EQ(upper_all(tag), "TEXT <a href=\"x");
  EXPECT_EQ(upper_all(HtmlText("x <!-- open")), "X <!-- open");
  EXPECT_EQ(upper_all(HtmlText("<script>never closed")), "<script>never closed");
  EXPECT_EQ(upper_all(HtmlText("end <")), "END &lt;");
}

TEST(HtmlText, NestedTagsAndSelfClosing) {
  const HtmlText doc("<div><p>A <em>very <strong>nested</strong></em> text<br/>next</p></div>");
  EXPECT_EQ(doc.texts(), (Texts{"A", "very", "nested", "text", "next"}));
  EXPECT_EQ(upper_all(doc),
            "<div><p>A <em>VERY <strong>NESTED</strong></em> TEXT<br/>NEXT</p></div>");
}

TEST(HtmlText, RenderNeedsOneTranslationPerText) {
  const HtmlText doc("<b>x</b>");
  EXPECT_THROW(doc.render({}), std::invalid_argument);
  EXPECT_EQ(HtmlText("").render({}), "");
}

}  // namespace
}  // namespace nmtd::libretranslate
