#include "auth/directory.hpp"

#include <filesystem>

#include "ffleet/common/curve.hpp"

namespace ffleet::controller::auth {

std::string_view role_name(Role r) {
  switch (r) {
    case Role::kAdmin: return "admin";
    case Role::kOperator: return "operator";
    case Role::kUser: return "user";
  }
  return "user";
}

std::optional<Role> parse_role(std::string_view s) {
  if (s == "admin") return Role::kAdmin;
  if (s == "operator") return Role::kOperator;
  if (s == "user") return Role::kUser;
  return std::nullopt;
}

Result<std::vector<Principal>> admins_from_files(const std::vector<std::string>& pub_paths) {
  std::vector<Principal> out;
  for (const auto& pub_path : pub_paths) {
    auto key = curve::load_public(pub_path);
    if (!key) return Status::error("--admin-key: " + key.error());
    std::string name = std::filesystem::path(pub_path).filename().string();
    for (const char* suffix : {".pub", ".key"})
      if (name.size() > 4 && name.compare(name.size() - 4, 4, suffix) == 0) name.resize(name.size() - 4);
    for (const auto& a : out)
      if (a.name == name || a.public_key == *key)
        return Status::error("--admin-key " + pub_path + ": admin " + name + " or its key is given twice");
    out.push_back({Principal::Kind::kPerson, name, Role::kAdmin, *key, "admin key file " + pub_path});
  }
  return out;
}

void Directory::set_admins(std::vector<Principal> admins) {
  admins_ = std::move(admins);
  index();
}

void Directory::load(const std::vector<UserRow>& users, const std::vector<AgentKeyRow>& agents) {
  stored_.clear();
  for (const auto& u : users)
    stored_.push_back({Principal::Kind::kPerson, u.name, parse_role(u.role).value_or(Role::kUser), u.public_key,
                       "database", u.created_at_ms});
  for (const auto& a : agents)
    stored_.push_back({Principal::Kind::kAgent, a.name, Role::kUser, a.public_key, "database"});
  index();
}

void Directory::index() {
  by_key_.clear();
  // Admin files first: a stored row can never shadow them.
  for (const auto& p : admins_) by_key_.emplace(p.public_key, &p);
  for (const auto& p : stored_) by_key_.emplace(p.public_key, &p);
}

const Principal* Directory::by_key(const std::string& public_key) const {
  auto it = by_key_.find(public_key);
  return it == by_key_.end() ? nullptr : it->second;
}

const Principal* Directory::admin_file_user(const std::string& name) const {
  for (const auto& a : admins_)
    if (a.name == name) return &a;
  return nullptr;
}

const Principal* Directory::person(const std::string& name) const {
  if (const Principal* a = admin_file_user(name)) return a;
  for (const auto& p : stored_)
    if (p.kind == Principal::Kind::kPerson && p.name == name) return &p;
  return nullptr;
}

}  // namespace ffleet::controller::auth
