// Fuzzes the parser of ffmpeg's -progress output (agent/ffmpeg/progress.hpp).
// Input: bytes as ffmpeg writes them to the pipe.
//
// Properties:
//  - how the bytes are cut into reads does not matter: all at once, byte by
//    byte and in uneven chunks give the same blocks and the same latest block;
//  - feed() returns the blocks completed in that chunk (they add up to
//    blocks());
//  - a block ends at each complete "progress=..." line (keys and values
//    trimmed of blanks; lines cut at the parser's 4096-byte limit), and
//    latest().ended says whether the last one was "progress=end".
#include <cstdint>
#include <cstring>
#include <string>

#include "ffmpeg/progress.hpp"
#include "fuzz_util.hpp"

namespace ffleet::fuzz {
namespace {

using agent::ffmpeg::Progress;
using agent::ffmpeg::ProgressParser;

bool same_double(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same(const Progress& a, const Progress& b) {
  return a.frame == b.frame && same_double(a.fps, b.fps) && same_double(a.bitrate_kbps, b.bitrate_kbps) &&
         a.total_size == b.total_size && a.out_time_ms == b.out_time_ms && a.dup_frames == b.dup_frames &&
         a.drop_frames == b.drop_frames && same_double(a.speed, b.speed) && a.ended == b.ended;
}

std::string show(const Progress& p) {
  return "frame=" + std::to_string(p.frame) + " fps=" + std::to_string(p.fps) + " bitrate=" +
         std::to_string(p.bitrate_kbps) + " size=" + std::to_string(p.total_size) + " out_ms=" +
         std::to_string(p.out_time_ms) + " dup=" + std::to_string(p.dup_frames) + " drop=" +
         std::to_string(p.drop_frames) + " speed=" + std::to_string(p.speed) + " ended=" + std::to_string(p.ended);
}

// The parser's limit on one line (progress.cpp): longer lines are cut.
constexpr std::size_t kMaxLine = 4096;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

struct Expected {
  std::int64_t blocks = 0;
  bool ended = false;
};

Expected reference(std::string_view in) {
  Expected e;
  while (true) {
    const auto nl = in.find('\n');
    if (nl == std::string_view::npos) break;
    const std::string_view line = in.substr(0, std::min(nl, kMaxLine));
    in.remove_prefix(nl + 1);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || trim(line.substr(0, eq)) != "progress") continue;
    ++e.blocks;
    e.ended = trim(line.substr(eq + 1)) == "end";
  }
  return e;
}

}  // namespace
}  // namespace ffleet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ffleet::fuzz;  // NOLINT
  const std::string_view in = as_view(data, size);

  ProgressParser whole;
  const int n_whole = whole.feed(in);
  FUZZ_CHECK(n_whole == whole.blocks(), "feed() returned " + std::to_string(n_whole) + " of " +
                                            std::to_string(whole.blocks()) + " blocks");

  ProgressParser bytes;
  std::int64_t n_bytes = 0;
  for (char c : in) n_bytes += bytes.feed(std::string_view(&c, 1));

  // Uneven reads: each chunk as long as its first byte says (1-64).
  ProgressParser chunks;
  std::int64_t n_chunks = 0;
  for (std::size_t i = 0; i < in.size();) {
    const std::size_t len = std::min<std::size_t>(1 + (static_cast<unsigned char>(in[i]) % 64), in.size() - i);
    n_chunks += chunks.feed(in.substr(i, len));
    i += len;
  }

  FUZZ_CHECK(n_bytes == whole.blocks() && bytes.blocks() == whole.blocks(),
             "byte by byte: " + std::to_string(bytes.blocks()) + " blocks, at once " + std::to_string(whole.blocks()));
  FUZZ_CHECK(n_chunks == whole.blocks() && chunks.blocks() == whole.blocks(), "in chunks: different block count");
  FUZZ_CHECK(same(bytes.latest(), whole.latest()), "byte by byte " + show(bytes.latest()) + " vs " + show(whole.latest()));
  FUZZ_CHECK(same(chunks.latest(), whole.latest()), "in chunks " + show(chunks.latest()) + " vs " + show(whole.latest()));

  const Expected want = reference(in);
  FUZZ_CHECK(whole.blocks() == want.blocks, std::to_string(whole.blocks()) + " blocks, want " +
                                                std::to_string(want.blocks) + " in " + show(in));
  FUZZ_CHECK(whole.latest().ended == want.ended, "ended=" + std::to_string(whole.latest().ended) + " in " + show(in));
  return 0;
}
