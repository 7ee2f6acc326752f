// Key files as `ffleet keygen` writes them, and the checks a secret deserves.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ffleet/common/curve.hpp"

namespace ffleet::curve {
namespace {

namespace fs = std::filesystem;

class Curve : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = (fs::temp_directory_path() / "ffleet-curve-XXXXXX").string();
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    dir_ = t;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& n) const { return (dir_ / n).string(); }
  fs::path dir_;
};

TEST_F(Curve, AWrittenPairReadsBack) {
  auto k = generate();
  ASSERT_TRUE(k.is_ok()) << k.error();
  ASSERT_TRUE(write_pair(path("a.key"), *k).is_ok());
  struct stat st{};
  ASSERT_EQ(::stat(path("a.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = load_secret(path("a.key"));
  ASSERT_TRUE(back.is_ok()) << back.error();
  EXPECT_EQ(back->secret_z85, k->secret_z85);
  EXPECT_EQ(back->public_z85, k->public_z85);  // derived from the secret
  EXPECT_EQ(*load_public(path("a.key.pub")), k->public_z85);
  EXPECT_EQ(*load_public(path("a.key")), k->public_z85);  // a secret file's public half
}

TEST_F(Curve, AnExistingFileIsNeverReplaced) {
  auto k = generate();
  ASSERT_TRUE(write_pair(path("a.key"), *k).is_ok());
  auto again = write_pair(path("a.key"), *generate());
  ASSERT_FALSE(again.is_ok());
  EXPECT_NE(again.message().find("exists already"), std::string::npos);
  EXPECT_EQ(load_secret(path("a.key"))->secret_z85, k->secret_z85);
}

TEST_F(Curve, ASecretOthersCanReadIsRefused) {
  ASSERT_TRUE(write_pair(path("a.key"), *generate()).is_ok());
  ::chmod(path("a.key").c_str(), 0640);
  auto k = load_secret(path("a.key"));
  ASSERT_FALSE(k.is_ok());
  EXPECT_NE(k.error().find("chmod 600"), std::string::npos) << k.error();
}

TEST_F(Curve, ASymlinkToASecretIsRefused) {
  ASSERT_TRUE(write_pair(path("a.key"), *generate()).is_ok());
  fs::create_symlink(path("a.key"), path("link.key"));
  auto k = load_secret(path("link.key"));
  ASSERT_FALSE(k.is_ok());
  EXPECT_NE(k.error().find("symbolic link"), std::string::npos) << k.error();
}

TEST_F(Curve, GarbageIsNotAKey) {
  std::ofstream(path("bad")) << "not a key\n";
  ::chmod(path("bad").c_str(), 0600);
  EXPECT_FALSE(load_secret(path("bad")).is_ok());
  EXPECT_FALSE(load_public(path("bad")).is_ok());
  EXPECT_FALSE(load_public(path("missing")).is_ok());
  EXPECT_FALSE(valid_z85(std::string(40, ' ')));
  EXPECT_FALSE(valid_z85("short"));
}

TEST(Loopback, OnlyThisHostCounts) {
  for (const char* e : {"tcp://127.0.0.1:7700", "tcp://127.1.2.3:1", "tcp://[::1]:7700", "tcp://localhost:7700",
                        "ipc:///run/ffleet.sock", "inproc://x"})
    EXPECT_TRUE(loopback_endpoint(e)) << e;
  for (const char* e : {"tcp://0.0.0.0:7700", "tcp://*:7700", "tcp://10.0.0.1:7700", "tcp://eth0:7700",
                        "tcp://127.0.0.1.evil.com:7700", "tcp://[::]:7700"})
    EXPECT_FALSE(loopback_endpoint(e)) << e;
}

}  // namespace
}  // namespace ffleet::curve
