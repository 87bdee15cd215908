#pragma once
// Reading the crash reports that src/crash/ writes when a worker dies by a fatal signal.
//
// The dying process only writes raw addresses (and what dladdr can say about them): anything
// more would need the heap and the filesystem at a time when neither can be trusted. The front,
// a healthy process, turns those addresses into function names and source lines afterwards
// (symbolize(), with elfutils), shows them (format_report(), to_json()) and keeps the last few
// (CrashArchive).
//
// A report may be cut short (the process was killed while writing, the disk filled up) or
// contain garbage: parse_crash_report() never throws, keeps whatever it could read, and says
// what was missing.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nmtd::crash {

// One line of the report's stack, and what symbolize() learned about it.
struct CrashFrame {
  int index = -1;             // the report's "#N"
  std::uint64_t address = 0;  // as the process saw it: the faulting pc or a return address
  std::string module;         // the file dladdr named ("" when unknown); the main program
                              // appears under its argv[0], libraries under their full path
  std::optional<std::uint64_t> module_offset;  // address minus the module's load bias, i.e.
                                               // the address in the ELF file's own terms
  std::string dynamic_symbol;                  // dladdr's (exported symbols only), mangled
  std::int64_t dynamic_symbol_offset = 0;

  // Filled by symbolize().
  bool symbolized = false;
  std::string function;  // demangled
  std::uint64_t function_offset = 0;
  std::string source_file;  // only where the module has DWARF line tables
  int line = 0;
  bool in_executable = false;     // the module is the crashed program (not a library)
  bool in_crash_handler = false;  // the reporter's own frames and the signal trampoline
  std::string note;               // why it is not symbolized
};

struct SymbolizeResult {
  bool attempted = false;
  std::string executable;           // the file the report was checked against
  std::string executable_build_id;  // hex, "" when it has none or could not be read
  bool build_id_matches = false;
  std::string note;  // e.g. why the executable's frames were left raw
};

struct CrashReport {
  std::string raw;  // the text as read, possibly truncated

  bool complete = false;              // every section present and consistent
  bool truncated = false;             // the end marker is missing: the writer stopped early
  std::vector<std::string> problems;  // what could not be read, one line each

  std::string program;
  std::string version;
  std::string build_id;  // hex, or "none"
  int signal = 0;
  std::string signal_name;
  std::optional<int> signal_code;
  std::optional<std::uint64_t> fault_address;  // absent for sent signals (kill, abort)
  std::optional<pid_t> sender_pid;             // for sent signals
  std::optional<pid_t> pid;
  std::optional<pid_t> thread_id;
  std::string thread_name;
  std::optional<std::int64_t> time;            // unix seconds
  std::string uncaught_exception;              // the terminate handler's line(s), "" when none
  std::optional<std::size_t> in_flight_count;  // as the report declared it
  std::vector<std::string> in_flight;          // request ids
  std::optional<std::size_t> frame_count;      // as the report declared it
  std::vector<CrashFrame> frames;

  SymbolizeResult symbolization;
};

// Parses the text of one crash-<pid>.txt. Never throws (but std::bad_alloc).
CrashReport parse_crash_report(std::string_view text);

// Reads (at most kMaxReportBytes of) a report file and parses it. Throws nmtd::IoError naming
// the path when it cannot be read.
inline constexpr std::size_t kMaxReportBytes = 1 << 20;
CrashReport read_crash_report(const std::filesystem::path& path);

// Names the frames' functions (and source lines where debug info exists) by reading
// `executable` (the program that crashed, as it is on disk now) and the shared libraries the
// report names. Frames of the executable are left raw, with a note, when its build id is not
// the one in the report: the binary was replaced since the crash, and its names would be
// wrong. Library frames are left raw when the library changed after the crash. Never throws
// for unreadable or foreign files (it says so in report.symbolization and the frames' notes).
void symbolize(CrashReport& report, const std::filesystem::path& executable);

// The same with the first of `executables` whose build id is the report's, or else the first
// one (whose mismatch is then reported). For a front whose binary may have been upgraded on
// disk: the path workers are started from names the new build, /proc/self/exe the one the
// front itself was started from; a worker may have crashed running either.
void symbolize(CrashReport& report, std::span<const std::filesystem::path> executables);

// A multi-line, human-readable account (for a log block or a web page), ending in '\n'.
std::string format_report(const CrashReport& report);

// Everything above as JSON (strings made valid UTF-8, so that dump() never throws).
nlohmann::json to_json(const CrashReport& report);

// The frame that best says where it crashed: the first frame outside the crash handler that
// lies in the main program and has a name, else the first outside the handler. nullptr when
// there are no frames.
const CrashFrame* culprit_frame(const CrashReport& report);

// "function+0x12 (file.cc:34)", "module+0x1234", or the bare address.
std::string describe_frame(const CrashFrame& frame);

}  // namespace nmtd::crash
