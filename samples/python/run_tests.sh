#!/usr/bin/env bash
# Runs the Python package's pytest suite against the test cluster (UVK_TEST_BROKERS) and writes
# JUnit XML to $1. It makes a venv (UVK_PY_VENV, default build/python-venv), installs the
# pinned test requirements (requirements-test.txt) and the package itself with
# `pip install ./samples/python` (the extension builds with meson-python, libuvkafka linked in
# statically from this checkout). A run that cannot start (no venv, a failed install) still
# writes a failing case, and so does one that writes no results or collects no tests, so it
# can never look green.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
XML=${1:?usage: run_tests.sh XML_PATH}
case "$XML" in /*) ;; *) XML=$PWD/$XML ;; esac  # pytest runs from this folder
mkdir -p "$(dirname "$XML")"
. "$ROOT/test/lib/junit.sh"
VENV=${UVK_PY_VENV:-$ROOT/build/python-venv}

cannot_run() {
  junit_begin python "$XML"
  junit_case "python package tests start" sh -c "echo '$1' >&2; exit 1"
  junit_end
  exit 1
}
[ -n "${UVK_TEST_BROKERS:-}" ] || cannot_run "UVK_TEST_BROKERS is not set: the test cluster is not up"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" >&2 || cannot_run "python3 -m venv $VENV failed (Debian: apt-get install python3-venv)"
fi
PY=$VENV/bin/python
"$PY" -m pip install -q -r "$HERE/requirements-test.txt" >&2 || cannot_run "pip install -r requirements-test.txt failed"
# meson-python finds ninja and meson on PATH: the venv's pinned ones.
PATH=$VENV/bin:$PATH "$PY" -m pip install -q --force-reinstall --no-deps "$HERE" >&2 \
  || cannot_run "pip install ./samples/python failed (the extension did not build)"

rm -f "$XML"
# From the tests folder: `import uvkafka` is the installed package, not the source tree.
cd "$HERE/tests" && timeout 900 "$PY" -m pytest -p no:cacheprovider -q --junitxml="$XML" .
rc=$?
[ -f "$XML" ] || cannot_run "pytest exited $rc without results"
cases=$(grep -c '<testcase' "$XML" || true)
[ "${cases:-0}" -gt 0 ] || cannot_run "pytest collected no tests (exit $rc)"
exit $rc
