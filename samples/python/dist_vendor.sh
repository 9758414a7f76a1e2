#!/bin/sh
# meson dist script (the sdist, `python -m build --sdist`): subprojects/uvkafka is a symlink
# to the repository root, which an archive cannot follow; put the library's committed sources
# (what the package's build uses: the build files, include/, lib/, the wraps) in its place so
# the sdist builds on a machine without this checkout.
set -eu
root=$(cd "$MESON_SOURCE_ROOT/subprojects/uvkafka" && pwd -P)
dest=${MESON_PROJECT_DIST_ROOT:-$MESON_DIST_ROOT}/subprojects/uvkafka
rm -rf "$dest"
mkdir -p "$dest"
git -C "$root" archive --format=tar HEAD -- LICENSE meson.build meson_options.txt include lib subprojects \
  | tar -x -C "$dest"
