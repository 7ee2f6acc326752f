// The database and its WAL hold stream keys in clear: private at start.
#include "store/private_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/store.hpp"

namespace ffleet::controller::store {
namespace {

class PrivateFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ffleet-private-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "t.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static void make(const std::string& p, mode_t mode) {
    std::ofstream(p).put('\0');
    ASSERT_EQ(::chmod(p.c_str(), mode), 0);
  }
  static unsigned mode_of(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(PrivateFiles, LooserFilesLoseEveryGroupAndOtherBit) {
  make(path_, 0644);
  make(path_ + "-wal", 0664);
  make(path_ + "-shm", 0600);
  const int fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  auto changed = make_private(path_, fd);
  ::close(fd);
  ASSERT_TRUE(changed.is_ok()) << changed.error();
  ASSERT_EQ(changed->size(), 2u);  // the database and its WAL; the SHM was private
  EXPECT_NE((*changed)[0].find("was mode 0644, now 0600"), std::string::npos) << (*changed)[0];
  EXPECT_EQ(mode_of(path_), 0600u);
  EXPECT_EQ(mode_of(path_ + "-wal"), 0600u);
  EXPECT_EQ(mode_of(path_ + "-shm"), 0600u);
  EXPECT_FALSE(std::filesystem::exists(path_ + "-journal"));
}

TEST_F(PrivateFiles, AnExistingWorldReadableDatabaseIsPrivateAfterOpen) {
  {
    auto s = Store::open(path_);
    ASSERT_TRUE(s.is_ok()) << s.error();
  }
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  auto s = Store::open(path_);
  ASSERT_TRUE(s.is_ok()) << s.error();
  EXPECT_EQ(mode_of(path_), 0600u);
  for (const char* suffix : {"-wal", "-shm"}) {
    if (std::filesystem::exists(path_ + suffix)) {
      EXPECT_EQ(mode_of(path_ + suffix), 0600u) << suffix;
    }
  }
}

TEST_F(PrivateFiles, ANewDatabaseIsPrivateWhateverTheUmask) {
  const mode_t old = ::umask(022);
  auto s = Store::open(path_);
  ::umask(old);
  ASSERT_TRUE(s.is_ok()) << s.error();
  EXPECT_EQ(mode_of(path_), 0600u);
  EXPECT_EQ(mode_of(path_ + "-wal"), 0600u);
  EXPECT_EQ(mode_of(path_ + "-shm"), 0600u);
}

}  // namespace
}  // namespace ffleet::controller::store
