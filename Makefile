# ffleet: the two commands a newcomer types are `make demo` and `make test`.
# Both install what they need on a fresh Debian 12 (as root), build, and run.

SHELL := /bin/bash
JOBS ?= $(shell nproc)

DEB_PACKAGES := build-essential cmake pkg-config \
  cppzmq-dev libzmq3-dev libmsgpack-cxx-dev libsqlite3-dev libspdlog-dev libfmt-dev \
  libboost-dev libboost-filesystem-dev libgtest-dev libgmock-dev libcli11-dev \
  libtomlplusplus-dev nlohmann-json3-dev \
  ffmpeg nginx libnginx-mod-rtmp iproute2 procps python3

.PHONY: all deps build test unit demo bench clean

all: build

# Installs only what is missing, so a second run costs a dpkg query.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "make: missing packages (run as root to install): $$missing" >&2; exit 1; fi; \
	  echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@# The packaged nginx service is not ours: tests start their own nginx.
	@systemctl disable --now nginx >/dev/null 2>&1 || true

# Release binaries in build/bin/.
build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j$(JOBS)
	mkdir -p build/bin
	cp build/release/bin/ffleet-controller build/release/bin/ffleet-agent build/release/bin/ffleet build/bin/

# Unit and integration tests against an AddressSanitizer + UBSan build.
test: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j$(JOBS)
	ctest --test-dir build/asan -L unit -j$(JOBS) --output-on-failure
	ctest --test-dir build/asan -L integration --output-on-failure

unit: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j$(JOBS)
	ctest --test-dir build/asan -L unit -j$(JOBS) --output-on-failure

# A controller and two agents on loopback running two lavfi streams.
demo: build
	deploy/demo.sh build/bin

# Start/stop latency and the agent's own cost with 10 streams (figures, not pass/fail).
bench: build
	python3 bench/start_stop.py build/bin

clean:
	rm -rf build
