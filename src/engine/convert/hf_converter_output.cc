#include "engine/convert/hf_converter_output.h"

#include <stdlib.h>  // mkdtemp

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "common/error.h"

namespace nmtd {

namespace fs = std::filesystem;

namespace {

fs::path make_temp_dir(const fs::path& parent, const std::string& name, const char* tag) {
  std::string tmpl = (parent / ("." + name + tag + "XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw IoError("cannot create a temporary directory in " + parent.string() + ": " +
                  std::strerror(errno));
  return tmpl;
}

// A directory we may replace with --force: a previous model (model.bin or config.json)
// holding only files. Anything else (a home folder, a source tree) is refused.
bool looks_like_model_dir(const fs::path& dir) {
  bool has_model_file = false;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_directory()) return false;
    const auto name = e.path().filename();
    if (name == "model.bin" || name == "config.json") has_model_file = true;
  }
  return has_model_file;
}

}  // namespace

StagedDirectory::StagedDirectory(fs::path final_dir, bool force)
    : final_(fs::absolute(std::move(final_dir)).lexically_normal()) {
  if (final_.filename().empty()) final_ = final_.parent_path();  // "out/" -> "out"
  std::error_code ec;
  if (fs::exists(final_, ec)) {
    if (!fs::is_directory(final_))
      throw InvalidArgument(final_.string() + " exists and is not a directory");
    if (!fs::is_empty(final_)) {
      if (!force)
        throw InvalidArgument(final_.string() +
                              " exists and is not empty (use --force to "
                              "replace it)");
      if (!looks_like_model_dir(final_))
        throw InvalidArgument("refusing to replace " + final_.string() +
                              ": it does not look like a model directory (no model.bin or "
                              "config.json, or it has subdirectories)");
    }
  }
  const fs::path parent = final_.parent_path();
  fs::create_directories(parent, ec);
  if (ec) throw IoError("cannot create " + parent.string() + ": " + ec.message());
  staging_ = make_temp_dir(parent, final_.filename().string(), ".tmp-");
  // mkdtemp makes the directory private (0700); a model directory is ordinary data.
  fs::permissions(staging_,
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                      fs::perms::others_read | fs::perms::others_exec,
                  ec);
}

StagedDirectory::~StagedDirectory() {
  if (committed_ || staging_.empty()) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);  // best effort: a destructor must not throw
}

void StagedDirectory::commit() {
  std::error_code ec;
  fs::path old;
  if (fs::exists(final_, ec)) {
    if (fs::is_empty(final_, ec)) {
      fs::remove(final_, ec);
    } else {
      // rename(2) replaces an empty directory, so park the old model on a fresh empty one.
      old = make_temp_dir(final_.parent_path(), final_.filename().string(), ".old-");
      fs::rename(final_, old, ec);
      if (ec) throw IoError("cannot move " + final_.string() + " aside: " + ec.message());
    }
  }
  fs::rename(staging_, final_, ec);
  if (ec) {
    const std::string why = ec.message();
    if (!old.empty()) fs::rename(old, final_, ec);  // put the previous model back
    throw IoError("cannot rename " + staging_.string() + " to " + final_.string() + ": " + why);
  }
  committed_ = true;
  if (!old.empty()) fs::remove_all(old, ec);
}

}  // namespace nmtd
