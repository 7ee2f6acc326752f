// Masking of secrets before anything is logged or shown: stream keys in URL
// paths, passwords in URLs, key-like query parameters. Pure functions,
// thread-safe. The rules (docs/security.md, "Secrets"):
//
//  - user:password@ -> user:****@ (a user name alone is kept);
//  - RTMP (rtmp, rtmps, rtmpt, ...): everything after the application is the
//    stream key, a '?' and what follows included (Facebook's keys hold one:
//    FB-<id>-0-<sig>?s_bl=1&...&a=<secret>): rtmps://h:443/rtmp/FB-1?a=x ->
//    rtmps://h:443/rtmp/****. As ffmpeg reads it, the path starts after the
//    host whatever its first character, and only '/' ends the application;
//  - any other scheme but file: (http, https, srt, rist, rtsp, ...): a path of
//    two or more segments keeps its first segment and masks the rest of the
//    URL, query included (https://h/live2/KEY?x=1 -> https://h/live2/****;
//    an HLS push https://h/hls/KEY/index.m3u8 -> https://h/hls/****). A path
//    of one segment (https://h/video.mp4) is kept;
//  - query parameters named like a secret anywhere in the URL: names holding
//    key, token, secret, pass, auth, sign, streamid, credential or session,
//    and the names s, sig, sid, cid, md5, hash, jwt, psk, pwd, policy, hdnts, hdnea
//    (pbkeylen, keyint and the like are not secrets): ?cid=X&copy=0 ->
//    ?cid=****&copy=0.
//  - HTTP bearer tokens (ffl_ and 43 base64url characters, common/token.hpp)
//    anywhere in free text: ffl_<43> -> ffl_****.
//
// The mask is the fixed kMask; scheme, host and application stay readable.
// Masking twice is masking once (url(url(x)) == url(x), fuzzed).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ffleet::redact {

inline constexpr std::string_view kMask = "****";

// One URL (the whole string; it may have text before its scheme), masked by
// the rules above. Anything without "scheme://" is returned as is.
std::string url(std::string_view u);

// The secret parts of a URL (the stream key, with and without its query, the
// password, key-like query values), so they can be scrubbed from free text
// such as ffmpeg's stderr.
std::vector<std::string> secrets_of(std::string_view u);

// Replaces every occurrence of each secret in `text` with the mask, the
// longest first (a key's prefix never leaves the rest of the key showing).
// Secrets under 3 bytes are left alone: masking "a" everywhere would hide
// more than it protects.
std::string scrub(std::string text, const std::vector<std::string>& secrets);

// Free text (an error that quotes what a user typed, a log line, a line of
// ffmpeg's stderr): every URL in it (scheme://... up to a blank, a quote,
// '<' or '>'; trailing . , ; : ! ) ] } left out) masked by url(). Use it on
// every message that may echo an input or output; with scrub() where the
// exact secrets are known too.
std::string for_error(std::string_view text);

// Free text with every bearer token (ffl_ then exactly 43 of A-Z a-z 0-9 _ -,
// not inside a longer run of such characters) replaced by "ffl_****".
// for_error() does it too.
std::string tokens(std::string_view text);

}  // namespace ffleet::redact
