#include "ffleet/common/curve.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ffleet::curve {
namespace {

Status write_new(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    const int e = errno;
    if (e == EEXIST) return Status::error(path + " exists already; remove it first or choose another name");
    return Status::error("cannot create " + path + ": " + std::strerror(e));
  }
  // The mode given to open() is reduced by the umask; say exactly what we mean.
  if (::fchmod(fd, mode) != 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return Status::error("cannot write " + path + ": " + std::strerror(e));
  }
  ::close(fd);
  return Status::ok();
}

// The one key line of a key file's text (comments and blank lines aside).
Result<std::string> key_text(const std::string& text, const std::string& path) {
  std::istringstream in(text);
  std::string line, key;
  int keys = 0;
  while (std::getline(in, line)) {
    const auto a = line.find_first_not_of(" \t\r");
    if (a == std::string::npos || line[a] == '#') continue;
    const auto b = line.find_last_not_of(" \t\r");
    key = line.substr(a, b - a + 1);
    ++keys;
  }
  if (keys != 1 || !valid_z85(key))
    return Result<std::string>::failure("key file " + path + " does not hold one Z85 key of 40 characters "
                                        "(make one with `ffleet keygen FILE`)");
  return key;
}

Result<std::string> key_line(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Result<std::string>::failure("cannot read key file " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  return key_text(ss.str(), path);
}

Result<std::string> public_of(const std::string& secret) {
  char pub[kZ85KeyChars + 1] = {};
  if (zmq_curve_public(pub, secret.c_str()) != 0)
    return Result<std::string>::failure(std::string("cannot derive the public key: ") + zmq_strerror(zmq_errno()));
  return std::string(pub);
}

}  // namespace

Result<KeyPair> generate() {
  char pub[kZ85KeyChars + 1] = {}, sec[kZ85KeyChars + 1] = {};
  if (zmq_curve_keypair(pub, sec) != 0)
    return Result<KeyPair>::failure(std::string("cannot make a key pair (libzmq without CURVE?): ") +
                                    zmq_strerror(zmq_errno()));
  return KeyPair{pub, sec};
}

Status write_pair(const std::string& path, const KeyPair& keys) {
  const std::string pub_path = path + ".pub";
  struct stat st{};
  if (::lstat(pub_path.c_str(), &st) == 0)
    return Status::error(pub_path + " exists already; remove it first or choose another name");
  if (Status s = write_new(path,
                           "# ffleet CurveZMQ secret key: keep it private (mode 0600). Public half: " + pub_path +
                               "\n" + keys.secret_z85 + "\n",
                           0600);
      !s)
    return s;
  if (Status s = write_new(pub_path, keys.public_z85 + "\n", 0644); !s) {
    ::unlink(path.c_str());
    return s;
  }
  return Status::ok();
}

Result<KeyPair> load_secret(const std::string& path) {
  // One open, no symlink at the end, and the checks made on what was opened:
  // nothing can be swapped in between the check and the read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    const int e = errno;
    if (e == ELOOP) return Result<KeyPair>::failure("key file " + path + " is a symbolic link; give the file itself");
    return Result<KeyPair>::failure("cannot read key file " + path + ": " + std::strerror(e));
  }
  struct stat st{};
  std::string text;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.size() < (1u << 16)) text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!S_ISREG(st.st_mode)) return Result<KeyPair>::failure("key file " + path + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Result<KeyPair>::failure("key file " + path + " is open to other users (mode " + mode +
                                    "); a secret key must be mode 0600: chmod 600 " + path);
  }
  if (st.st_uid != ::geteuid() && ::geteuid() != 0)
    return Result<KeyPair>::failure("key file " + path + " belongs to another user; a secret key must be this user's");
  auto secret = key_text(text, path);
  if (!secret) return secret.status();
  auto pub = public_of(*secret);
  if (!pub) return pub.status();
  return KeyPair{*pub, *secret};
}

Result<std::string> load_public(const std::string& path) {
  auto key = key_line(path);
  if (!key) return key;
  // A secret key file is accepted where a public one is asked for: its public
  // half is what is meant. (Without the .pub suffix, we cannot tell them
  // apart by content: both are Z85 keys.)
  if (path.size() < 4 || path.compare(path.size() - 4, 4, ".pub") != 0) {
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) == 0) return public_of(*key);
  }
  return key;
}

bool valid_z85(const std::string& key) {
  if (key.size() != kZ85KeyChars) return false;
  std::uint8_t bin[32];
  return zmq_z85_decode(bin, key.c_str()) != nullptr;
}

std::string z85_of(const std::string& binary32) {
  if (binary32.size() != 32) return {};
  char out[kZ85KeyChars + 1] = {};
  if (zmq_z85_encode(out, reinterpret_cast<const std::uint8_t*>(binary32.data()), 32) == nullptr) return {};
  return out;
}

std::string fingerprint(const std::string& public_z85) { return public_z85.substr(0, 8); }

bool loopback_endpoint(const std::string& endpoint) {
  if (endpoint.rfind("ipc://", 0) == 0 || endpoint.rfind("inproc://", 0) == 0) return true;
  if (endpoint.rfind("tcp://", 0) != 0) return false;
  const std::string rest = endpoint.substr(6);
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) return false;
  const std::string host = rest.substr(0, colon);
  if (host == "[::1]" || host == "localhost") return true;
  // An IPv4 literal in 127.0.0.0/8: four numbers, the first 127.
  if (host.empty() || host.back() == '.') return false;
  int parts = 0;
  std::size_t i = 0;
  while (i < host.size()) {
    const std::size_t j = host.find('.', i);
    const std::string part = host.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (part.empty() || part.size() > 3 || part.find_first_not_of("0123456789") != std::string::npos) return false;
    if (parts == 0 && part != "127") return false;
    ++parts;
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return parts == 4;
}

void make_server(zmq::socket_t& s, const KeyPair& own) {
  s.set(zmq::sockopt::zap_domain, "ffleet");
  s.set(zmq::sockopt::curve_server, 1);
  s.set(zmq::sockopt::curve_secretkey, own.secret_z85);
}

void make_client(zmq::socket_t& s, const KeyPair& own, const std::string& server_public_z85) {
  s.set(zmq::sockopt::curve_serverkey, server_public_z85);
  s.set(zmq::sockopt::curve_publickey, own.public_z85);
  s.set(zmq::sockopt::curve_secretkey, own.secret_z85);
}

}  // namespace ffleet::curve
