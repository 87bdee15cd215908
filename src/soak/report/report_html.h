#pragma once
// The human-readable report: one self-contained HTML5 file (inline CSS and SVG, no script,
// no external URL, font or image), so that it can be mailed, archived or opened offline.
#include <string>

#include "soak/report/soak_record.h"

namespace nmtd::soak {

// A PASS/FAIL banner with the failures, a summary, plots (RSS, GPU memory, open fds,
// threads, latency over time, each with restart and chaos markers) and tables (slopes,
// outcomes, profiles, APIs, restarts, chaos actions, latency histogram, processes, events,
// settings). Every string from the record is escaped.
std::string render_html_report(const SoakRecord& record);

}  // namespace nmtd::soak
