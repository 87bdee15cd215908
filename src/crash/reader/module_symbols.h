#pragma once
// One ELF file's symbols and line tables, read with elfutils (libdwfl), for symbolize().
//
// The file is reported at load bias 0, so addresses are given in the file's own terms: the
// address in the crashed process minus the module's load bias (for a PIE or a shared library
// that is what backtrace_symbols_fd prints as "(+0x...)"; for a non-PIE program, the address
// itself). Separate debug files are looked up by build id under /usr/lib/debug only: never
// through debuginfod, because the front must not reach out to the network.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct Dwfl;
struct Dwfl_Module;

namespace nmtd::crash::detail {

class ModuleSymbols {
 public:
  struct Location {
    std::string function;               // demangled
    std::uint64_t function_offset = 0;  // of the address looked up
    std::string source_file;            // "" without DWARF line tables
    int line = 0;
  };

  // nullptr, with `error` set, when the file cannot be opened or is not ELF.
  static std::optional<ModuleSymbols> open(const std::filesystem::path& path, std::string& error);

  // The GNU build id in lowercase hex, "" when the file has none.
  std::string build_id() const;
  // The address of the function symbol `name` (mangled, as dladdr prints it).
  std::optional<std::uint64_t> symbol_address(std::string_view name) const;
  // What is at `address`; nullopt when no symbol covers it.
  std::optional<Location> lookup(std::uint64_t address) const;

 private:
  struct DwflEnd {
    void operator()(Dwfl* dwfl) const;
  };
  ModuleSymbols(std::unique_ptr<Dwfl, DwflEnd> dwfl, Dwfl_Module* module)
      : dwfl_(std::move(dwfl)), module_(module) {}

  std::unique_ptr<Dwfl, DwflEnd> dwfl_;
  Dwfl_Module* module_;  // owned by dwfl_
};

// abi::__cxa_demangle's answer, or `name` itself when it is not a mangled C++ name.
std::string demangle(const char* name);

}  // namespace nmtd::crash::detail
