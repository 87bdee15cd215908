// The text parser for crash reports (format: src/crash/crash_reporter.cc, write_report()).
// Line by line, keyed by each line's prefix rather than its position, so that a report with a
// missing or garbled line still yields everything else. Nothing here throws on bad input.
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <system_error>

#include "common/error.h"
#include "crash/reader/crash_report.h"

namespace nmtd::crash {
namespace {

constexpr std::string_view kStart = "=== nmtd crash report ===";
constexpr std::string_view kEnd = "=== end of crash report ===";
constexpr std::size_t kMaxProblems = 32;  // a page of garbage must not make a page of notes

bool starts_with(std::string_view s, std::string_view prefix) { return s.starts_with(prefix); }

// A whole-string decimal (optionally negative) or "0x" hex number; nullopt otherwise.
template <typename T>
std::optional<T> parse_int(std::string_view s, int base = 10) {
  if (base == 16) {
    if (!s.starts_with("0x")) return std::nullopt;
    s.remove_prefix(2);
  }
  T value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> parse_hex(std::string_view s) {
  return parse_int<std::uint64_t>(s, 16);
}

// The text between `open` and the next `close` after it, or nullopt.
std::optional<std::string_view> between(std::string_view s, std::string_view open,
                                        std::string_view close) {
  const std::size_t a = s.find(open);
  if (a == std::string_view::npos) return std::nullopt;
  const std::size_t from = a + open.size();
  const std::size_t b = s.find(close, from);
  if (b == std::string_view::npos) return std::nullopt;
  return s.substr(from, b - from);
}

class Parser {
 public:
  explicit Parser(CrashReport& report) : r_(report) {}

  void line(std::string_view text) {
    ++line_no_;
    if (ignore_rest_) return;
    if (text == kStart) {
      if (saw_start_) {
        ignore_rest_ = true;  // one report per file: never mix a second one's fields in
        return problem("a second report start marker (ignored what follows)");
      }
      saw_start_ = true;
      return;
    }
    if (done_) return;
    if (text == kEnd) {
      done_ = true;
      return;
    }
    switch (section_) {
      case Section::kIds:
        if (text.starts_with("  ")) {
          r_.in_flight.emplace_back(text.substr(2));
          return;
        }
        break;
      case Section::kFrames:
        if (frame_line(text)) return;
        break;
      case Section::kSymbolized:
        symbolized_.emplace_back(text);
        return;
      case Section::kHeader:
        break;
    }
    section_ = Section::kHeader;
    header_line(text);
  }

  void finish(bool last_line_cut) {
    if (!saw_start_) problem("no report start marker");
    r_.truncated = !done_;
    if (r_.truncated) problem("no end marker: the report stops early");
    if (last_line_cut) problem("the last line is cut short (ignored)");
    if (r_.program.empty()) problem("no program line");
    if (r_.signal == 0) problem("no signal line");
    if (!r_.pid) problem("no pid line");
    if (!r_.frame_count) problem("no stack section");
    if (r_.frame_count && *r_.frame_count != r_.frames.size()) {
      problem("the stack declares " + std::to_string(*r_.frame_count) + " frames, " +
              std::to_string(r_.frames.size()) + " were read");
    }
    if (!saw_symbolized_) problem("no symbolized section");
    attach_symbolized();
    r_.complete = r_.problems.empty();
  }

 private:
  enum class Section { kHeader, kIds, kFrames, kSymbolized };

  void problem(std::string what) {
    if (r_.problems.size() < kMaxProblems) r_.problems.push_back(std::move(what));
  }

  void header_line(std::string_view text) {
    in_exception_ = in_exception_ && !text.starts_with("requests in flight (") &&
                    !text.starts_with("stack (") && text != "symbolized:";
    if (text.empty()) return;
    if (starts_with(text, "program: ")) return program_line(text);
    if (starts_with(text, "signal: ")) return signal_line(text);
    if (starts_with(text, "pid: ")) return pid_line(text);
    if (starts_with(text, "time: ")) {
      const std::string_view v = text.substr(6, text.find(' ', 6) - 6);
      r_.time = parse_int<std::int64_t>(v);
      if (!r_.time) problem("unreadable time line");
      return;
    }
    if (starts_with(text, "uncaught exception") || starts_with(text, "terminate called")) {
      r_.uncaught_exception = text;
      in_exception_ = true;
      return;
    }
    if (starts_with(text, "requests in flight (")) {
      if (const auto n = between(text, "(", ")")) r_.in_flight_count = parse_int<std::size_t>(*n);
      section_ = Section::kIds;
      return;
    }
    if (starts_with(text, "stack (")) {
      const auto n = between(text, "(", " frames)");
      if (n) r_.frame_count = parse_int<std::size_t>(*n);
      if (!r_.frame_count) problem("unreadable stack line");
      section_ = Section::kFrames;
      return;
    }
    if (text == "symbolized:") {
      saw_symbolized_ = true;
      section_ = Section::kSymbolized;
      return;
    }
    if (in_exception_) {  // what() may span lines
      r_.uncaught_exception += '\n';
      r_.uncaught_exception += text;
      return;
    }
    problem("unrecognized line " + std::to_string(line_no_));
  }

  // "program: P  version: V  build-id: B" (P may contain spaces: split from the right).
  void program_line(std::string_view text) {
    const std::size_t v = text.rfind("  version: ");
    const std::size_t b = text.rfind("  build-id: ");
    if (v == std::string_view::npos || b == std::string_view::npos || b < v) {
      return problem("unreadable program line");
    }
    r_.program = text.substr(9, v - 9);
    r_.version = text.substr(v + 11, b - v - 11);
    r_.build_id = text.substr(b + 12);
  }

  // "signal: 11 (SIGSEGV) code: 1 fault address: 0x0[ (none: sent by pid 123)]"
  void signal_line(std::string_view text) {
    const std::string_view rest = text.substr(8);
    const auto number = parse_int<int>(rest.substr(0, rest.find(' ')));
    const auto name = between(rest, "(", ")");
    if (!number || !name) return problem("unreadable signal line");
    r_.signal = *number;
    r_.signal_name = *name;
    if (const auto code = between(rest, "code: ", " ")) r_.signal_code = parse_int<int>(*code);
    const std::size_t at = rest.find("fault address: ");
    if (at == std::string_view::npos) return;
    std::string_view addr = rest.substr(at + 15);
    if (const auto sender = between(addr, "sent by pid ", ")")) {
      r_.sender_pid = parse_int<pid_t>(*sender);
      return;  // no faulting address: the signal was sent
    }
    r_.fault_address = parse_hex(addr.substr(0, addr.find(' ')));
  }

  // "pid: 123  thread: 124 (name)" (the name may contain anything: up to the last ')').
  void pid_line(std::string_view text) {
    const std::size_t t = text.find("  thread: ");
    r_.pid = parse_int<pid_t>(text.substr(5, t == std::string_view::npos ? t : t - 5));
    if (!r_.pid) problem("unreadable pid line");
    if (t == std::string_view::npos) return;
    std::string_view thread = text.substr(t + 10);
    const std::size_t open = thread.find(" (");
    r_.thread_id = parse_int<pid_t>(thread.substr(0, open));
    if (open != std::string_view::npos && thread.ends_with(")")) {
      r_.thread_name = thread.substr(open + 2, thread.size() - open - 3);
    }
  }

  // "  #3 0x55d0c2a1b2c3"
  bool frame_line(std::string_view text) {
    if (!text.starts_with("  #")) return false;
    const std::size_t space = text.find(' ', 3);
    if (space == std::string_view::npos) return false;
    const auto index = parse_int<int>(text.substr(3, space - 3));
    const auto address = parse_hex(text.substr(space + 1));
    if (!index || !address) return false;
    CrashFrame frame;
    frame.index = *index;
    frame.address = *address;
    r_.frames.push_back(std::move(frame));
    return true;
  }

  // backtrace_symbols_fd's lines, in frame order: "MODULE(SYMBOL+0xOFF)[0xADDR]", where
  // SYMBOL is empty when dladdr knows none (OFF is then relative to the load bias), the
  // parentheses are absent for a non-PIE main program, and MODULE is empty when unknown.
  void attach_symbolized() {
    if (saw_symbolized_ && symbolized_.size() != r_.frames.size()) {
      problem("the symbolized section has " + std::to_string(symbolized_.size()) + " lines for " +
              std::to_string(r_.frames.size()) + " frames");
    }
    std::vector<CrashFrame> lines;  // each symbolized line read on its own
    for (const std::string& text : symbolized_) {
      CrashFrame line;
      if (symbolized_line(text, line)) lines.push_back(std::move(line));
    }
    std::map<std::string, std::uint64_t> bias;  // module -> load bias, where a line tells it
    for (std::size_t i = 0; i < r_.frames.size() && !symbolized_.empty(); ++i) {
      CrashFrame& frame = r_.frames[i];
      // The i-th line belongs to the i-th frame; if lines were lost, find it by address.
      const CrashFrame* match = nullptr;
      if (i < lines.size() && lines[i].address == frame.address) match = &lines[i];
      for (std::size_t j = 0; match == nullptr && j < lines.size(); ++j) {
        if (lines[j].address == frame.address) match = &lines[j];
      }
      if (match == nullptr) {
        problem("no symbolized line for frame #" + std::to_string(frame.index));
        continue;
      }
      frame.module = match->module;
      frame.module_offset = match->module_offset;
      frame.dynamic_symbol = match->dynamic_symbol;
      frame.dynamic_symbol_offset = match->dynamic_symbol_offset;
      if (frame.module_offset && frame.address >= *frame.module_offset) {
        bias.emplace(frame.module, frame.address - *frame.module_offset);
      }
    }
    // A frame named by an exported symbol gets its offset from another frame of the same
    // module that had none; the rest wait for symbolize(), which can look the symbol up.
    for (CrashFrame& frame : r_.frames) {
      if (frame.module_offset || frame.module.empty()) continue;
      const auto it = bias.find(frame.module);
      if (it != bias.end() && frame.address >= it->second) {
        frame.module_offset = frame.address - it->second;
      }
    }
  }

  static bool symbolized_line(std::string_view text, CrashFrame& frame) {
    const std::size_t open = text.rfind("[0x");
    if (open == std::string_view::npos || !text.ends_with("]")) return false;
    const auto address = parse_hex(text.substr(open + 1, text.size() - open - 2));
    if (!address) return false;
    frame.address = *address;
    std::string_view head = text.substr(0, open);
    if (head.ends_with(" ")) head.remove_suffix(1);  // older glibc: "...) [0x...]"
    if (!head.ends_with(")")) {                      // "MODULE[0xADDR]": bias 0
      frame.module = head;
      if (!head.empty()) frame.module_offset = frame.address;
      return true;
    }
    const std::size_t paren = head.rfind('(');
    if (paren == std::string_view::npos) return false;
    frame.module = head.substr(0, paren);
    const std::string_view inside = head.substr(paren + 1, head.size() - paren - 2);
    const std::size_t sign = inside.find_last_of("+-");
    if (sign == std::string_view::npos) return false;
    const auto offset = parse_hex(inside.substr(sign + 1));
    if (!offset) return false;
    if (sign == 0) {  // "(+0xOFF)": relative to the load bias
      if (inside[0] == '-') return false;
      frame.module_offset = *offset;
      return true;
    }
    frame.dynamic_symbol = inside.substr(0, sign);
    const auto off = static_cast<std::int64_t>(*offset);
    frame.dynamic_symbol_offset = inside[sign] == '-' ? -off : off;
    return true;
  }

  CrashReport& r_;
  Section section_ = Section::kHeader;
  std::vector<std::string> symbolized_;
  std::size_t line_no_ = 0;
  bool saw_start_ = false;
  bool done_ = false;
  bool ignore_rest_ = false;
  bool saw_symbolized_ = false;
  bool in_exception_ = false;
};

}  // namespace

CrashReport parse_crash_report(std::string_view text) {
  CrashReport report;
  report.raw = text;
  Parser parser(report);
  std::size_t at = 0;
  bool last_line_cut = false;
  while (at < text.size()) {
    const std::size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) {
      // No newline after it: the writer stopped inside this line, whose end (a hex digit, a
      // number) cannot be trusted.
      last_line_cut = true;
      break;
    }
    parser.line(text.substr(at, nl - at));
    at = nl + 1;
  }
  parser.finish(last_line_cut);
  return report;
}

CrashReport read_crash_report(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw IoError("cannot open crash report " + path.string() + ": " + std::strerror(errno));
  }
  std::string text(kMaxReportBytes, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw IoError("cannot read crash report " + path.string());
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse_crash_report(text);
}

}  // namespace nmtd::crash
