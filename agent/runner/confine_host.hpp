// The agent's own judgement of a stream just before it spawns ffmpeg: the
// lexical rules of ffleet/common/confine.hpp against this host's policy, then
// every local path resolved as the kernel will (realpath: "..", symlinks;
// for a file that does not exist yet, its nearest existing directory), local
// playlists and HLS manifests read for what they name, and existing outputs.
//
// A refusal is an error value ("rule NAME: ..."); the runner reports it as a
// run that ended with reason `refused`. Touches the file system; not
// thread-safe only in that two checks may race on one output root's records.
//
// Limits: the contents of the roots are trusted not to change between this
// check and ffmpeg's open (a symlink planted in a media root in that moment
// is not seen), and a file written by an earlier run of the same stream is
// known by an owner record in the output root (`.ffleet-owners/`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ffleet/common/confine.hpp"
#include "ffleet/common/status.hpp"
#include "ffleet/schema/protocol.hpp"

namespace ffleet::agent::runner {

struct HostCheck {
  // Resolved paths of local inputs, in the spec's order ("" for a URL or lavfi).
  std::vector<std::string> inputs;
  // Resolved paths of local outputs.
  std::vector<std::string> outputs;
  // ffmpeg may replace existing outputs (-y): the stream says overwrite, or
  // every output that exists was written by an earlier run of this stream.
  bool replace = false;
};

// `work_dir` is resolved; nothing is written below it (playlists live there).
Result<HostCheck> check_on_host(const proto::StreamSpec& spec, const confine::Policy& policy,
                                const std::string& work_dir, const std::string& store_id, std::int64_t stream_id);

// Notes in each output's root that this stream wrote it, so a later run of
// the same stream (here, or on another host sharing the storage) may replace it.
void record_outputs(const HostCheck& check, const confine::Policy& policy, const std::string& store_id,
                    std::int64_t stream_id);

// realpath, or for a path that does not exist yet its nearest existing
// directory resolved plus the rest; an error for a dangling symlink or a
// ".." below a directory that does not exist.
Result<std::string> resolve(const std::string& path);

// The links a concat playlist names under -safe 1: `dir`/00000.ext -> each
// (checked, resolved) target, in order; returns the names relative to dir's
// parent ("links_5_1/00000.mp4"). remove_links removes them and the directory.
Result<std::vector<std::string>> make_links(const std::string& dir, const std::vector<std::string>& targets);
void remove_links(const std::string& dir);

// Where the owner records of an output root live; outputs there are refused.
inline constexpr const char* kOwnersDir = ".ffleet-owners";

}  // namespace ffleet::agent::runner
