# shellcheck shell=bash
# A small JUnit XML writer for bash test scripts. Source it, then:
#
#   junit_begin SUITE XML_PATH      start a suite; results go to XML_PATH at junit_end
#   junit_case NAME COMMAND [ARG...]
#                                   run COMMAND (a program or shell function) with `set -e` on,
#                                   in a subshell, stdout+stderr captured; pass if it exits 0
#   junit_skip NAME REASON          record a skipped case
#   junit_end                       write the XML; returns 1 if any case failed, else 0
#
# Progress (PASS/FAIL/SKIP lines, the output of failed cases) goes to stderr.
# The XML: <testsuite name tests failures errors skipped time><testcase name classname time>
#   [<failure message="...">output</failure> | <skipped message="..."/>]</testcase>...</testsuite>

_junit_suite=""
_junit_xml=""
_junit_tmp=""
_junit_names=()
_junit_status=()   # pass | fail | skip
_junit_msgs=()
_junit_times=()
_junit_t0=0

_junit_now() { date +%s.%N; }
_junit_elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# XML-escapes stdin (text and attribute safe); drops invalid UTF-8 and the control characters
# XML 1.0 does not allow. Always succeeds (safe under the caller's errexit/pipefail).
_junit_escape() {
  { iconv -f UTF-8 -t UTF-8 -c 2>/dev/null || true; } \
    | LC_ALL=C tr -d '\000-\010\013\014\016-\037' \
    | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g' -e "s/'/\&apos;/g" \
    || true
}

junit_begin() {
  [ $# -eq 2 ] || { echo "usage: junit_begin SUITE XML_PATH" >&2; return 2; }
  _junit_suite=$1
  _junit_xml=$2
  _junit_tmp=$(mktemp -d "${TMPDIR:-/tmp}/junit.XXXXXX")
  _junit_names=() _junit_status=() _junit_msgs=() _junit_times=()
  _junit_t0=$(_junit_now)
  echo "[junit] suite $_junit_suite" >&2
}

junit_case() {
  [ $# -ge 2 ] || { echo "usage: junit_case NAME COMMAND [ARG...]" >&2; return 2; }
  local name=$1 i=${#_junit_names[@]} t0 rc out
  shift
  out=$_junit_tmp/case$i.out
  t0=$(_junit_now)
  # An asynchronous subshell so `set -e` really applies inside shell functions
  # (it would be ignored in an `if`/`||` context).
  ( set -e; "$@" ) >"$out" 2>&1 </dev/null &
  wait $! && rc=0 || rc=$?
  _junit_names+=("$name")
  _junit_times+=("$(_junit_elapsed "$t0" "$(_junit_now)")")
  if [ "$rc" -eq 0 ]; then
    _junit_status+=(pass)
    _junit_msgs+=("")
    echo "[junit] PASS $name (${_junit_times[$i]} s)" >&2
  else
    _junit_status+=(fail)
    _junit_msgs+=("exit status $rc: $*")
    echo "[junit] FAIL $name (exit $rc, ${_junit_times[$i]} s): $*" >&2
    sed 's/^/    | /' "$out" | tail -n 60 >&2
  fi
  return 0
}

junit_skip() {
  [ $# -eq 2 ] || { echo "usage: junit_skip NAME REASON" >&2; return 2; }
  _junit_names+=("$1")
  _junit_status+=(skip)
  _junit_msgs+=("$2")
  _junit_times+=(0)
  echo "[junit] SKIP $1: $2" >&2
}

junit_end() {
  local i n=${#_junit_names[@]} failures=0 skipped=0 esc_suite
  for ((i = 0; i < n; i++)); do
    case ${_junit_status[$i]} in
      fail) failures=$((failures + 1)) ;;
      skip) skipped=$((skipped + 1)) ;;
    esac
  done
  esc_suite=$(printf '%s' "$_junit_suite" | _junit_escape)
  mkdir -p "$(dirname "$_junit_xml")"
  {
    printf '<?xml version="1.0" encoding="UTF-8"?>\n'
    printf '<testsuite name="%s" tests="%d" failures="%d" errors="0" skipped="%d" time="%s">\n' \
      "$esc_suite" "$n" "$failures" "$skipped" "$(_junit_elapsed "$_junit_t0" "$(_junit_now)")"
    for ((i = 0; i < n; i++)); do
      printf '  <testcase name="%s" classname="%s" time="%s">' \
        "$(printf '%s' "${_junit_names[$i]}" | _junit_escape)" "$esc_suite" "${_junit_times[$i]}"
      case ${_junit_status[$i]} in
        fail)
          printf '\n    <failure message="%s">' "$(printf '%s' "${_junit_msgs[$i]}" | _junit_escape)"
          tail -c 65536 "$_junit_tmp/case$i.out" | _junit_escape
          printf '</failure>\n  ' ;;
        skip)
          printf '<skipped message="%s"/>' "$(printf '%s' "${_junit_msgs[$i]}" | _junit_escape)" ;;
      esac
      printf '</testcase>\n'
    done
    printf '</testsuite>\n'
  } >"$_junit_xml.tmp"
  mv "$_junit_xml.tmp" "$_junit_xml"
  rm -rf "$_junit_tmp"
  echo "[junit] $_junit_suite: $((n - failures - skipped)) passed, $failures failed, $skipped skipped -> $_junit_xml" >&2
  [ "$failures" -eq 0 ]
}
