#!/usr/bin/env bash
# Side-by-side throughput and CPU of uvkafka and librdkafka against the same running broker:
# each workload REPS times, clients alternating, medians and ratios as a Markdown table.
#
#   test/bench/compare.sh [REPS]        (default 3; needs the cluster's UVK_TEST_BROKERS)
#
# Uses build-rel (a release build, configured here when missing) and KafkaJS from npm
# (test/lib/kafkajs.sh). Workloads: throughput and CPU (produce 100 B / 1 KB lz4 / 1 KB zstd,
# consume eachBatch / eachMessage, KafkaJS), peak RSS of the produce runs, latency at a fixed
# 10,000 msg/s, an idle group member (IDLE_S seconds, default 60, both clients at once), and
# 300 brokers of librdkafka's mock cluster (threads, memory). The chart: pipe the output into
# test/bench/chart.py.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REPS=${1:-3}
: "${UVK_TEST_BROKERS:?start the cluster first: eval \"\$(test/kafka/cluster.sh up)\"}"
cd "$ROOT"
[ -d build-rel ] || meson setup build-rel -Dbuildtype=release >/dev/null
ninja -C build-rel test/bench/produce_bench test/bench/consume_bench test/bench/idle_bench \
  test/bench/many_brokers >/dev/null
P=build-rel/test/bench/produce_bench
C=build-rel/test/bench/consume_bench
IDLE_S=${IDLE_S:-60}
stamp=$(date +%s)
TMPDIR_C=$(mktemp -d)
trap 'rm -rf "$TMPDIR_C"' EXIT

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# field VALUE-UNIT from a bench line: "... 123 msg/s, ... 0.41 us CPU/msg ..."
rate() { sed -n 's/.*: \([0-9.]*\) msg\/s.*/\1/p'; }
cpu() { sed -n 's/.* \([0-9.]*\) us CPU\/msg.*/\1/p'; }
rss() { sed -n 's/.* \([0-9]*\) KB peak RSS.*/\1/p'; }
pct() { sed -n "s/.* $1 \([0-9.]*\) ms.*/\1/p"; }  # pct p50|p99|p999
jnum() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }  # jnum KEY (from a JSON line)
med() { tr ' ' '\n' <<<"$1" | median; }

row() {  # row NAME UVK_RATES RK_RATES UVK_CPUS RK_CPUS
  local ur rr uc rc
  ur=$(tr ' ' '\n' <<<"$2" | median); rr=$(tr ' ' '\n' <<<"$3" | median)
  uc=$(tr ' ' '\n' <<<"$4" | median); rc=$(tr ' ' '\n' <<<"$5" | median)
  awk -v n="$1" -v ur="$ur" -v rr="$rr" -v uc="$uc" -v rc="$rc" 'BEGIN {
    printf "| %s | %.2f M | %.2f M | %.2fx | %.2f | %.2f | %.2fx |\n", n, ur/1e6, rr/1e6, ur/rr, uc, rc, uc/rc }'
}

RSS_ROWS=""
produce() {  # produce NAME N SIZE ACKS LINGER BATCH CODEC
  local name=$1; shift
  local topic="compare-$stamp-${name//[^a-zA-Z0-9]/-}" ur="" rr="" uc="" rc="" um="" rm="" line
  # One message first, so the topic exists (auto-created) before either client is timed.
  $P uvkafka "$UVK_TEST_BROKERS" "$topic" 1 "${@:2}" >/dev/null
  for ((i = 0; i < REPS; i++)); do
    line=$($P uvkafka "$UVK_TEST_BROKERS" "$topic" "$@")
    ur+=" $(rate <<<"$line")"; uc+=" $(cpu <<<"$line")"; um+=" $(rss <<<"$line")"
    line=$($P rdkafka "$UVK_TEST_BROKERS" "$topic" "$@")
    rr+=" $(rate <<<"$line")"; rc+=" $(cpu <<<"$line")"; rm+=" $(rss <<<"$line")"
  done
  row "produce $name" "$ur" "$rr" "$uc" "$rc"
  RSS_ROWS+=$(awk -v n="produce $name" -v u="$(med "$um")" -v r="$(med "$rm")" 'BEGIN {
    printf "| %s | %.1f MB | %.1f MB | %.2fx |", n, u/1024, r/1024, u/r }')$'\n'
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
# The runs above give both clients 256 MB of buffer; here each keeps its default (uvkafka's
# bufferMemory 32 MB, librdkafka's 100,000 messages / 1 GB).
BENCH_BUFFER_KB=default produce "1M x 100 B acks=1, default buffers" 1000000 100 1 5 1000000 0
# Consume what the first workload wrote (REPS x 2 x 1M messages): 1M each time, fresh groups.
consume "1M x 100 B eachBatch" "compare-$stamp-1M-x-100-B-acks-1" 1000000 uvkafka-batch
consume "1M x 100 B eachMessage" "compare-$stamp-1M-x-100-B-acks-1" 1000000 uvkafka-message

# KafkaJS: the 100 B workloads (it ships only gzip), 1M messages: shorter runs measured mostly
# connecting and creating the topic.
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
$P uvkafka "$UVK_TEST_BROKERS" "compare-$stamp-kjs" 1 100 1 5 1000000 0 >/dev/null  # the topic, untimed
kjs "produce 1M x 100 B acks=1" $P uvkafka "$UVK_TEST_BROKERS" "compare-$stamp-kjs" 1000000 100 1 5 1000000 0 \
  -- produce "$UVK_TEST_BROKERS" "compare-$stamp-kjs" 1000000 100 1 0
kjs "consume 1M x 100 B eachBatch" $C uvkafka-batch "$UVK_TEST_BROKERS" "compare-$stamp-kjs" 1000000 \
  -- consume "$UVK_TEST_BROKERS" "compare-$stamp-kjs" 1000000

echo
echo "| peak RSS (whole process) | uvkafka | librdkafka | ratio |"
echo "|---|---:|---:|---:|"
printf '%s' "$RSS_ROWS"

# Latency at a fixed rate: 100 B, acks=-1, linger 5 ms for both, one message per send call.
echo
echo "| 10,000 msg/s x 10 s, 100 B, acks=-1, linger 5 ms | p50 ms | p99 ms | p99.9 ms | CPU us/msg |"
echo "|---|---:|---:|---:|---:|"
lat_topic="compare-$stamp-rate"
declare -A L
for ((i = 0; i < REPS; i++)); do
  for c in uvkafka rdkafka; do
    line=$($P $c "$UVK_TEST_BROKERS" "$lat_topic" 100000 100 -1 5 1000000 0 10000)
    for q in p50 p99 p999; do L[$c$q]+=" $(pct $q <<<"$line")"; done
    L[${c}cpu]+=" $(cpu <<<"$line")"
  done
done
for c in uvkafka rdkafka; do
  name=$c; [ $c = rdkafka ] && name=librdkafka
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$(med "${L[${c}p50]}")" "$(med "${L[${c}p99]}")" \
    "$(med "${L[${c}p999]}")" "$(med "${L[${c}cpu]}")"
done

# An idle group member: both clients at once, each on a topic of its own that gets nothing.
echo
echo "| idle group member, ${IDLE_S} s | CPU ms | context switches | threads | peak RSS |"
echo "|---|---:|---:|---:|---:|"
I=build-rel/test/bench/idle_bench
# librdkafka's consumer does not create topics: one produced message creates each.
for f in u r; do $P uvkafka "$UVK_TEST_BROKERS" "compare-$stamp-idle-$f" 1 100 1 0 16384 >/dev/null; done
$I uvkafka "$UVK_TEST_BROKERS" "compare-$stamp-idle-u" "$IDLE_S" >"$TMPDIR_C/idle-u" &
$I rdkafka "$UVK_TEST_BROKERS" "compare-$stamp-idle-r" "$IDLE_S" >"$TMPDIR_C/idle-r" &
wait
for f in u r; do
  line=$(tail -n 1 "$TMPDIR_C/idle-$f")
  awk -v n="$([ $f = u ] && echo "uvkafka (fetch wait 5000 ms, KafkaJS's)" || echo "librdkafka (fetch wait 500 ms, its default)")" \
    -v c="$(jnum cpu_s <<<"$line")" -v s="$(jnum context_switches <<<"$line")" -v t="$(jnum threads <<<"$line")" \
    -v m="$(jnum max_rss_kb <<<"$line")" 'BEGIN { printf "| %s | %.1f | %d | %d | %.1f MB |\n", n, c*1000, s, t, m/1024 }'
done

# 300 brokers: librdkafka's mock cluster in one process, each client in another produces one
# message to each of the 300 partitions (one per broker).
echo
echo "| 300 mock brokers, one message to each | threads | peak RSS | seconds | acknowledged |"
echo "|---|---:|---:|---:|---:|"
M=build-rel/test/bench/many_brokers
$M serve 300 120 >"$TMPDIR_C/mock" &
mock_pid=$!
for _ in $(seq 100); do [ -s "$TMPDIR_C/mock" ] && break; sleep 0.1; done
boot=$(cut -d, -f1 "$TMPDIR_C/mock")
for c in uvkafka rdkafka; do
  line=$($M $c "$boot" 300 | tail -n 1)
  awk -v n="$([ $c = uvkafka ] && echo uvkafka || echo librdkafka)" -v t="$(jnum threads <<<"$line")" \
    -v m="$(jnum max_rss_kb <<<"$line")" -v s="$(jnum seconds <<<"$line")" -v a="$(jnum acked <<<"$line")" \
    'BEGIN { printf "| %s | %d | %.1f MB | %.2f | %d |\n", n, t, m/1024, s, a }'
done
kill "$mock_pid" 2>/dev/null || true
wait "$mock_pid" 2>/dev/null || true

echo
echo "$REPS repetitions, medians; $(nproc) cores; librdkafka $(pkg-config --modversion rdkafka 2>/dev/null || echo '?');" \
  "broker $UVK_TEST_BROKERS; $(date -u +%Y-%m-%d)"
