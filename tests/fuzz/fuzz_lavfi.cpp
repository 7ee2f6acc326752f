// Fuzzes the lavfi rules of common/confine.hpp (check_lavfi, the small parser
// of ffmpeg's filtergraph syntax). Input: the text given as --input with
// --input-format lavfi.
//
// Properties:
//  - a refusal is one line starting "rule lavfi:" (or "rule option-injection:"
//    through classify_input for a graph starting with '-');
//  - an accepted graph holds no quote, backslash or control character, and no
//    filter that reads or writes files stands where ffmpeg reads a filter
//    name, nor a file-naming option where it reads an option name;
//  - appending a file-reading filter to an accepted graph is refused;
//  - classify_input(graph, lavfi) agrees with check_lavfi.
#include <cstdint>
#include <string>

#include "ffleet/common/confine.hpp"
#include "fuzz_util.hpp"

namespace ffleet::fuzz {
namespace {

bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// `w` as a whole word right after one of `before` (or the start) and right
// before one of `after` (or the end).
bool word_at(std::string_view g, std::string_view w, std::string_view before, std::string_view after) {
  for (auto pos = g.find(w); pos != std::string_view::npos; pos = g.find(w, pos + 1)) {
    std::size_t b = pos;
    while (b > 0 && (g[b - 1] == ' ' || g[b - 1] == '\t')) --b;
    const bool start = b == 0 || before.find(g[b - 1]) != std::string_view::npos;
    std::size_t e = pos + w.size();
    if (e < g.size() && word_char(g[e])) continue;
    while (e < g.size() && (g[e] == ' ' || g[e] == '\t')) ++e;
    const bool end = e == g.size() || after.find(g[e]) != std::string_view::npos;
    if (start && end && (pos == 0 || !word_char(g[pos - 1]))) return true;
  }
  return false;
}

void check(const std::string& g) {
  const Status st = confine::check_lavfi(g);
  auto cl = confine::classify_input(g, true);
  if (!st) {
    FUZZ_CHECK(st.message().rfind("rule lavfi: ", 0) == 0, show(st.message()));
    FUZZ_CHECK(st.message().find('\n') == std::string::npos, show(st.message()));
    FUZZ_CHECK(!cl, "classify_input accepts what check_lavfi refuses: " + show(g));
    return;
  }
  if (!g.empty() && g[0] == '-') {
    FUZZ_CHECK(!cl && cl.error().rfind("rule option-injection: ", 0) == 0, show(g));
  } else {
    FUZZ_CHECK(cl && cl->kind == confine::Kind::kLavfi, "classify_input refuses " + show(g));
  }
  for (unsigned char c : g) FUZZ_CHECK(c != '\'' && c != '\\' && c != '"' && (c >= 0x20 || c == '\t'), show(g));
  for (const char* f : {"movie", "amovie", "metadata", "ametadata", "sendcmd", "asendcmd", "zmq", "azmq", "subtitles",
                        "ass", "lut3d", "psnr", "ssim", "frei0r", "ladspa", "lv2", "life", "cellauto", "flite"})
    FUZZ_CHECK(!word_at(g, f, ",;]", "=,;[@"), std::string(f) + " accepted as a filter in " + show(g));
  for (const char* k : {"textfile", "fontfile"})
    FUZZ_CHECK(!word_at(g, k, "=:", "="), std::string(k) + " accepted as an option in " + show(g));
  FUZZ_CHECK(!confine::check_lavfi(g + ",movie=/etc/passwd"), "a movie filter appended to " + show(g));
}

}  // namespace
}  // namespace ffleet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ffleet::fuzz::check(std::string(ffleet::fuzz::as_view(data, size)));
  return 0;
}
