#!/usr/bin/env bash
# Quickstart: installs what is missing, builds uvkafka, starts a local one-node Kafka,
# produces and consumes messages through the library, and stops Kafka again.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
test/lib/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
trap 'test/kafka/cluster.sh down >&2 || true' EXIT
eval "$(test/kafka/cluster.sh up --nodes 1)"
echo "Kafka is up at $UVK_TEST_BROKERS" >&2
topic=quickstart-$(date +%s)
# Produce through uvkafka (the uvk tool, samples/uvk.c, over the C ABI)...
for i in 1 2 3 4 5; do echo "user-$i:hello from uvkafka #$i"; done |
  build/samples/uvk produce -b "$UVK_TEST_BROKERS" -t "$topic" -K : -H source=quickstart
# ...and read back. uvkafka's consumer is not built yet, so a client nobody here wrote
# (Debian's kcat) does the reading for now.
echo "read back by kcat (partition, offset, key, value, headers):" >&2
kcat -C -q -e -b "$UVK_TEST_BROKERS" -t "$topic" -f '%p %o %k %s %h\n'
