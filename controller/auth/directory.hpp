// Who may connect, by public key, when links are CURVE: admins named by
// --admin-key files, users and agents from the store. The ZAP handler asks
// it at each handshake and the loop at each message, so a key removed here
// stops working at once, also on a connection made before.
// Owned by the controller's loop; not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ffleet/common/status.hpp"
#include "model.hpp"

namespace ffleet::controller::auth {

enum class Role { kUser, kOperator, kAdmin };
std::string_view role_name(Role r);
std::optional<Role> parse_role(std::string_view s);

struct Principal {
  enum class Kind { kPerson, kAgent } kind = Kind::kPerson;
  std::string name;  // user name, or agent name
  Role role = Role::kUser;
  std::string public_key;
  std::string source;  // "admin key file PATH" or "database"
  std::int64_t created_at_ms = 0;  // a stored user's; 0 for admin key files
};

// Admins from --admin-key files, each named by its file's stem; an
// unreadable file or a name or key given twice is the error.
Result<std::vector<Principal>> admins_from_files(const std::vector<std::string>& pub_paths);

class Directory {
 public:
  // Replaces the admins (from admins_from_files): at start and on SIGHUP.
  void set_admins(std::vector<Principal> admins);
  // Replaces what came from the store (after any change to it, and after a
  // rollback).
  void load(const std::vector<UserRow>& users, const std::vector<AgentKeyRow>& agents);

  const Principal* by_key(const std::string& public_key) const;
  // An admin-key file's principal of this name (such names are not free for `user add`).
  const Principal* admin_file_user(const std::string& name) const;
  // The person of this name (an admin key file's first), or null.
  const Principal* person(const std::string& name) const;
  const std::vector<Principal>& admins() const { return admins_; }
  std::size_t size() const { return by_key_.size(); }

 private:
  void index();
  std::vector<Principal> admins_;
  std::vector<Principal> stored_;
  std::map<std::string, const Principal*> by_key_;
};

}  // namespace ffleet::controller::auth
