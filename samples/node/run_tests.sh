#!/usr/bin/env bash
# Builds the Node package (npm install: its devDependencies and the addon) and runs its test
# suite against the test cluster (UVK_TEST_* from test/kafka/cluster.sh), writing JUnit XML
# to $1. A run that cannot start, writes no results or collects no tests still writes a
# failing case, so it can never look green.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
XML=${1:?usage: run_tests.sh XML_PATH}
case "$XML" in /*) ;; *) XML=$PWD/$XML ;; esac
mkdir -p "$(dirname "$XML")"
. "$ROOT/test/lib/junit.sh"

cannot_run() {
  junit_begin node "$XML"
  junit_case "node package tests start" sh -c "echo '$1' >&2; exit 1"
  junit_end
  exit 1
}
command -v node >/dev/null 2>&1 || cannot_run "node is not installed"
[ -n "${UVK_TEST_BROKERS:-}" ] || cannot_run "UVK_TEST_BROKERS is not set: the test cluster is not up"
if [ "${UVK_NODE_SKIP_INSTALL:-0}" != 1 ]; then
  (cd "$HERE" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >&2) \
    || cannot_run "npm install in samples/node failed (see the log above)"
fi
[ -f "$HERE/build/uvkafka.node" ] || cannot_run "the addon was not built (samples/node/build/uvkafka.node)"

rm -f "$XML"
cd "$HERE" && timeout 900 node --test --test-concurrency=1 \
  --test-reporter=junit --test-reporter-destination="$XML" \
  --test-reporter=spec --test-reporter-destination=stderr \
  test/
rc=$?
[ -f "$XML" ] || cannot_run "node --test exited $rc without results"
cases=$(grep -c '<testcase' "$XML" || true)
[ "${cases:-0}" -gt 0 ] || cannot_run "node --test collected no tests"
exit $rc
