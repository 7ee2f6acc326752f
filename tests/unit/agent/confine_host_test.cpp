// The agent's check before it spawns: real paths (symlinks, ".."), local
// playlists and manifests, existing outputs. In a temp dir of its own.
#include "runner/confine_host.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace ffleet::agent::runner {
namespace {

namespace fs = std::filesystem;

class HostCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ffleet-confine-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = fs::canonical(tmpl).string();
    for (const char* d : {"media", "out", "secret", "work"}) fs::create_directory(dir_ + "/" + d);
    write("media/a.mp4", "not really");
    write("secret/key.ts", "secret");
    policy_.media_roots = {dir_ + "/media"};
    policy_.output_roots = {dir_ + "/out"};
    policy_.protocols = confine::default_protocols();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& rel, const std::string& text) { std::ofstream(dir_ + "/" + rel) << text; }
  std::string p(const std::string& rel) const { return dir_ + "/" + rel; }

  Result<HostCheck> check(std::vector<std::string> in, std::vector<std::string> out, bool overwrite = false,
                          std::int64_t stream = 1) {
    proto::StreamSpec s;
    s.inputs = std::move(in);
    s.outputs = std::move(out);
    s.overwrite = overwrite;
    return check_on_host(s, policy_, p("work"), "store", stream);
  }

  void refused(const Result<HostCheck>& r, const std::string& part) {
    ASSERT_FALSE(r.is_ok()) << part;
    EXPECT_NE(r.error().find(part), std::string::npos) << r.error();
  }

  std::string dir_;
  confine::Policy policy_;
};

TEST_F(HostCheckTest, AllowsFilesInTheRoots) {
  auto r = check({p("media/a.mp4")}, {p("out/new.ts")});
  ASSERT_TRUE(r.is_ok()) << r.error();
  EXPECT_EQ(r->inputs, std::vector<std::string>{p("media/a.mp4")});
  EXPECT_EQ(r->outputs, std::vector<std::string>{p("out/new.ts")});
  EXPECT_FALSE(r->replace);  // nothing exists: -n
  // A directory not there yet: its nearest existing parent counts.
  EXPECT_TRUE(check({p("media/a.mp4")}, {p("out/later/x.ts")}).is_ok());
}

TEST_F(HostCheckTest, ASymlinkOutOfARootIsFollowed) {
  fs::create_symlink(p("secret/key.ts"), p("media/link.ts"));
  refused(check({p("media/link.ts")}, {"null"}), "rule media-roots");
  fs::create_symlink(p("secret"), p("out/escape"));
  refused(check({p("media/a.mp4")}, {p("out/escape/x.ts")}), "rule output-roots");
}

TEST_F(HostCheckTest, ADanglingSymlinkIsNotWrittenThrough) {
  fs::create_symlink("/etc/cron.d/ffleet-test-never", p("out/dangling.ts"));
  refused(check({p("media/a.mp4")}, {p("out/dangling.ts")}), "symbolic link to nowhere");
}

TEST_F(HostCheckTest, RelativePathsAreTheWorkDirsAndItIsNotAnOutput) {
  refused(check({p("media/a.mp4")}, {"out.ts"}), "rule output-roots");  // work dir is not an output root
  policy_.output_roots.push_back(dir_);
  refused(check({p("media/a.mp4")}, {p("work/playlist_1_1.txt")}), "work dir");
}

TEST_F(HostCheckTest, AnExistingOutputIsReplacedOnlyByItsOwnStreamOrWithOverwrite) {
  write("out/theirs.ts", "someone else's");
  refused(check({p("media/a.mp4")}, {p("out/theirs.ts")}), "rule overwrite");
  auto forced = check({p("media/a.mp4")}, {p("out/theirs.ts")}, true);
  ASSERT_TRUE(forced.is_ok()) << forced.error();
  EXPECT_TRUE(forced->replace);
  // A run of stream 7 writes mine.ts; the next run of 7 may replace it, stream 8 may not.
  auto first = check({p("media/a.mp4")}, {p("out/mine.ts")}, false, 7);
  ASSERT_TRUE(first.is_ok());
  record_outputs(*first, policy_, "store", 7);
  write("out/mine.ts", "written");
  auto again = check({p("media/a.mp4")}, {p("out/mine.ts")}, false, 7);
  ASSERT_TRUE(again.is_ok()) << again.error();
  EXPECT_TRUE(again->replace);
  refused(check({p("media/a.mp4")}, {p("out/mine.ts")}, false, 8), "rule overwrite");
  // The records are not an output.
  refused(check({p("media/a.mp4")}, {p(std::string("out/") + kOwnersDir + "/x")}), "owner records");
}

TEST_F(HostCheckTest, AManifestOrPlaylistNamingAFileOutsideIsRefused) {
  write("media/evil.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n../secret/key.ts\n#EXT-X-ENDLIST\n");
  refused(check({p("media/evil.m3u8")}, {"null"}), "rule playlist");
  write("media/evil2.txt", "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"file:" + p("secret/key.ts") + "\"\nseg.ts\n");
  refused(check({p("media/evil2.txt")}, {"null"}), "rule playlist");
  write("media/url.m3u8", "#EXTM3U\ncrypto:" + p("secret/key.ts") + "\n");
  refused(check({p("media/url.m3u8")}, {"null"}), "may name only local files");
  write("media/list.txt", "ffconcat version 1.0\nfile '" + p("secret/key.ts") + "'\n");
  refused(check({p("media/list.txt")}, {"null"}), "rule playlist");
  write("media/good.m3u8", "#EXTM3U\n#EXTINF:2,\na.mp4\n");
  EXPECT_TRUE(check({p("media/good.m3u8")}, {"null"}).is_ok());
}

TEST(Resolve, DotDotBelowAMissingDirectoryIsRefused) {
  EXPECT_FALSE(resolve("/tmp/ffleet-no-such-dir/../../etc/passwd").is_ok());
  auto r = resolve("/tmp/ffleet-no-such-dir/x");
  ASSERT_TRUE(r.is_ok()) << r.error();
  EXPECT_EQ(*r, fs::canonical("/tmp").string() + "/ffleet-no-such-dir/x");
}

}  // namespace
}  // namespace ffleet::agent::runner

namespace ffleet::agent::runner {
namespace {

// Found by an attacker's review: ffmpeg reads URI= unquoted too, and honours
// ffconcat `option` lines and DASH manifests found by content.
TEST_F(HostCheckTest, ManifestTricksFoundInReviewAreRefused) {
  write("media/unquoted.m3u8", "#EXTM3U\n#EXT-X-MAP:URI=" + p("secret/key.ts") + "\n#EXTINF:1,\na.mp4\n");
  refused(check({p("media/unquoted.m3u8")}, {p("out/x.ts")}), "outside the media roots");
  write("media/media.m3u8", "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=a,NAME=x,URI=" + p("secret/key.ts") +
                                ",DEFAULT=YES\n#EXTINF:1,\na.mp4\n");
  refused(check({p("media/media.m3u8")}, {p("out/x.ts")}), "outside the media roots");
  write("media/escaped.m3u8", "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"a\\\".mp4\"\n#EXTINF:1,\na.mp4\n");
  refused(check({p("media/escaped.m3u8")}, {p("out/x.ts")}), "not a plain name");
  write("media/opt.txt", "ffconcat version 1.0\noption use_absolute_path 1\nfile a.mp4\n");
  refused(check({p("media/opt.txt")}, {p("out/x.ts")}), "not a plain name");
  write("media/dash.mpd", "<?xml version=\"1.0\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\"><BaseURL>file:" +
                              p("secret/key.ts") + "</BaseURL></MPD>\n");
  refused(check({p("media/dash.mpd")}, {p("out/x.ts")}), "DASH");
  // The plain forms still pass.
  write("media/ok.m3u8", "#EXTM3U\n#EXT-X-MAP:URI=\"a.mp4\"\n#EXTINF:1,\na.mp4\n");
  EXPECT_TRUE(check({p("media/ok.m3u8")}, {p("out/x.ts")}).is_ok());
}

}  // namespace
}  // namespace ffleet::agent::runner
