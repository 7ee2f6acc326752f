# Debian packages (`make package`): ffleet-controller, ffleet-agent and ffleet
# (the CLI), one CPack component each. Installed layout:
#   /usr/bin/ffleet-controller, /usr/bin/ffleet-agent, /usr/bin/ffleet
#   /lib/systemd/system/ffleet-{controller,agent}.service
#   /etc/ffleet/{controller,agent}.toml (conffiles: an edited one is never overwritten)
#   /usr/share/doc/ffleet-{controller,agent}/deployment.md
# Maintainer scripts (deploy/debian/*.in): the system user `ffleet`, the
# state dirs, the units enabled as dh_installsystemd would; user data only
# removed on purge. See docs/deployment.md, "Packages".

set(FFLEET_DEB_DIR ${CMAKE_CURRENT_LIST_DIR})

install(TARGETS ffleet-controller RUNTIME DESTINATION bin COMPONENT controller)
install(TARGETS ffleet-agent RUNTIME DESTINATION bin COMPONENT agent)
install(TARGETS ffleet RUNTIME DESTINATION bin COMPONENT cli)
# The CLI's man page and bash/zsh completion, generated from the CLI itself
# by the ffleet_docs target (controller/cli/CMakeLists.txt).
install(FILES ${CMAKE_BINARY_DIR}/share/man/man1/ffleet.1.gz DESTINATION share/man/man1 COMPONENT cli)
install(FILES ${CMAKE_BINARY_DIR}/share/bash-completion/completions/ffleet
        DESTINATION share/bash-completion/completions COMPONENT cli)
install(FILES ${CMAKE_BINARY_DIR}/share/zsh/vendor-completions/_ffleet DESTINATION share/zsh/vendor-completions
        COMPONENT cli)

foreach(role controller agent)
  install(FILES ${FFLEET_DEB_DIR}/systemd/ffleet-${role}.service DESTINATION /lib/systemd/system COMPONENT ${role})
  install(FILES ${FFLEET_DEB_DIR}/config/${role}.toml DESTINATION /etc/ffleet COMPONENT ${role})
  install(FILES ${PROJECT_SOURCE_DIR}/docs/deployment.md DESTINATION share/doc/ffleet-${role} COMPONENT ${role})
endforeach()

# Maintainer scripts, filled in per package.
function(ffleet_deb_scripts role other state_dirs extra on_upgrade)
  set(out ${CMAKE_BINARY_DIR}/debian/${role})
  set(PKG ffleet-${role})
  set(UNIT ffleet-${role}.service)
  set(OTHER_PKG ffleet-${other})
  set(STATE_DIRS ${state_dirs})
  set(EXTRA_CONFIGURE ${extra})
  set(ON_UPGRADE ${on_upgrade})
  foreach(s postinst prerm postrm)
    configure_file(${FFLEET_DEB_DIR}/debian/${s}.in ${out}/${s} @ONLY)
  endforeach()
  file(WRITE ${out}/conffiles "/etc/ffleet/${role}.toml\n")
  string(TOUPPER ${role} R)
  set(CPACK_DEBIAN_${R}_PACKAGE_CONTROL_EXTRA "${out}/postinst;${out}/prerm;${out}/postrm;${out}/conffiles"
      PARENT_SCOPE)
endfunction()
ffleet_deb_scripts(controller agent /var/lib/ffleet ""
  "deb-systemd-invoke try-restart ffleet-controller.service >/dev/null || true")
# The agent's work dir, and the `render` group SupplementaryGroups= names
# (udev makes it on a full system; a container may lack it, and a unit naming
# a missing group does not start).
ffleet_deb_scripts(agent controller /var/lib/ffleet-agent
  "install -d -o ffleet -g ffleet -m 0700 /var/lib/ffleet-agent\n  getent group render >/dev/null || addgroup --system --quiet render"
  "! systemctl is-active --quiet ffleet-agent.service || echo 'ffleet-agent: upgraded, still running the old binary: ffleet agent drain NAME, then systemctl restart ffleet-agent'")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ffleet)
set(CPACK_PACKAGE_VENDOR ffleet)
set(CPACK_PACKAGE_CONTACT "ffleet maintainers <ffleet@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL controller agent cli)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies from the binaries (dpkg-shlibdeps, in dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_CONTROLLER_PACKAGE_NAME ffleet-controller)
set(CPACK_DEBIAN_AGENT_PACKAGE_NAME ffleet-agent)
set(CPACK_DEBIAN_CLI_PACKAGE_NAME ffleet)
set(CPACK_DEBIAN_CONTROLLER_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS "adduser, ffmpeg")
set(CPACK_DEBIAN_CONTROLLER_PACKAGE_RECOMMENDS "ffleet")
set(CPACK_DEBIAN_AGENT_PACKAGE_RECOMMENDS "ffleet")
set(CPACK_COMPONENT_CONTROLLER_DESCRIPTION "ffleet controller: schedules ffmpeg streams across hosts\n Holds the schedule, limits and run history in SQLite and places streams\n on ffleet agents. Runs as the ffleet-controller systemd service.")
set(CPACK_COMPONENT_AGENT_DESCRIPTION "ffleet agent: runs ffmpeg for the ffleet controller\n Detects working encoders, starts and supervises ffmpeg, reports to the\n controller and drains on stop. Runs as the ffleet-agent systemd service.")
set(CPACK_COMPONENT_CLI_DESCRIPTION "ffleet command-line client\n Adds, starts, stops and shows streams, agents, users and limits of an\n ffleet controller.")
include(CPack)
