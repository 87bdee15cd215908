// symbolize(): which file to read for each frame, whether that file is still the one that
// crashed, and which address inside it to look up. The ELF reading is module_symbols.cc's.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <system_error>

#include "crash/reader/crash_report.h"
#include "crash/reader/module_symbols.h"

namespace nmtd::crash {
namespace {

namespace fs = std::filesystem;
using detail::ModuleSymbols;

// The reporter's own function that every report's stack passes through (crash_reporter.cc).
// The frame after it is the kernel's signal trampoline, and the one after that is where the
// process was when the signal came.
constexpr std::string_view kHandlerFunction = "on_fatal_signal";

struct Module {
  bool is_executable = false;
  std::optional<ModuleSymbols> symbols;
  std::string note;  // why `symbols` is empty
};

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The main program appears in the report under its argv[0], which may be relative or a bare
// name, libraries under their full path. Anything that is neither the executable's file nor
// named like a shared object counts as the main program, so that its frames are checked
// against the build id rather than read from whatever file argv[0] names now.
bool is_executable(const std::string& module, const fs::path& executable) {
  std::error_code ec;
  if (fs::equivalent(module, executable, ec)) return true;
  const std::string name = fs::path(module).filename().string();
  return name == executable.filename().string() || name.find(".so") == std::string::npos;
}

// A library that was replaced after the crash (a package upgrade) has a newer inode change
// time; its mtime is no help, since package managers keep the packaged file's. Returns why
// it must not be read, or "".
std::string library_problem(const std::string& module, const CrashReport& report) {
  const fs::path path(module);
  if (!path.is_absolute()) return "not a file path";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "no longer exists";
  if (report.time && st.st_ctim.tv_sec > *report.time) return "changed after the crash";
  return "";
}

// `program`: the executable, already opened to check its build id; moved into the first
// module that is the executable (a second spelling of it opens the file again).
Module open_module(const std::string& name, const fs::path& executable,
                   std::optional<ModuleSymbols>& program, bool executable_ok,
                   const std::string& executable_note, const CrashReport& report) {
  Module module;
  std::string error;
  module.is_executable = is_executable(name, executable);
  if (module.is_executable) {
    if (!executable_ok) {
      module.note = executable_note;
    } else if (program) {
      module.symbols = std::move(program);
      program.reset();
    } else {
      module.symbols = ModuleSymbols::open(executable, error);
      module.note = error;
    }
    return module;
  }
  module.note = library_problem(name, report);
  if (!module.note.empty()) return module;
  module.symbols = ModuleSymbols::open(name, error);
  module.note = error;
  return module;
}

// A frame's address in its file's terms, from the report or from dladdr's symbol.
std::optional<std::uint64_t> file_address(CrashFrame& frame, const ModuleSymbols& symbols) {
  if (frame.module_offset) return frame.module_offset;
  if (frame.dynamic_symbol.empty()) return std::nullopt;
  const auto start = symbols.symbol_address(frame.dynamic_symbol);
  if (!start) return std::nullopt;
  frame.module_offset = *start + static_cast<std::uint64_t>(frame.dynamic_symbol_offset);
  return frame.module_offset;
}

// `exact_pc`: the address is the interrupted instruction. Every other frame holds a return
// address, which may already be past the end of its function (a call to a noreturn function
// is often the last instruction), so the instruction before it is looked up instead.
void lookup(CrashFrame& frame, const Module& module, bool exact_pc) {
  frame.symbolized = false;
  frame.function.clear();
  frame.source_file.clear();
  frame.line = 0;
  if (!module.symbols) {
    frame.note = module.note;
    return;
  }
  const auto address = file_address(frame, *module.symbols);
  if (!address) {
    frame.note = "no offset within " + frame.module;
    return;
  }
  const std::uint64_t probe = exact_pc || *address == 0 ? *address : *address - 1;
  const auto location = module.symbols->lookup(probe);
  if (!location) {
    frame.note = "no symbol at this address";
    return;
  }
  frame.symbolized = true;
  frame.note.clear();
  frame.function = location->function;
  frame.function_offset = location->function_offset + (*address - probe);
  frame.source_file = location->source_file;
  frame.line = location->line;
}

// The build id the report names, lowercase; "" for "none"; nullopt when the report lacks the
// line (a damaged report: which build crashed is unknown, not "one without a build id").
std::optional<std::string> crashed_build_id(const CrashReport& report) {
  if (report.build_id.empty()) return std::nullopt;
  return lowercase(report.build_id == "none" ? "" : report.build_id);
}

// Fills `result` from the executable's build id; returns why its frames must stay raw, or "".
std::string check_executable(const CrashReport& report, const std::optional<ModuleSymbols>& program,
                             const std::string& open_error, SymbolizeResult& result) {
  if (!program) {
    result.note = open_error;
    return "executable unreadable";
  }
  result.executable_build_id = program->build_id();
  const std::optional<std::string> wanted = crashed_build_id(report);
  if (!wanted) {
    result.note = "the report does not say which build crashed: executable frames left raw";
    return "crashed build unknown";
  }
  result.build_id_matches = *wanted == result.executable_build_id;
  if (!result.build_id_matches) {
    result.note = "build id of " + result.executable + " is " +
                  (result.executable_build_id.empty() ? "absent" : result.executable_build_id) +
                  ", the crashed program's " + (wanted->empty() ? "absent" : *wanted) +
                  ": the binary was replaced since the crash, its frames are left raw";
    return "executable does not match the crashed build";
  }
  if (wanted->empty()) {
    result.note = "neither the report nor the executable has a build id: names unverified";
  }
  return "";
}

}  // namespace

void symbolize(CrashReport& report, const fs::path& executable) {
  SymbolizeResult& result = report.symbolization;
  result = SymbolizeResult{};
  result.attempted = true;
  result.executable = executable.string();
  std::string error;
  std::optional<ModuleSymbols> program = ModuleSymbols::open(executable, error);
  const std::string executable_note = check_executable(report, program, error, result);
  const bool executable_ok = executable_note.empty();

  std::map<std::string, Module> modules;  // by the report's module name
  const auto module_of = [&](const CrashFrame& frame) -> const Module* {
    if (frame.module.empty()) return nullptr;
    auto it = modules.find(frame.module);
    if (it == modules.end()) {
      it = modules
               .emplace(frame.module, open_module(frame.module, executable, program, executable_ok,
                                                  executable_note, report))
               .first;
    }
    return &it->second;
  };

  std::optional<std::size_t> handler;  // the index of kHandlerFunction's frame
  for (std::size_t i = 0; i < report.frames.size(); ++i) {
    CrashFrame& frame = report.frames[i];
    frame.in_crash_handler = false;
    const Module* module = module_of(frame);
    frame.in_executable = module != nullptr && module->is_executable;
    if (module == nullptr) {
      frame.symbolized = false;
      frame.function.clear();
      frame.source_file.clear();
      frame.line = 0;
      frame.note = "no module known for this address";
      continue;
    }
    lookup(frame, *module, false);
    if (!handler && frame.symbolized && frame.function == kHandlerFunction) handler = i;
  }
  if (!handler) return;
  for (std::size_t i = 0; i <= *handler + 1 && i < report.frames.size(); ++i) {
    report.frames[i].in_crash_handler = true;
  }
  // The trampoline's address is its first instruction (the kernel made it the handler's
  // return address) and the interrupted frame's is the faulting instruction: neither is a
  // return address from a call, so both are looked up as they are.
  for (std::size_t i = *handler + 1; i <= *handler + 2 && i < report.frames.size(); ++i) {
    if (const Module* module = module_of(report.frames[i])) lookup(report.frames[i], *module, true);
  }
}

void symbolize(CrashReport& report, std::span<const fs::path> executables) {
  const std::optional<std::string> wanted = crashed_build_id(report);
  for (const fs::path& executable : executables) {
    std::string error;
    const std::optional<ModuleSymbols> candidate = ModuleSymbols::open(executable, error);
    if (wanted && candidate && candidate->build_id() == *wanted) {
      return symbolize(report, executable);
    }
  }
  if (!executables.empty()) symbolize(report, executables.front());
}

}  // namespace nmtd::crash
