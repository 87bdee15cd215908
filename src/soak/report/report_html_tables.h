#pragma once
// The tables of the HTML report (report_html.cc lays out the page around them). Each returns
// an HTML fragment in which every string from the record is escaped.
#include <map>
#include <string>
#include <vector>

#include "soak/report/soak_record.h"

namespace nmtd::soak {

struct HtmlRow {
  std::vector<std::string> cells;  // HTML, already escaped
  std::string css_class;           // "" or a class of the page's style sheet ("over")
};

// A table; with no rows, a line saying "none" instead.
std::string html_table(const std::vector<std::string>& headings, const std::vector<HtmlRow>& rows);

std::string slopes_table(const SoakRecord& record);
std::string outcomes_table(const OutcomeTally& total);
std::string tallies_table(const std::map<std::string, OutcomeTally>& tallies,
                          const std::string& name_heading);
std::string restarts_table(const SoakRecord& record);
std::string chaos_table(const SoakRecord& record);
std::string latency_table(const SoakRecord& record);
// p50/p95/p99/max of each profile's answered requests, and the short-text comparison.
std::string latency_by_profile_table(const SoakRecord& record);
std::string processes_table(const SoakRecord& record);
std::string events_table(const SoakRecord& record);

}  // namespace nmtd::soak
