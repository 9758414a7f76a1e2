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
if [ -x build/samples/quickstart ]; then
  build/samples/quickstart "$UVK_TEST_BROKERS"
else
  # The producer and consumer are not built yet: show that a client nobody here wrote sees the broker.
  echo "uvkafka's quickstart program is not built yet (producer/consumer pending); broker metadata via kcat:" >&2
  kcat -b "$UVK_TEST_BROKERS" -L
fi
