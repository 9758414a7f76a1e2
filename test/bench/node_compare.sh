#!/usr/bin/env bash
# uvkafka's npm package (samples/node) against KafkaJS 2.2.4, @platformatic/kafka and
# @confluentinc/kafka-javascript (librdkafka) on the same running broker: produce N x 100 B
# (sends of 1,000, 8 in flight, acks 1) to a fresh 4-partition
# topic, then consume N back with eachBatch and with eachMessage (fresh groups, from the
# beginning); each workload REPS times, the clients alternating (the order rotates every
# repetition), each run in a process of its own. Prints the medians as Markdown tables.
#
#   test/bench/node_compare.sh [REPS] [N]      (defaults 3 and 1000000; needs UVK_TEST_BROKERS)
#
# The raw lines (one JSON object per run, test/bench/node_bench.js) go to stderr and to
# $NODE_BENCH_JSONL (default: a file under /tmp, named at the end). The peers are installed
# into test/bench/node_modules from test/bench/package.json (exact versions) when missing; the
# addon is built when samples/node/build/uvkafka.node is missing. When UVK_TEST_NODE_PIDS is one
# process id (a 1-node cluster), each line also gets the broker's CPU seconds during the run.
# NODE_COMPARE_CLIENTS (default "uvkafka kafkajs platformatic confluent") picks the clients, for
# quicker runs between changes (the tables show the clients that ran).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REPS=${1:-3}
N=${2:-1000000}
: "${UVK_TEST_BROKERS:?start the cluster first: eval \"\$(test/kafka/cluster.sh up)\"}"
cd "$ROOT"
BENCH=test/bench
CLIENTS=${NODE_COMPARE_CLIENTS:-uvkafka kafkajs platformatic confluent}
pick() { local c; for c in "$@"; do [[ " $CLIENTS " == *" $c "* ]] && echo "$c"; done; return 0; }
# @confluentinc/kafka-javascript's install script would download a prebuilt addon, then the
# sources of librdkafka's dependencies; neither host is reachable here. Built from source with
# dynamic linking, its bundled librdkafka uses Debian's OpenSSL, zstd and lz4 instead, and
# node-gyp takes Node's headers from the installation.
ckjs_addon=$BENCH/node_modules/@confluentinc/kafka-javascript/build/Release/confluent-kafka-javascript.node
if [ ! -f "$BENCH/node_modules/kafkajs/package.json" ] || [ ! -f "$BENCH/node_modules/@platformatic/kafka/package.json" ] ||
   [ ! -f "$ckjs_addon" ]; then
  for pkg in libssl-dev libzstd-dev liblz4-dev python3 make g++; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="${missing:-} $pkg"
  done
  if [ -n "${missing:-}" ]; then
    echo "installing$missing (to build @confluentinc/kafka-javascript)" >&2
    apt-get install -y -q $missing >&2 || { apt-get update -q >&2 && apt-get install -y -q $missing >&2; }
  fi
  echo "npm ci in $BENCH (@confluentinc/kafka-javascript builds librdkafka with an unbounded make -j, niced: a few minutes)" >&2
  (cd "$BENCH" && CKJS_LINKING=dynamic npm_config_build_from_source=true npm_config_nodedir=/usr \
     nice -n 10 npm ci --no-audit --no-fund --loglevel=error >&2)
fi
[ -f samples/node/build/uvkafka.node ] || node samples/node/scripts/build.js >&2
JSONL=${NODE_BENCH_JSONL:-$(mktemp /tmp/node-compare-XXXXXX.jsonl)}
: >"$JSONL"
topic="node-compare-$(date +%s)"
J="node $BENCH/node_bench.js"
BROKER_PID=""
[[ "${UVK_TEST_NODE_PIDS:-}" =~ ^[0-9]+$ ]] && [ -r "/proc/$UVK_TEST_NODE_PIDS/stat" ] && BROKER_PID=$UVK_TEST_NODE_PIDS
TICK=$(getconf CLK_TCK)

# CPU seconds (user + system) of the broker so far
broker_cpu() { awk -v t="$TICK" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$BROKER_PID/stat"; }

run() {  # run MODE CLIENT: one run, its line to stderr and $JSONL
  local b0 b1 line
  [ -n "$BROKER_PID" ] && b0=$(broker_cpu)
  line=$($J "$1" "$2" "$UVK_TEST_BROKERS" "$topic" "$N" | tail -n 1)
  if [ -n "$BROKER_PID" ]; then
    b1=$(broker_cpu)
    line="${line%\}},\"broker_cpu_s\":$(awk -v a="$b0" -v b="$b1" 'BEGIN { printf "%.2f", b - a }')}"
  fi
  echo "$line" >&2
  echo "$line" >>"$JSONL"
}

rotate() {  # rotate I CLIENT...: the clients, starting with the (I mod count)-th
  local i=$1; shift
  local a=("$@") k
  for ((k = 0; k < ${#a[@]}; k++)); do echo "${a[$(((i + k) % ${#a[@]}))]}"; done
}

$J create "$UVK_TEST_BROKERS" "$topic" 4  # the topic and one message, before anything is timed
for ((i = 0; i < REPS; i++)); do
  for c in $(rotate "$i" $(pick uvkafka kafkajs platformatic confluent)); do run produce "$c"; done
done
# Consume what was produced (REPS x clients x N messages): the first N each time, fresh groups.
# @platformatic/kafka has no batch callback; its message stream runs in the eachMessage table.
for ((i = 0; i < REPS; i++)); do
  for c in $(rotate "$i" $(pick uvkafka kafkajs confluent)); do run batch "$c"; done
done
for ((i = 0; i < REPS; i++)); do
  for c in $(rotate "$i" $(pick uvkafka kafkajs platformatic confluent)); do run message "$c"; done
done

$J table <"$JSONL"
echo "$REPS repetitions, medians; $(nproc) cores; node $(node --version); broker $UVK_TEST_BROKERS; topic $topic;" \
  "$(date -u '+%Y-%m-%d %H:%M UTC'); raw lines $JSONL"
