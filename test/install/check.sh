#!/usr/bin/env bash
# Installs the build into a staging prefix and proves a C program finds and links uvkafka
# through pkg-config alone: headers, shared and static library, .pc file.
# Usage: test/install/check.sh BUILD_DIR XML_PATH
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$1
XML=$2
. "$ROOT/test/lib/junit.sh"
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/uvk-install.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
PREFIX=$STAGE/prefix

install_into_prefix() {
  meson install -C "$BUILD" --no-rebuild --destdir "$STAGE/dest" >/dev/null
  # meson installs under the configured prefix inside destdir; move it to a known place.
  local pfx; pfx=$(meson introspect "$BUILD" --buildoptions | python3 -c \
    'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
  mv "$STAGE/dest$pfx" "$PREFIX"
  find "$PREFIX" -name uvkafka.pc | grep -q .
  find "$PREFIX" -name 'libuvkafka.so*' | grep -q .
  find "$PREFIX" -name 'libuvkafka.a' | grep -q .
  test -f "$PREFIX/include/uvkafka/uvkafka.h"
}

pc_env() {
  local pcdir; pcdir=$(dirname "$(find "$PREFIX" -name uvkafka.pc | head -n 1)")
  # The .pc file carries the configured prefix; point it at the staging copy.
  sed -i "s|^prefix=.*|prefix=$PREFIX|" "$pcdir/uvkafka.pc"
  export PKG_CONFIG_PATH=$pcdir
}

write_program() {
  cat >"$STAGE/hello.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <uvkafka/uvkafka.h>
int main(void) {
  const char *v = uvk_version();
  char want[32];
  snprintf(want, sizeof want, "%d.%d.%d", UVK_VERSION_MAJOR, UVK_VERSION_MINOR, UVK_VERSION_PATCH);
  if (strcmp(v, want) != 0) { fprintf(stderr, "version %s != header %s\n", v, want); return 1; }
  printf("uvkafka %s\n", v);
  return 0;
}
C
}

link_shared() {
  pc_env; write_program
  cc -std=c99 -Wall -Wextra -Werror -pedantic "$STAGE/hello.c" -o "$STAGE/hello" \
    $(pkg-config --cflags --libs uvkafka)
  LD_LIBRARY_PATH=$(dirname "$(find "$PREFIX" -name 'libuvkafka.so' | head -n 1)") "$STAGE/hello"
}

link_static() {
  pc_env; write_program
  cc -std=c99 -Wall -Wextra -Werror -pedantic "$STAGE/hello.c" -o "$STAGE/hello-static" \
    $(pkg-config --cflags uvkafka) $(find "$PREFIX" -name libuvkafka.a | head -n 1) \
    $(pkg-config --libs --static uvkafka | sed 's/-luvkafka//') -lstdc++ -lm
  "$STAGE/hello-static"
}

# The exported symbols are exactly the committed list: a change to the ABI is deliberate.
# After adding or removing a public function on purpose, regenerate the list with
#   nm -D --defined-only BUILD/lib/libuvkafka.so | awk '{print $3}' | sort > test/install/symbols.txt
symbols_match() {
  local so; so=$(find "$PREFIX" -name 'libuvkafka.so' | head -n 1)
  nm -D --defined-only "$so" | awk '{print $3}' | sort >"$STAGE/symbols.txt"
  diff -u "$ROOT/test/install/symbols.txt" "$STAGE/symbols.txt"
  # and nothing but uvk_ functions
  ! grep -v '^uvk_' "$STAGE/symbols.txt"
}

# Every function the headers declare is exported (a declared but missing one would only
# fail in a user's link).
headers_match_symbols() {
  local f missing=0
  for f in $(grep -ho 'UVK_EXTERN [^(]*(' "$PREFIX"/include/uvkafka/*.h | grep -v '__' \
             | sed 's/.*[ *]\(uvk_[a-z0-9_]*\)($/\1/' | sort -u); do
    grep -qx "$f" "$ROOT/test/install/symbols.txt" || { echo "declared, not exported: $f"; missing=1; }
  done
  return $missing
}

# The samples build against the installed prefix alone: the uvk tool (C99) and the C++
# wrapper's round trip (C++17), as a user's project would.
build_samples() {
  pc_env
  cc -std=c99 -Wall -Wextra -Werror "$ROOT"/samples/uvk*.c -o "$STAGE/uvk" \
    $(pkg-config --cflags --libs uvkafka libuv)
  c++ -std=c++17 -Wall -Wextra -Werror -pedantic "$ROOT/samples/cpp_roundtrip.cc" -o "$STAGE/cpp_roundtrip" \
    $(pkg-config --cflags --libs uvkafka libuv)
  local libdir; libdir=$(dirname "$(find "$PREFIX" -name 'libuvkafka.so' | head -n 1)")
  LD_LIBRARY_PATH=$libdir "$STAGE/uvk" --version
  # no broker here: the usage error (exit 2) proves it starts and links
  local rc=0
  LD_LIBRARY_PATH=$libdir "$STAGE/cpp_roundtrip" >/dev/null 2>&1 || rc=$?
  [ "$rc" = 2 ]
}

junit_begin install "$XML"
junit_case "meson install puts headers, libraries and uvkafka.pc in the prefix" install_into_prefix
junit_case "a C99 program links the shared library via pkg-config and runs" link_shared
junit_case "a C99 program links the static library and runs" link_static
junit_case "the shared library exports exactly test/install/symbols.txt, all uvk_" symbols_match
junit_case "every function the installed headers declare is exported" headers_match_symbols
junit_case "the C and C++ samples build against the installed prefix with pkg-config" build_samples
# The Python tests (samples/python/run_tests.sh) load libuvkafka from this prefix later on.
if [ -n "${UVK_INSTALL_PREFIX_OUT:-}" ] && [ -d "$PREFIX" ]; then
  rm -rf "$UVK_INSTALL_PREFIX_OUT" && cp -a "$PREFIX" "$UVK_INSTALL_PREFIX_OUT"
fi
junit_end
