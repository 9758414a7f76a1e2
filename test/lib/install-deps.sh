#!/usr/bin/env bash
# Installs the Debian packages uvkafka builds and tests with, when they are missing. (The
# Python suite's own packages, pinned, go into a venv: samples/python/run_tests.sh.)
# Needs root for apt-get; prints what it does to stderr. UVK_SKIP_INSTALL=1 only checks.
set -uo pipefail
PKGS=(build-essential meson ninja-build pkg-config python3 libuv1-dev libmbedtls-dev zlib1g-dev
      catch2 libsnappy-dev liblz4-dev libzstd-dev librdkafka-dev kcat openssl clang python3-pytest
      python3-venv python3-dev)
# Doxygen builds the API reference; the test command fails when a public symbol is undocumented.
PKGS+=(doxygen)
# Valgrind memcheck runs the unit suite once more (gcc build): no memory errors, no leaks.
PKGS+=(valgrind)
# Java 17 and Maven run the test broker and the Java oracle; install them only if absent.
command -v java >/dev/null 2>&1 || PKGS+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || PKGS+=(maven)
# Node.js and npm run KafkaJS, the peer in the mixed-group interop test.
command -v node >/dev/null 2>&1 || PKGS+=(nodejs)
command -v npm >/dev/null 2>&1 || PKGS+=(npm)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "${UVK_SKIP_INSTALL:-0}" = 1 ]; then
  echo "install-deps: missing (not installing, UVK_SKIP_INSTALL=1): ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing packages and not root: ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
