#!/usr/bin/env bash
# Builds the API reference (HTML) from the public headers' doc comments with Doxygen.
#
#   tools/api-reference.sh [OUT_DIR]    default build/api-reference; the HTML lands in OUT_DIR/html
#
# docs/Doxyfile makes every warning an error: an undocumented public function, typedef, struct,
# struct member or macro, a @param naming no parameter, ... Then this prints the warnings and
# exits non-zero. Doxygen does not warn about undocumented enum values, so they are checked in
# its XML output (tools/api-reference-enums.py). A missing doxygen is a failure too
# (test/lib/install-deps.sh installs it).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${1:-build/api-reference}
LOG=$OUT/warnings.log

if ! command -v doxygen >/dev/null 2>&1; then
  echo "api-reference: doxygen is not installed (test/lib/install-deps.sh installs it)" >&2
  exit 1
fi
# Doxygen opens the log before it creates OUTPUT_DIRECTORY; stale pages must not survive.
rm -rf "$OUT/html" "$OUT/xml"
mkdir -p "$OUT"
# Later lines win: the output paths and the XML for the enum check are the only changes.
{ cat docs/Doxyfile; printf 'OUTPUT_DIRECTORY = "%s"\nWARN_LOGFILE = "%s"\nGENERATE_XML = YES\n' "$OUT" "$LOG"; } \
  | doxygen -
rc=$?
python3 tools/api-reference-enums.py "$OUT/xml" 2>>"$LOG" || { [ "$rc" -ne 0 ] || rc=1; }
if [ -s "$LOG" ]; then
  echo "api-reference: $(grep -c . "$LOG") warning line(s) (doxygen $(doxygen --version)), each an error:" >&2
  cat "$LOG" >&2
  [ "$rc" -ne 0 ] || rc=1
fi
if [ "$rc" -ne 0 ]; then
  echo "api-reference: FAILED (exit $rc); the warnings are in $LOG" >&2
  exit "$rc"
fi
echo "api-reference: no warnings (doxygen $(doxygen --version)); open $OUT/html/index.html" >&2
