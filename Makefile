# ffleet: the two commands a newcomer types are `make demo` and `make test`.
# Both install what they need on a fresh Debian 12 (as root), build, and run.

SHELL := /bin/bash
JOBS ?= $(shell nproc)

DEB_PACKAGES := build-essential cmake pkg-config \
  cppzmq-dev libzmq3-dev libmsgpack-cxx-dev libsqlite3-dev libspdlog-dev libfmt-dev \
  libboost-dev libboost-filesystem-dev libgtest-dev libgmock-dev libcli11-dev \
  libtomlplusplus-dev nlohmann-json3-dev libcpp-httplib-dev libssl-dev openssl prometheus \
  ffmpeg nginx libnginx-mod-rtmp iproute2 procps python3 \
  zsh man-db systemd adduser

.PHONY: all deps build test unit chaos leaks demo bench bench-quick clean fuzz-deps fuzz-build fuzz-build-only fuzz \
  package package-only asan-packages

all: build

# Installs only what is missing (one apt-get for all of it), so a second run
# costs a dpkg query.
define install_missing
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "make: missing packages (run as root to install): $$missing" >&2; exit 1; fi; \
	  echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call install_missing,$(DEB_PACKAGES))
	@# The packaged nginx and prometheus services are not ours: tests start their
	@# own nginx, and use only promtool from the prometheus package.
	@systemctl disable --now nginx >/dev/null 2>&1 || true
	@systemctl disable --now prometheus >/dev/null 2>&1 || true

# .deb packages of a release build in build/packages/ (deploy/packaging.cmake):
# ffleet-controller, ffleet-agent and ffleet.
package: deps
	$(MAKE) --no-print-directory package-only

package-only:
	cmake --preset release >/dev/null
	cmake --build --preset release -j$(JOBS)
	rm -rf build/packages
	cd build/release && cpack -G DEB -B $(CURDIR)/build/packages >/dev/null
	rm -rf build/packages/_CPack_Packages
	@ls build/packages/*.deb

# Release binaries in build/bin/.
build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j$(JOBS)
	mkdir -p build/bin
	cp build/release/bin/ffleet-controller build/release/bin/ffleet-agent build/release/bin/ffleet build/bin/

# Unit and integration tests against an AddressSanitizer + UBSan build (a
# unity build: CMakePresets.json). Two things run beside them at the lowest CPU
# priority, as the integration tests mostly wait on processes and clocks: the
# fuzz targets' build (from the start) and, once the ASan build is done, the
# .debs CPack makes from it (build/asan/packages: the same packaging as `make
# package`, whose release build would double the build time of `make test`),
# which the package test then installs, runs and purges. The unit tests run
# in one process (`ctest -L unit` runs one process per test: 40 s instead of
# 5). A short fuzz pass ends it. docs/development.md says where the time goes.
test:
	$(call install_missing,$(DEB_PACKAGES) $(FUZZ_DEB_PACKAGES) $(BROWSER_DEB_PACKAGES))
	@systemctl disable --now nginx >/dev/null 2>&1 || true
	@systemctl disable --now prometheus >/dev/null 2>&1 || true
	mkdir -p build
	rm -f build/fuzz-build.rc build/asan-packages.rc
	( nice -n 19 $(MAKE) --no-print-directory fuzz-build-only > build/fuzz-build.log 2>&1; echo $$? > build/fuzz-build.rc ) & \
	  cmake --preset asan >/dev/null && \
	  cmake --build --preset asan -j$(JOBS) && \
	  { ( nice -n 19 $(MAKE) --no-print-directory asan-packages > build/asan-packages.log 2>&1; \
	      echo $$? > build/asan-packages.rc ) & } && \
	  (cd build/asan/tests && ../bin/ffleet_unit_tests --gtest_brief=1) && \
	  ctest --test-dir build/asan -L integration -LE packages -j2 --output-on-failure; \
	  rc=$$?; wait; exit $$rc
	@if [ "$$(cat build/fuzz-build.rc)" != 0 ]; then tail -40 build/fuzz-build.log; echo "make: the fuzz build failed" >&2; exit 1; fi
	@if [ "$$(cat build/asan-packages.rc)" != 0 ]; then tail -40 build/asan-packages.log; echo "make: cpack failed" >&2; exit 1; fi
	@# The packages installed, run and purged (tests/integration/test_packages.py).
	FFLEET_PACKAGE_DIR=$(CURDIR)/build/asan/packages ctest --test-dir build/asan -L packages --output-on-failure
	@# A short pass of every fuzz target.
	tests/fuzz/run.sh -b build/fuzz -t $(FUZZ_TEST_SECONDS) -j $(FUZZ_JOBS)

# .debs of the ASan build, for the package test of `make test`.
asan-packages:
	rm -rf build/asan/packages
	cd build/asan && cpack -G DEB -B $(CURDIR)/build/asan/packages >/dev/null

unit: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j$(JOBS)
	ctest --test-dir build/asan -L unit -j$(JOBS) --output-on-failure

# The chaos test in network namespaces, on its own and longer than the one
# 100 s pass of `make test` (CHAOS_SECONDS, default 600).
CHAOS_SECONDS ?= 600
chaos: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j$(JOBS)
	CHAOS_SECONDS=$(CHAOS_SECONDS) ctest --test-dir build/asan -L chaos --output-on-failure

# The agent's leak soak at full length (`make test` runs 200 cycles).
LEAK_CYCLES ?= 500
leaks: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j$(JOBS)
	LEAK_CYCLES=$(LEAK_CYCLES) ctest --test-dir build/asan -L leaks --output-on-failure

# A controller and two agents on loopback running two lavfi streams.
demo: build
	deploy/demo.sh build/bin

# Every figure of docs/performance.md against the release build: prints a
# table and writes build/bench/results.json (bench/run.py; figures, not
# pass/fail). `bench-quick`: the same figures with smaller sizes, one run each,
# in under 3 minutes. BENCH_ARGS="--with-peers" adds Slurm side by side
# (bench/peers/slurm.sh installs slurm-wlm and munge), "--only placement,batch"
# picks groups.
BENCH_ARGS ?=
bench: build
	python3 bench/run.py --bin-dir build/release/bin --profile full $(BENCH_ARGS)

bench-quick: build
	python3 bench/run.py --bin-dir build/release/bin --profile quick $(BENCH_ARGS)

# libFuzzer targets of tests/fuzz (see tests/fuzz/README.md), built with clang
# in build/fuzz; `make fuzz` runs each for FUZZ_SECONDS, FUZZ_JOBS at a time,
# and fails if any of them finds a crash or a broken property.
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 5
FUZZ_JOBS ?= 2
FUZZ_DEB_PACKAGES := clang-14 libclang-rt-14-dev

# The dashboard's browser test (tests/integration/test_dashboard.py) drives
# Debian's Chromium over the DevTools pipe; installed by `make test` only
# (~122 MB download, ~408 MB on disk, 25 s here with a warm mirror), with the
# fonts its screenshots need.
BROWSER_DEB_PACKAGES := chromium fonts-dejavu-core

fuzz-deps:
	$(call install_missing,$(FUZZ_DEB_PACKAGES))

fuzz-build: deps fuzz-deps fuzz-build-only

fuzz-build-only:
	cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DFFLEET_FUZZ=ON -DFFLEET_TESTS=OFF >/dev/null
	cmake --build build/fuzz --target ffleet_fuzzers -j$(JOBS)

fuzz: fuzz-build
	tests/fuzz/run.sh -b build/fuzz -t $(FUZZ_SECONDS) -j $(FUZZ_JOBS)

clean:
	rm -rf build
