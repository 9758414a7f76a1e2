#!/usr/bin/env bash
# Runs the Python binding's pytest suite against the test cluster (UVK_TEST_BROKERS) and
# writes JUnit XML to $1. libuvkafka comes from UVKAFKA_LIB, else from the installed prefix
# UVKAFKA_PREFIX, else from build/lib. A run that cannot start (no pytest, no library)
# still writes a failing case, and so does one that writes no results or collects no tests,
# so it can never look green.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
XML=${1:?usage: run_tests.sh XML_PATH}
case "$XML" in /*) ;; *) XML=$PWD/$XML ;; esac  # pytest runs from this folder
mkdir -p "$(dirname "$XML")"
. "$ROOT/test/lib/junit.sh"

if [ -z "${UVKAFKA_LIB:-}" ]; then
  if [ -n "${UVKAFKA_PREFIX:-}" ]; then
    UVKAFKA_LIB=$(find "$UVKAFKA_PREFIX" -name 'libuvkafka.so' | head -n 1)
  else
    UVKAFKA_LIB=$ROOT/build/lib/libuvkafka.so
  fi
fi
export UVKAFKA_LIB

# The first interpreter that has pytest (install-deps.sh installs Debian's python3-pytest).
PY=""
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import pytest' 2>/dev/null; then PY=$cand; break; fi
done

cannot_run() {
  junit_begin python "$XML"
  junit_case "python binding tests start" sh -c "echo '$1' >&2; exit 1"
  junit_end
  exit 1
}
[ -n "$PY" ] || cannot_run "no python3 with pytest"
[ -f "$UVKAFKA_LIB" ] || cannot_run "libuvkafka not found at '$UVKAFKA_LIB'"
[ -n "${UVK_TEST_BROKERS:-}" ] || cannot_run "UVK_TEST_BROKERS is not set: the test cluster is not up"

rm -f "$XML"
cd "$HERE" && timeout 600 "$PY" -m pytest -p no:cacheprovider -q --junitxml="$XML" tests
rc=$?
[ -f "$XML" ] || cannot_run "pytest exited $rc without results"
cases=$(grep -c '<testcase' "$XML" || true)
[ "${cases:-0}" -gt 0 ] || cannot_run "pytest collected no tests (exit $rc)"
exit $rc
