// How a crash report is shown: format_report() for people (a log block, a web page), to_json()
// for GetStatus and /status.
#include <time.h>

#include <cstdio>

#include "common/utf8.h"
#include "crash/reader/crash_report.h"

namespace nmtd::crash {
namespace {

std::string hex(std::uint64_t v) {
  char buf[2 + 16 + 1];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// The report comes from a dying process and may hold any bytes: JSON strings must be UTF-8
// (nlohmann's dump() throws otherwise), so each invalid byte becomes U+FFFD.
std::string valid_utf8_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const std::size_t n = decode_utf8_char(s).length;
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      s.remove_prefix(1);
    } else {
      out.append(s.substr(0, n));
      s.remove_prefix(n);
    }
  }
  return out;
}

std::string utc(std::int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  tm parts{};
  if (::gmtime_r(&t, &parts) == nullptr) return std::to_string(unix_seconds);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buf;
}

std::string basename_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Control characters (a garbled report) would break a log line's or a page's layout.
std::string printable(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') c = '?';
  }
  return out;
}

}  // namespace

std::string describe_frame(const CrashFrame& frame) {
  std::string out;
  if (frame.symbolized) {
    out = frame.function + "+" + hex(frame.function_offset);
    if (!frame.source_file.empty()) {
      out += " (" + basename_of(frame.source_file) + ":" + std::to_string(frame.line) + ")";
    }
  } else if (!frame.dynamic_symbol.empty()) {
    out = frame.dynamic_symbol + "+" + hex(static_cast<std::uint64_t>(frame.dynamic_symbol_offset));
  }
  if (!frame.module.empty()) {
    const std::string where =
        basename_of(frame.module) + (frame.module_offset ? "+" + hex(*frame.module_offset) : "");
    out += out.empty() ? where : " in " + where;
  }
  return out.empty() ? hex(frame.address) : printable(out);
}

const CrashFrame* culprit_frame(const CrashReport& report) {
  const CrashFrame* first = nullptr;
  for (const CrashFrame& frame : report.frames) {
    if (frame.in_crash_handler) continue;
    if (first == nullptr) first = &frame;
    // The crashed program's own code says most (a SIGABRT's first frames are libc's).
    if (frame.symbolized && frame.in_executable) return &frame;
  }
  return first;
}

std::string format_report(const CrashReport& r) {
  std::string out = "crash of " + printable(r.program.empty() ? "(unknown program)" : r.program);
  out += ": " + (r.signal_name.empty() ? std::string("unknown signal") : r.signal_name);
  if (r.signal != 0) out += " (signal " + std::to_string(r.signal);
  if (r.signal != 0 && r.signal_code) out += ", code " + std::to_string(*r.signal_code);
  if (r.signal != 0) out += ")";
  if (r.fault_address) out += " at address " + hex(*r.fault_address);
  if (r.sender_pid) out += ", sent by pid " + std::to_string(*r.sender_pid);
  out += "\n";
  out += "  version " + printable(r.version) + ", build id " + printable(r.build_id);
  if (r.pid) out += ", pid " + std::to_string(*r.pid);
  if (r.thread_id) out += ", thread " + std::to_string(*r.thread_id);
  if (!r.thread_name.empty()) out += " (" + printable(r.thread_name) + ")";
  out += "\n";
  if (r.time) out += "  time " + utc(*r.time) + "\n";
  if (!r.uncaught_exception.empty()) out += "  " + printable(r.uncaught_exception) + "\n";
  if (r.in_flight_count || !r.in_flight.empty()) {
    out += "  requests in flight (" + std::to_string(r.in_flight.size()) + "):";
    for (const std::string& id : r.in_flight) out += " " + printable(id);
    out += "\n";
  }
  if (const CrashFrame* culprit = culprit_frame(r)) {
    out += "  crashed in " + describe_frame(*culprit) + "\n";
  }
  out += "  stack (" + std::to_string(r.frames.size()) + " frames";
  if (r.symbolization.attempted) {
    out += ", symbolized against " + printable(r.symbolization.executable);
  }
  out += "):\n";
  for (const CrashFrame& frame : r.frames) {
    out += "    #" + std::to_string(frame.index) + " " + hex(frame.address) + " ";
    if (frame.in_crash_handler) out += "[crash handler] ";
    out += describe_frame(frame);
    if (!frame.symbolized && !frame.note.empty()) out += "  (" + printable(frame.note) + ")";
    out += "\n";
  }
  if (!r.symbolization.note.empty()) out += "  note: " + printable(r.symbolization.note) + "\n";
  if (!r.complete) {
    out += r.truncated ? "  the report is truncated:" : "  the report is damaged:";
    out += "\n";
    for (const std::string& p : r.problems) out += "    " + printable(p) + "\n";
  }
  return out;
}

nlohmann::json to_json(const CrashReport& r) {
  using nlohmann::json;
  json frames = json::array();
  for (const CrashFrame& f : r.frames) {
    json frame = {{"index", f.index},
                  {"address", hex(f.address)},
                  {"module", valid_utf8_text(f.module)},
                  {"symbolized", f.symbolized},
                  {"in_executable", f.in_executable},
                  {"in_crash_handler", f.in_crash_handler},
                  {"text", valid_utf8_text(describe_frame(f))}};
    if (f.module_offset) frame["module_offset"] = hex(*f.module_offset);
    if (f.symbolized) {
      frame["function"] = valid_utf8_text(f.function);
      frame["function_offset"] = hex(f.function_offset);
      if (!f.source_file.empty()) {
        frame["file"] = valid_utf8_text(f.source_file);
        frame["line"] = f.line;
      }
    } else if (!f.note.empty()) {
      frame["note"] = valid_utf8_text(f.note);
    }
    frames.push_back(std::move(frame));
  }
  json in_flight = json::array();
  for (const std::string& id : r.in_flight) in_flight.push_back(valid_utf8_text(id));
  json problems = json::array();
  for (const std::string& p : r.problems) problems.push_back(valid_utf8_text(p));
  json j = {{"program", valid_utf8_text(r.program)},
            {"version", valid_utf8_text(r.version)},
            {"build_id", valid_utf8_text(r.build_id)},
            {"signal", r.signal},
            {"signal_name", valid_utf8_text(r.signal_name)},
            {"complete", r.complete},
            {"truncated", r.truncated},
            {"problems", std::move(problems)},
            {"requests_in_flight", std::move(in_flight)},
            {"frames", std::move(frames)},
            {"raw", valid_utf8_text(r.raw)}};
  if (r.signal_code) j["signal_code"] = *r.signal_code;
  if (r.fault_address) j["fault_address"] = hex(*r.fault_address);
  if (r.sender_pid) j["sender_pid"] = *r.sender_pid;
  if (r.pid) j["pid"] = *r.pid;
  if (r.thread_id) j["thread_id"] = *r.thread_id;
  if (!r.thread_name.empty()) j["thread_name"] = valid_utf8_text(r.thread_name);
  if (r.time) {
    j["time"] = *r.time;
    j["time_utc"] = utc(*r.time);
  }
  if (!r.uncaught_exception.empty()) {
    j["uncaught_exception"] = valid_utf8_text(r.uncaught_exception);
  }
  if (const CrashFrame* culprit = culprit_frame(r)) {
    j["crashed_in"] = valid_utf8_text(describe_frame(*culprit));
  }
  if (r.symbolization.attempted) {
    j["symbolization"] = {{"executable", valid_utf8_text(r.symbolization.executable)},
                          {"executable_build_id", r.symbolization.executable_build_id},
                          {"build_id_matches", r.symbolization.build_id_matches},
                          {"note", valid_utf8_text(r.symbolization.note)}};
  }
  return j;
}

}  // namespace nmtd::crash
