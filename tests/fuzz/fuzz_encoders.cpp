// Fuzzes the reading of `ffmpeg -encoders` and `ffmpeg -version`
// (agent/encoders/detect.hpp parse_encoder_list, parse_version), as detection
// reads them: the whole -encoders text, and the first line of -version.
//
// Input: the output of ffmpeg, as text.
//
// Properties:
//  - parse_encoder_list() lists, in order, the second word of each line
//    after the first "------" line whose first word is a 6-character flag
//    field starting with 'V' (a plain reading of ffmpeg's table);
//  - every name is non-empty, holds no blank, and is found in the text;
//  - parse_version() is the third word of a line that starts
//    "ffmpeg version", else empty;
//  - the test-encode arguments of a listed name end with -c:v NAME -f null -.
#include <cctype>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "encoders/detect.hpp"
#include "fuzz_util.hpp"

namespace ffleet::fuzz {
namespace {

bool blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::vector<std::string> words(std::string_view line, std::size_t max) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (out.size() < max) {
    while (i < line.size() && blank(line[i])) ++i;
    if (i == line.size()) break;
    const std::size_t b = i;
    while (i < line.size() && !blank(line[i])) ++i;
    out.emplace_back(line.substr(b, i - b));
  }
  return out;
}

std::vector<std::string> reference_list(std::string_view text) {
  std::vector<std::string> out;
  bool in_list = false;
  auto lines = split(text, '\n', text.size() + 1);
  if (!text.empty() && text.back() == '\n') lines.pop_back();  // getline: no empty last line
  for (const auto& line : lines) {
    if (line.find("------") != std::string::npos) {
      in_list = true;
      continue;
    }
    if (!in_list) continue;
    const auto w = words(line, 2);
    if (w.size() == 2 && w[0].size() == 6 && w[0][0] == 'V') out.push_back(w[1]);
  }
  return out;
}

std::string reference_version(std::string_view line) {
  const auto w = words(line, 3);
  if (w.size() < 2 || w[0] != "ffmpeg" || w[1] != "version") return "";
  return w.size() == 3 ? w[2] : "";
}

}  // namespace
}  // namespace ffleet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ffleet::fuzz;              // NOLINT
  using namespace ffleet::agent::encoders;  // NOLINT
  const std::string text(as_view(data, size));

  const auto names = parse_encoder_list(text);
  const auto want = reference_list(text);
  FUZZ_CHECK(names == want, std::to_string(names.size()) + " names, want " + std::to_string(want.size()) + " in " +
                                show(text));
  for (const auto& n : names) {
    FUZZ_CHECK(!n.empty() && words(n, 2).size() == 1 && n == words(n, 1)[0], "name " + show(n));
    FUZZ_CHECK(text.find(n) != std::string::npos, "name not in the text: " + show(n));
    const auto args = test_encode_args(n);
    FUZZ_CHECK(args.size() >= 5 && args[args.size() - 5] == "-c:v" && args[args.size() - 4] == n &&
                   args[args.size() - 3] == "-f" && args[args.size() - 2] == "null" && args.back() == "-",
               "test encode of " + show(n));
  }

  // detect() reads the first line of `ffmpeg -version`.
  std::istringstream in(text);
  std::string first;
  std::getline(in, first);
  const std::string v = parse_version(first);
  FUZZ_CHECK(v == reference_version(first), "version " + show(v) + " of " + show(first));
  FUZZ_CHECK(v.find_first_of(" \t\n\r\v\f") == std::string::npos, "version with a blank: " + show(v));
  return 0;
}
