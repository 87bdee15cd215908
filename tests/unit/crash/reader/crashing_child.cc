#include "crashing_child.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

namespace nmtd::crash::testing {

namespace fs = std::filesystem;

std::string CrashingChildTest::take_report_text() const {
  std::vector<fs::path> reports;
  for (const auto& entry : fs::directory_iterator(dir_)) reports.push_back(entry.path());
  EXPECT_EQ(reports.size(), 1u);
  if (reports.size() != 1) return "";
  std::ifstream in(reports[0], std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  fs::remove(reports[0]);
  return text.str();
}

bool has_line_tables(const fs::path& file) {
  elf_version(EV_CURRENT);
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct ElfEnd {
    void operator()(Elf* elf) const { elf_end(elf); }
  };
  bool found = false;
  {
    const std::unique_ptr<Elf, ElfEnd> elf(elf_begin(fd, ELF_C_READ, nullptr));
    std::size_t names = 0;
    if (elf && elf_getshdrstrndx(elf.get(), &names) == 0) {
      for (Elf_Scn* scn = elf_nextscn(elf.get(), nullptr); scn != nullptr && !found;
           scn = elf_nextscn(elf.get(), scn)) {
        GElf_Shdr shdr;
        if (gelf_getshdr(scn, &shdr) == nullptr) continue;
        const char* name = elf_strptr(elf.get(), names, shdr.sh_name);
        found = name != nullptr && std::string_view(name) == ".debug_line";
      }
    }
  }
  ::close(fd);
  return found;
}

const CrashFrame* find_function(const CrashReport& report, std::string_view name) {
  for (const CrashFrame& frame : report.frames) {
    if (frame.symbolized && frame.function.find(name) != std::string::npos) return &frame;
  }
  return nullptr;
}

}  // namespace nmtd::crash::testing
