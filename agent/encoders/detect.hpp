// Which video encoders really work on this host. An encoder counts only if
// ffmpeg lists it AND a one-frame test encode with it succeeds, used the way
// a stream would use it (VAAPI with its render device and hwupload): Debian's
// ffmpeg lists NVENC, QSV and VAAPI on hosts with no GPU at all.
// This file is the pure part (parsing, test arguments, merging); Detector
// (detector.hpp) runs the processes.
#pragma once

#include <string>
#include <vector>

#include "ffleet/common/status.hpp"

namespace ffleet::agent::encoders {

struct Candidate {
  std::string name;
  bool listed = false;
  bool works = false;
  bool timed_out = false;  // its test encode was killed at the deadline
  std::string why;  // why it was kept or dropped, for the log (valid UTF-8)
};

struct Detection {
  std::string ffmpeg_version;  // e.g. "5.1.9-0+deb12u1"
  std::vector<Candidate> candidates;
  std::vector<std::string> usable() const;
};

// The encoders worth testing: every encoder of the table
// (ffleet/common/encoders.hpp), in its order.
const std::vector<std::string>& interesting_encoders();
// Video encoder names from `ffmpeg -encoders` output.
std::vector<std::string> parse_encoder_list(const std::string& text);
// "ffmpeg version 5.1.9-0+deb12u1 Copyright ..." -> "5.1.9-0+deb12u1".
std::string parse_version(const std::string& first_line);
// The test-encode argument vector for one encoder (pure, unit-tested), with
// the device arguments and filter the encoder table gives its vendor.
std::vector<std::string> test_encode_args(const std::string& encoder);

// A re-detection whose test encodes timed out says nothing new about those
// encoders: each keeps its verdict from `previous` (a hung test of a GPU that
// worked before does not take it away, nor add one that never worked).
Detection keep_previous_when_timed_out(Detection fresh, const Detection& previous);

}  // namespace ffleet::agent::encoders
