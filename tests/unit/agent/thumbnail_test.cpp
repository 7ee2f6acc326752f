#include "runner/thumbnail.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace ffleet::agent::runner {
namespace {

class ThumbFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ffleet-thumb-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    const std::string p = dir_ + "/" + name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  std::string dir_;
};

const std::string kJpeg("\xff\xd8\xff\xe0\x00\x10JFIF\x00\xff\xd9", 13);

TEST_F(ThumbFileTest, PathAndNames) {
  EXPECT_EQ(thumbnail_path("/w", 3, 12), "/w/thumb_3_12.jpg");
  EXPECT_TRUE(is_thumbnail_name("thumb_3_12.jpg"));
  EXPECT_TRUE(is_thumbnail_name("thumb_3_12.jpg.tmp"));  // -atomic_writing's temporary file
  EXPECT_FALSE(is_thumbnail_name("thumb_3_12.png"));
  EXPECT_FALSE(is_thumbnail_name("playlist_3_12.txt"));
  EXPECT_FALSE(is_thumbnail_name("cam.jpg"));
}

TEST_F(ThumbFileTest, ReadsAJpegWholeByteForByte) {
  auto f = read_thumbnail(write("thumb_1_1.jpg", kJpeg), 1024);
  EXPECT_TRUE(f.found) << f.why;
  EXPECT_EQ(f.jpeg, kJpeg);
}

TEST_F(ThumbFileTest, NoneMissingTooLargeOrNotAJpeg) {
  auto missing = read_thumbnail(dir_ + "/thumb_1_1.jpg", 1024);
  EXPECT_FALSE(missing.found);
  EXPECT_EQ(missing.why, "the run has not written its first one yet");
  // Over the cap: refused, not cut.
  auto big = read_thumbnail(write("thumb_2_1.jpg", kJpeg + std::string(2000, 'x')), 1024);
  EXPECT_FALSE(big.found);
  EXPECT_TRUE(big.jpeg.empty());
  EXPECT_NE(big.why.find("over the limit of 1024"), std::string::npos) << big.why;
  // Exactly the cap is fine.
  auto cap = read_thumbnail(write("thumb_3_1.jpg", kJpeg + std::string(1024 - kJpeg.size(), 'x')), 1024);
  EXPECT_TRUE(cap.found) << cap.why;
  auto text = read_thumbnail(write("thumb_4_1.jpg", "not a picture"), 1024);
  EXPECT_FALSE(text.found);
  EXPECT_EQ(text.why, "the thumbnail is not a JPEG");
}

TEST_F(ThumbFileTest, NeverFollowsALink) {
  const std::string target = write("elsewhere.jpg", kJpeg);
  const std::string link = dir_ + "/thumb_5_1.jpg";
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  EXPECT_FALSE(read_thumbnail(link, 1024).found);
}

TEST_F(ThumbFileTest, RemoveTakesTheTemporaryFileToo) {
  const std::string p = write("thumb_6_1.jpg", kJpeg);
  write("thumb_6_1.jpg.tmp", kJpeg);
  remove_thumbnail(p);
  remove_thumbnail("");  // none: nothing to do
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

}  // namespace
}  // namespace ffleet::agent::runner
