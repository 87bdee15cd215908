#include "soak/report/report_html.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/error.h"
#include "soak/report/report_json.h"
#include "soak/report/slope_analysis.h"
#include "unit/soak/report/record_fixtures.h"

namespace nmtd::soak {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::sample_record;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

SoakRecord analysed(SoakRecord r) {
  r.slopes = analyse_slopes(r.processes, r.slope_settings);
  r.failures = slope_failures(r.slopes);
  return r;
}

// " onload=", " onmouseover=": an attribute name starting with "on".
bool has_event_handler(const std::string& html) {
  for (auto at = html.find(" on"); at != std::string::npos; at = html.find(" on", at + 1)) {
    auto end = at + 3;
    while (end < html.size() && std::isalpha(static_cast<unsigned char>(html[end]))) ++end;
    if (end > at + 3 && end < html.size() && html[end] == '=') return true;
  }
  return false;
}

void expect_self_contained(const std::string& html) {
  const std::string l = lower(html);
  EXPECT_THAT(l, Not(HasSubstr("http://")));
  EXPECT_THAT(l, Not(HasSubstr("https://")));
  EXPECT_THAT(l, Not(HasSubstr("<script")));
  EXPECT_THAT(l, Not(HasSubstr("<link")));
  EXPECT_THAT(l, Not(HasSubstr("<img")));
  EXPECT_THAT(l, Not(HasSubstr("url(")));
  EXPECT_THAT(l, Not(HasSubstr("@import")));
  EXPECT_FALSE(has_event_handler(l)) << "an on...= attribute would be script";
}

TEST(ReportHtml, IsOneSelfContainedPageWithPlots) {
  const std::string html = render_html_report(analysed(sample_record()));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
  EXPECT_THAT(html, HasSubstr("<style>"));
  EXPECT_THAT(html, HasSubstr("</html>"));
  expect_self_contained(html);
  // RSS, GPU, fds, threads and latency.
  EXPECT_EQ(occurrences(html, "<svg"), 5u);
  EXPECT_THAT(html, HasSubstr("GPU memory per process"));
  EXPECT_THAT(html, HasSubstr("Latency of answered requests"));
  // Markers: the restart is red and dashed, chaos faint grey, each with its tooltip.
  EXPECT_THAT(html, HasSubstr("stroke=\"#d62728\" stroke-width=\"1.3\" stroke-dasharray=\"5 3\">"
                              "<title>restart: crash"));
  EXPECT_THAT(html, HasSubstr("<title>kill -9 worker 1 (pid 1100)"));
}

TEST(ReportHtml, ShowsFailBannerWithTheFailuresAndHighlightsRowsOverBound) {
  const SoakRecord r = analysed(sample_record());
  ASSERT_FALSE(r.failures.empty());  // the front grows 30 MiB/h
  const std::string html = render_html_report(r);
  EXPECT_THAT(html, HasSubstr("<div class=\"banner fail\">FAIL"));
  EXPECT_THAT(html, HasSubstr("<li>front rss_mib grows "));
  EXPECT_THAT(html, HasSubstr("<tr class=\"over\"><td>front</td>"));
  EXPECT_THAT(html, HasSubstr("OVER BOUND"));
  EXPECT_THAT(html, HasSubstr("<title>nmtd soak report: FAIL</title>"));
}

TEST(ReportHtml, ShowsPassWhenNothingFailed) {
  SoakRecord r = sample_record();
  r.failures.clear();
  const std::string html = render_html_report(r);
  EXPECT_THAT(html, HasSubstr("<div class=\"banner pass\">PASS</div>"));
  EXPECT_THAT(html, Not(HasSubstr("banner fail")));
}

TEST(ReportHtml, HasTheSummaryAndTables) {
  const std::string html = render_html_report(analysed(sample_record()));
  for (const char* text : {"127.0.0.1:50051",
                           "/models/nllb",
                           "<dd>42</dd>",
                           "desktop, saturate",
                           "every 30 s: kill-9, malformed",
                           "10 min 2 s (planned 10 min)",
                           "RESOURCE_EXHAUSTED",
                           "<td>saturate</td><td>40</td><td>32</td><td>6</td><td>2</td>",
                           "<td>nmt.v1</td>",
                           "<td>crash</td><td>1</td>",
                           "<td>malformed</td><td>1</td><td>0</td><td>4</td><td>1</td>",
                           "<td>worker 1.1</td><td>worker</td><td>1</td><td>1</td><td>1101</td>",
                           "workers (pooled)",
                           "<td>20 &ndash; 50 ms</td><td>40</td>",
                           "<td>&gt; 100 ms</td><td>1</td>",
                           "<td>slope floor window</td><td>20 s</td>",
                           "<td>GPU memory bound</td><td>off</td>",
                           "<td>worker slot spared by signals</td><td>none</td>",
                           "<th>95% interval</th>",
                           "4 events</summary>",
                           "<summary>6 entries of worker processes not judged alone",
                           "<td>worker 0.0</td><td>1000</td><td>gpu_mib</td>",
                           "0.9.0",
                           "2025-01-02T03:04:05Z"})
    EXPECT_THAT(html, HasSubstr(text)) << text;
}

TEST(ReportHtml, EscapesEveryStringFromTheRecord) {
  SoakRecord r = analysed(sample_record("<script>alert(1)</script>"));
  r.failures.push_back("worker \"<img src=x>\" & co");
  r.server = "<i>host</i>:1";
  const std::string html = render_html_report(r);
  expect_self_contained(html);
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("worker &quot;&lt;img src=x&gt;&quot; &amp; co"));
  EXPECT_THAT(html, HasSubstr("&lt;i&gt;host&lt;/i&gt;:1"));
  EXPECT_THAT(html, HasSubstr("empty text answered &lt;b&gt;OK&lt;/b&gt;"));
  EXPECT_THAT(html, HasSubstr("malformed &lt;probe&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<b>OK</b>")));
  EXPECT_THAT(html, Not(HasSubstr("<i>host")));
}

TEST(ReportHtml, SelfContainedCheckCatchesEventHandlers) {
  EXPECT_TRUE(has_event_handler("<svg onload=x>"));
  EXPECT_FALSE(has_event_handler("<p>depends on nothing</p>"));
}

TEST(ReportHtml, RendersAnEmptyRecord) {
  std::string html;
  ASSERT_NO_THROW(html = render_html_report(SoakRecord{}));
  expect_self_contained(html);
  EXPECT_THAT(html, HasSubstr("PASS"));
  EXPECT_THAT(html, HasSubstr("No GPU memory readings"));
  EXPECT_EQ(occurrences(html, "<svg"), 4u);  // RSS, fds, threads, latency
  EXPECT_EQ(occurrences(html, ">no data</text>"), 4u);
  EXPECT_THAT(html, HasSubstr("<p class=\"none\">none</p>"));
}

TEST(ReportHtml, RendersProcessesWithoutSamples) {
  SoakRecord r = sample_record();
  r.processes.push_back(WatchedProcess{"worker 5.0", "worker", 5, 0, 77, "GetStatus", {}});
  r = analysed(r);
  const std::string html = render_html_report(r);
  EXPECT_THAT(html, HasSubstr("<td>worker 5.0</td><td>worker</td><td>5</td><td>0</td><td>77</td>"
                              "<td>-</td><td>-</td><td>0</td><td>GetStatus</td>"));
}

class WriteReport : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("nmtd-soak-report-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(WriteReport, CreatesTheDirectoryAndBothFiles) {
  const fs::path out = dir_ / "nested" / "report";
  write_report(out, analysed(sample_record()));
  ASSERT_TRUE(fs::exists(out / "report.json"));
  ASSERT_TRUE(fs::exists(out / "report.html"));
  // Nothing else: no temporary file of the atomic writes is left.
  EXPECT_EQ(std::distance(fs::directory_iterator(out), fs::directory_iterator()), 2);
  const std::string json_text = read(out / "report.json");
  const auto j = nlohmann::json::parse(json_text);
  EXPECT_EQ(j["sent"], 100);
  EXPECT_EQ(j["passed"], false);
  EXPECT_EQ(json_text.substr(0, 4), "{\n  ");  // two-space indentation
  const std::string html = read(out / "report.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_THAT(html, HasSubstr("<svg"));

  write_report(out, SoakRecord{});  // replaces both
  EXPECT_EQ(nlohmann::json::parse(read(out / "report.json"))["sent"], 0);
}

TEST_F(WriteReport, KeepsBrokenUtf8FromThrowing) {
  SoakRecord r;
  r.chaos = {{"malformed", 1, 0, 0, 1, {std::string("answer \xff\xfe bytes")}}};
  write_report(dir_, r);
  const auto j = nlohmann::json::parse(read(dir_ / "report.json"));
  EXPECT_THAT(j["chaos"][0]["notes"][0].get<std::string>(), HasSubstr("answer "));
}

TEST_F(WriteReport, NamesThePathItCannotCreate) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "a-file") << "x";
  const fs::path out = dir_ / "a-file" / "report";
  try {
    write_report(out, SoakRecord{});
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr(out.string()));
  }
}

}  // namespace
}  // namespace nmtd::soak
