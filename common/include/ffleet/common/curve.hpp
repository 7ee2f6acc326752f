// CurveZMQ keys: writing a key pair, reading them back with the checks a
// secret deserves, and setting them on sockets. Every link of a controller
// started with --key is CURVE: encrypted, and each peer known by its public
// key (the controller's ZAP handler decides who that is).
//
// Files: FILE holds the secret key (Z85, one line; lines starting with '#'
// are comments), mode 0600 — a file others can read is refused. FILE.pub
// holds the public key (Z85, one line). The public key is derived from the
// secret one, so FILE alone is enough for the side that owns it.
#pragma once

#include <string>

#include <zmq.hpp>

#include "ffleet/common/status.hpp"

namespace ffleet::curve {

inline constexpr std::size_t kZ85KeyChars = 40;

struct KeyPair {
  std::string public_z85;
  std::string secret_z85;
};

Result<KeyPair> generate();

// Writes FILE (0600, created new: an existing file is not replaced) and
// FILE.pub (0644).
Status write_pair(const std::string& path, const KeyPair& keys);

// The secret key file: refused if group or others may read or write it, or
// if it does not hold one valid key.
Result<KeyPair> load_secret(const std::string& path);

// A public key file (or, for convenience, a secret key file, whose public
// half is used).
Result<std::string> load_public(const std::string& path);

// True for a valid Z85 key (40 characters that decode to 32 bytes).
bool valid_z85(const std::string& key);
// The Z85 form of a 32-byte binary key (as ZAP hands them over).
std::string z85_of(const std::string& binary32);
// A short, stable name of a public key for logs and listings (its first 8
// characters): enough to tell keys apart, never the secret.
std::string fingerprint(const std::string& public_z85);

// Endpoints that only this host can reach: tcp on 127.0.0.0/8, ::1 or
// localhost, and ipc/inproc.
bool loopback_endpoint(const std::string& endpoint);

// The server side of CURVE (the controller's ROUTER), with ZAP domain "ffleet".
void make_server(zmq::socket_t& s, const KeyPair& own);
// The client side (agent, CLI): our pair and the server's public key.
void make_client(zmq::socket_t& s, const KeyPair& own, const std::string& server_public_z85);

}  // namespace ffleet::curve
