// Hidden commands that print what the build installs: completion scripts
// (`ffleet __complete bash|zsh`), the man page (`ffleet __man`), or all
// three into a directory tree (`ffleet __docs DIR`, the build's ffleet_docs).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app.hpp"
#include "docs.hpp"

namespace ffleet::cli {

void add_doc_commands(CLI::App& app, Globals& g) {
  auto shell = std::make_shared<std::string>();
  auto* complete = app.add_subcommand("__complete", "print a completion script")->group("");
  complete->add_option("shell", *shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  CLI::App* root = &app;
  complete->callback([&g, shell, root] {
    g.offline = true;
    g.action = [shell, root] {
      std::cout << (*shell == "bash" ? bash_completion(*root) : zsh_completion(*root));
      return kExitOk;
    };
  });
  auto* man = app.add_subcommand("__man", "print the man page (roff)")->group("");
  man->callback([&g, root] {
    g.offline = true;
    g.action = [root] {
      std::cout << man_page(*root);
      return kExitOk;
    };
  });
  auto dir = std::make_shared<std::string>();
  auto* all = app.add_subcommand("__docs", "write the completion scripts and the man page under DIR")->group("");
  all->add_option("dir", *dir, "output directory")->required();
  all->callback([&g, dir, root] {
    g.offline = true;
    g.action = [dir, root] {
      const std::pair<const char*, std::string> files[] = {
          {"bash-completion/completions/ffleet", bash_completion(*root)},
          {"zsh/vendor-completions/_ffleet", zsh_completion(*root)},
          {"man/man1/ffleet.1", man_page(*root)}};
      for (const auto& [rel, text] : files) {
        const std::filesystem::path p = std::filesystem::path(*dir) / rel;
        std::error_code ec;
        std::filesystem::create_directories(p.parent_path(), ec);
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.flush()) return die(kExitUsage, "cannot write " + p.string());
      }
      return kExitOk;
    };
  });
}

}  // namespace ffleet::cli
