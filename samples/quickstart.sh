#!/usr/bin/env bash
# Quickstart: installs what is missing, builds uvkafka, starts a local one-node Kafka,
# produces 10,000 messages and consumes them back through a consumer group, all through the
# library (the uvk tool, samples/uvk.c, over the C ABI), and stops Kafka again.
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
n=10000
ms() { date +%s%3N; }
t0=$(ms)
seq 1 "$n" | sed 's/^\(.*\)$/user-\1:hello from uvkafka #\1/' |
  build/samples/uvk produce -b "$UVK_TEST_BROKERS" -t "$topic" -K : -H origin=quickstart --idempotent
t1=$(ms)
echo "produced $n messages in $((t1 - t0)) ms" >&2
out=$(mktemp)
build/samples/uvk consume -b "$UVK_TEST_BROKERS" -t "$topic" -g "quickstart-group" --from-beginning -e \
  -X logLevel=WARN -f '%p %o %k %v %h\n' >"$out"
t2=$(ms)
got=$(wc -l <"$out")
echo "consumed $got messages through consumer group quickstart-group in $((t2 - t1)) ms; the first three:" >&2
head -n 3 "$out" >&2
rm -f "$out"
if [ "$got" -ne "$n" ]; then
  echo "quickstart: expected $n messages, got $got" >&2
  exit 1
fi
echo "quickstart: OK" >&2
