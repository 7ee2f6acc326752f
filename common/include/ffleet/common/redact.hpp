// Masking of secrets before anything is logged or shown: RTMP stream keys,
// passwords in URLs, key-like query parameters.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ffleet::redact {

inline constexpr std::string_view kMask = "****";

// rtmp://host/app/KEY -> rtmp://host/app/****; user:pass@ -> user:****@;
// ?key=..&token=.. -> ?key=****&token=****. Anything else is returned as is.
std::string url(std::string_view u);

// The secret parts of a URL (stream key, password, key-like query values),
// so they can be scrubbed from free text such as ffmpeg's stderr.
std::vector<std::string> secrets_of(std::string_view u);

// Replaces every occurrence of each secret in `text` with the mask.
std::string scrub(std::string text, const std::vector<std::string>& secrets);

}  // namespace ffleet::redact
