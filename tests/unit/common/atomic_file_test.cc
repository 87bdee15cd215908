// One atomic writer for every file nmtd writes (model folders, crash reports, soak reports):
// PATH is only ever the old file or the whole new one, with the asked mode, and nothing else
// is left behind, whatever fails.
#include "common/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "common/error.h"

namespace nmtd {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  AtomicFileTest() {
    std::string pattern = (fs::temp_directory_path() / "nmtd-atomic-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
  }
  ~AtomicFileTest() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  // Everything in the directory but `keep`: what a failed or finished write left behind.
  std::vector<std::string> leftovers(const std::string& keep) const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename() != keep) names.push_back(e.path().filename().string());
    return names;
  }
  fs::path dir_;
};

TEST_F(AtomicFileTest, WritesReplacesAndLeavesOnlyTheFile) {
  const fs::path path = dir_ / "a.json";
  write_file_atomically(path, "first");
  write_file_atomically(path, "second, longer");
  EXPECT_EQ(read(path), "second, longer");
  EXPECT_TRUE(leftovers("a.json").empty());
}

TEST_F(AtomicFileTest, GivesTheAskedModeWhateverTheUmask) {
  const mode_t old = ::umask(077);
  write_file_atomically(dir_ / "shared", "x", 0644);
  write_file_atomically(dir_ / "private", "x", 0600);
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "shared").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  ASSERT_EQ(::stat((dir_ / "private").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AtomicFileTest, LargeAndSmallWritesKeepTheirOrder) {
  const fs::path path = dir_ / "model.bin";
  const std::string big(3 << 20, 'b');
  {
    AtomicFile f(path);
    f.write("head");
    f.write(big);
    f.write("tail");
    f.commit();
  }
  EXPECT_EQ(read(path), "head" + big + "tail");
}

TEST_F(AtomicFileTest, WithoutCommitTheOldFileStaysAndNothingIsLeft) {
  const fs::path path = dir_ / "config.json";
  write_file_atomically(path, "old");
  {
    AtomicFile f(path);
    f.write(std::string(2 << 20, 'n'));  // past the buffer: bytes reached the temporary file
  }
  EXPECT_EQ(read(path), "old");
  EXPECT_TRUE(leftovers("config.json").empty());
}

TEST_F(AtomicFileTest, AFailedRenameIsAnErrorNamingThePathAndLeavesNothing) {
  const fs::path path = dir_ / "busy";
  fs::create_directory(path);
  std::ofstream(path / "inside") << "x";  // rename() cannot replace a non-empty directory
  try {
    write_file_atomically(path, "data");
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(leftovers("busy").empty());
}

TEST_F(AtomicFileTest, AMissingDirectoryIsAnErrorNamingThePath) {
  const fs::path path = dir_ / "missing" / "f";
  try {
    write_file_atomically(path, "data");
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

TEST_F(AtomicFileTest, AStaleOrPlantedTemporaryNameDoesNotBlockOrRedirectTheWrite) {
  // A fixed PATH.tmp would be taken by a link planted there (or left by a dead writer).
  const fs::path path = dir_ / "report.json";
  const fs::path target = dir_ / "elsewhere";
  fs::create_symlink(target, dir_ / "report.json.tmp");
  write_file_atomically(path, "report");
  EXPECT_EQ(read(path), "report");
  EXPECT_FALSE(fs::exists(target));
}

}  // namespace
}  // namespace nmtd
