#!/usr/bin/env bash
# Side-by-side throughput and CPU of uvkafka and librdkafka against the same running broker:
# each workload REPS times, clients alternating, medians and ratios as a Markdown table.
#
#   test/bench/compare.sh [REPS]        (default 3; needs the cluster's UVK_TEST_BROKERS)
#
# Uses build-rel (a release build, configured here when missing) and KafkaJS from npm
# (test/lib/kafkajs.sh). Not yet here (see docs/performance.md): fixed-rate latency, the idle
# consumer, 300 mock brokers, peak RSS. The chart: pipe the output into test/bench/chart.py.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REPS=${1:-3}
: "${UVK_TEST_BROKERS:?start the cluster first: eval \"\$(test/kafka/cluster.sh up)\"}"
cd "$ROOT"
[ -d build-rel ] || meson setup build-rel -Dbuildtype=release >/dev/null
ninja -C build-rel test/bench/produce_bench test/bench/consume_bench >/dev/null
P=build-rel/test/bench/produce_bench
C=build-rel/test/bench/consume_bench
stamp=$(date +%s)

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# field VALUE-UNIT from a bench line: "... 123 msg/s, ... 0.41 us CPU/msg ..."
rate() { sed -n 's/.*: \([0-9.]*\) msg\/s.*/\1/p'; }
cpu() { sed -n 's/.* \([0-9.]*\) us CPU\/msg.*/\1/p'; }

row() {  # row NAME UVK_RATES RK_RATES UVK_CPUS RK_CPUS
  local ur rr uc rc
  ur=$(tr ' ' '\n' <<<"$2" | median); rr=$(tr ' ' '\n' <<<"$3" | median)
  uc=$(tr ' ' '\n' <<<"$4" | median); rc=$(tr ' ' '\n' <<<"$5" | median)
  awk -v n="$1" -v ur="$ur" -v rr="$rr" -v uc="$uc" -v rc="$rc" 'BEGIN {
    printf "| %s | %.2f M | %.2f M | %.2fx | %.2f | %.2f | %.2fx |\n", n, ur/1e6, rr/1e6, ur/rr, uc, rc, uc/rc }'
}

produce() {  # produce NAME N SIZE ACKS LINGER BATCH CODEC
  local name=$1; shift
  local topic="compare-$stamp-${name//[^a-zA-Z0-9]/-}" ur="" rr="" uc="" rc="" line
  for ((i = 0; i < REPS; i++)); do
    line=$($P uvkafka "$UVK_TEST_BROKERS" "$topic" "$@")
    ur+=" $(rate <<<"$line")"; uc+=" $(cpu <<<"$line")"
    line=$($P rdkafka "$UVK_TEST_BROKERS" "$topic" "$@")
    rr+=" $(rate <<<"$line")"; rc+=" $(cpu <<<"$line")"
  done
  row "produce $name" "$ur" "$rr" "$uc" "$rc"
}

consume() {  # consume NAME TOPIC N UVK_MODE
  local ur="" rr="" uc="" rc="" line
  for ((i = 0; i < REPS; i++)); do
    line=$($C "$4" "$UVK_TEST_BROKERS" "$2" "$3")
    ur+=" $(rate <<<"$line")"; uc+=" $(cpu <<<"$line")"
    line=$($C rdkafka "$UVK_TEST_BROKERS" "$2" "$3")
    rr+=" $(rate <<<"$line")"; rc+=" $(cpu <<<"$line")"
  done
  row "consume $1" "$ur" "$rr" "$uc" "$rc"
}

echo "| workload | uvkafka msg/s | librdkafka msg/s | ratio | uvkafka CPU us/msg | librdkafka CPU us/msg | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
produce "1M x 100 B acks=1" 1000000 100 1 5 1000000 0
produce "1M x 1 KB acks=-1 lz4" 1000000 1024 -1 5 1000000 3
produce "1M x 1 KB acks=-1 zstd" 1000000 1024 -1 5 1000000 4
# Consume what the first workload wrote (REPS x 2 x 1M messages): 1M each time, fresh groups.
consume "1M x 100 B eachBatch" "compare-$stamp-1M-x-100-B-acks-1" 1000000 uvkafka-batch
consume "1M x 100 B eachMessage" "compare-$stamp-1M-x-100-B-acks-1" 1000000 uvkafka-message

# KafkaJS: the 100 B workloads (it ships only gzip, and it is far slower: fewer messages).
export NODE_PATH; NODE_PATH=$("$ROOT/test/lib/kafkajs.sh")
J="node $ROOT/test/bench/kafkajs_bench.js"
kjs() {  # kjs NAME UVK_CMD... -- KAFKAJS_ARGS...
  local name=$1; shift
  local ucmd=() jargs=() ur="" jr="" uc="" jc="" line
  while [ "$1" != -- ]; do ucmd+=("$1"); shift; done; shift; jargs=("$@")
  for ((i = 0; i < REPS; i++)); do
    line=$("${ucmd[@]}"); ur+=" $(rate <<<"$line")"; uc+=" $(cpu <<<"$line")"
    line=$($J "${jargs[@]}"); jr+=" $(rate <<<"$line")"; jc+=" $(cpu <<<"$line")"
  done
  row "$name" "$ur" "$jr" "$uc" "$jc"
}
echo
echo "| workload | uvkafka msg/s | KafkaJS msg/s | ratio | uvkafka CPU us/msg | KafkaJS CPU us/msg | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
kjs "produce 200k x 100 B acks=1" $P uvkafka "$UVK_TEST_BROKERS" "compare-$stamp-kjs" 200000 100 1 5 1000000 0 \
  -- produce "$UVK_TEST_BROKERS" "compare-$stamp-kjs" 200000 100 1 0
kjs "consume 200k x 100 B eachBatch" $C uvkafka-batch "$UVK_TEST_BROKERS" "compare-$stamp-kjs" 200000 \
  -- consume "$UVK_TEST_BROKERS" "compare-$stamp-kjs" 200000
echo
echo "$REPS repetitions, medians; $(nproc) cores; librdkafka $(pkg-config --modversion rdkafka 2>/dev/null || echo '?');" \
  "broker $UVK_TEST_BROKERS; $(date -u +%Y-%m-%d)"
