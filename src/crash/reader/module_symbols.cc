#include "crash/reader/module_symbols.h"

#include <cxxabi.h>
#include <elfutils/libdwfl.h>

#include <cstdlib>

namespace nmtd::crash::detail {
namespace {

// Every module is reported with its file (dwfl_report_elf), so there is nothing to find; and
// dwfl_build_id_find_elf would ask debuginfod for a missing file.
int no_elf_search(Dwfl_Module*, void**, const char*, Dwarf_Addr, char**, Elf**) { return -1; }

// Local files only: dwfl_build_id_find_debuginfo searches the default debuginfo path
// (/usr/lib/debug/.build-id/...) and, unlike dwfl_standard_find_debuginfo, never falls back
// to debuginfod, even when DEBUGINFOD_URLS is set in the environment.
const Dwfl_Callbacks kOfflineCallbacks = {
    .find_elf = no_elf_search,
    .find_debuginfo = dwfl_build_id_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = nullptr,
};

std::string last_dwfl_error() {
  const char* message = dwfl_errmsg(-1);
  return message != nullptr ? message : "unknown libdwfl error";
}

}  // namespace

void ModuleSymbols::DwflEnd::operator()(Dwfl* dwfl) const { dwfl_end(dwfl); }

std::optional<ModuleSymbols> ModuleSymbols::open(const std::filesystem::path& path,
                                                 std::string& error) {
  std::unique_ptr<Dwfl, DwflEnd> dwfl(dwfl_begin(&kOfflineCallbacks));
  if (!dwfl) {
    error = "libdwfl: " + last_dwfl_error();
    return std::nullopt;
  }
  dwfl_report_begin(dwfl.get());
  // Base 0 with add_p_vaddr: a PIE or shared library lands at bias 0 (its own vaddrs), a
  // non-PIE program where it was linked; either way addresses are the file's own.
  Dwfl_Module* module =
      dwfl_report_elf(dwfl.get(), path.filename().c_str(), path.c_str(), -1, 0, true);
  if (module == nullptr) {
    error = "cannot read " + path.string() + ": " + last_dwfl_error();
    return std::nullopt;
  }
  if (dwfl_report_end(dwfl.get(), nullptr, nullptr) != 0) {
    error = "cannot read " + path.string() + ": " + last_dwfl_error();
    return std::nullopt;
  }
  return ModuleSymbols(std::move(dwfl), module);
}

std::string ModuleSymbols::build_id() const {
  const unsigned char* bits = nullptr;
  GElf_Addr vaddr = 0;
  const int length = dwfl_module_build_id(module_, &bits, &vaddr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < length; ++i) {
    hex += kHex[bits[i] >> 4];
    hex += kHex[bits[i] & 0xf];
  }
  return hex;
}

std::optional<std::uint64_t> ModuleSymbols::symbol_address(std::string_view name) const {
  const int count = dwfl_module_getsymtab(module_);
  for (int i = 1; i < count; ++i) {  // entry 0 is the null symbol
    GElf_Sym sym;
    GElf_Addr address = 0;
    const char* found =
        dwfl_module_getsym_info(module_, i, &sym, &address, nullptr, nullptr, nullptr);
    const int type = GELF_ST_TYPE(sym.st_info);
    const bool code = type == STT_FUNC || type == STT_GNU_IFUNC || type == STT_NOTYPE;
    if (found != nullptr && code && sym.st_shndx != SHN_UNDEF && name == found) {
      return address;
    }
  }
  return std::nullopt;
}

std::optional<ModuleSymbols::Location> ModuleSymbols::lookup(std::uint64_t address) const {
  GElf_Off offset = 0;
  GElf_Sym sym;
  const char* name =
      dwfl_module_addrinfo(module_, address, &offset, &sym, nullptr, nullptr, nullptr);
  if (name == nullptr) return std::nullopt;
  Location location;
  location.function = demangle(name);
  location.function_offset = offset;
  if (Dwfl_Line* line = dwfl_module_getsrc(module_, address)) {
    int number = 0;
    const char* file = dwfl_lineinfo(line, nullptr, &number, nullptr, nullptr, nullptr);
    if (file != nullptr && number > 0) {
      location.source_file = file;
      location.line = number;
    }
  }
  return location;
}

std::string demangle(const char* name) {
  // A versioned dynamic symbol ("_ZNSt...@@GLIBCXX_3.4") demangles without its version.
  const std::string_view full(name);
  const std::size_t at = full.find('@');
  const std::string base(full.substr(0, at));
  int status = 0;
  // __cxa_demangle returns malloc'ed memory: owned by a unique_ptr that calls free.
  const std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(base.c_str(), nullptr, nullptr, &status), &std::free);
  if (status != 0 || !demangled) return std::string(full);
  return std::string(demangled.get()) +
         std::string(at == std::string_view::npos ? "" : full.substr(at));
}

}  // namespace nmtd::crash::detail
