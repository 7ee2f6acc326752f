// Which video encoders really work on this host. An encoder counts only if
// ffmpeg lists it AND a one-frame test encode with it succeeds, used the way
// a stream would use it (VAAPI with its render device and hwupload): Debian's
// ffmpeg lists NVENC, QSV and VAAPI on hosts with no GPU at all.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "ffleet/common/status.hpp"

namespace ffleet::agent::encoders {

struct Candidate {
  std::string name;
  bool listed = false;
  bool works = false;
  std::string why;  // why it was kept or dropped, for the log
};

struct Detection {
  std::string ffmpeg_version;  // e.g. "5.1.9-0+deb12u1"
  std::vector<Candidate> candidates;
  std::vector<std::string> usable() const;
};

// Video encoder names from `ffmpeg -encoders` output.
std::vector<std::string> parse_encoder_list(const std::string& text);
// "ffmpeg version 5.1.9-0+deb12u1 Copyright ..." -> "5.1.9-0+deb12u1".
std::string parse_version(const std::string& first_line);
// The test-encode argument vector for one encoder (pure, unit-tested).
std::vector<std::string> test_encode_args(const std::string& encoder);

// Runs ffmpeg: -version, -encoders, then the test encodes in parallel, each
// bounded by `timeout`. `scratch_dir` holds their stderr briefly.
Result<Detection> detect(const std::string& ffmpeg, const std::string& scratch_dir, std::chrono::milliseconds timeout);

}  // namespace ffleet::agent::encoders
