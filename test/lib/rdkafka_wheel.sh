#!/usr/bin/env bash
# Makes librdkafka 2.16 (the one shared object the confluent-kafka wheel bundles; a peer for
# benchmarks, never linked into libuvkafka) available and prints its path. Downloaded once
# into the cache with pip (no install: the wheel is only unpacked).
set -euo pipefail
VERSION=${UVK_CONFLUENT_KAFKA_VERSION:-2.16.1}
DIR=${UVK_CACHE_DIR:-$HOME/.cache/uvkafka}/pip-confluent-kafka-$VERSION
find_so() { ls "$DIR"/unpacked/confluent_kafka.libs/librdkafka-*.so.1 2>/dev/null | head -n 1; }
if [ -z "$(find_so)" ]; then
  mkdir -p "$DIR"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$DIR" "confluent-kafka==$VERSION" >&2
  whl=$(ls "$DIR"/confluent_kafka-"$VERSION"-*.whl | head -n 1)
  rm -rf "$DIR/unpacked.tmp" && python3 -m zipfile -e "$whl" "$DIR/unpacked.tmp" && mv "$DIR/unpacked.tmp" "$DIR/unpacked"
fi
so=$(find_so)
[ -n "$so" ] || { echo "rdkafka_wheel.sh: no librdkafka in the confluent-kafka $VERSION wheel" >&2; exit 1; }
echo "$so"
