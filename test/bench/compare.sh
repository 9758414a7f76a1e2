#!/usr/bin/env bash
# Side-by-side throughput and CPU of uvkafka and librdkafka (2.16 from the confluent-kafka
# wheel, test/lib/rdkafka_wheel.sh, and Debian's 2.0.2) against the same running broker: each
# workload REPS times, clients alternating, medians and ratios as Markdown tables (one per
# librdkafka version), each client's defaults first, then equal settings.
#
#   test/bench/compare.sh [REPS]        (default 3; needs the cluster's UVK_TEST_BROKERS)
#
# Uses build-rel (a release build, configured here when missing) and KafkaJS from npm
# (test/lib/kafkajs.sh). Workloads: throughput and CPU (produce 100 B / 1 KB lz4 / 1 KB zstd,
# consume eachBatch / eachMessage, KafkaJS), peak RSS of the produce runs, latency at a fixed
# 10,000 msg/s, an idle group member (IDLE_S seconds, default 60, both clients at once; 0 skips
# it and the mock brokers), and
# 300 brokers of librdkafka's mock cluster (threads, memory). The chart: pipe the output into
# test/bench/chart.py.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REPS=${1:-3}
: "${UVK_TEST_BROKERS:?start the cluster first: eval \"\$(test/kafka/cluster.sh up)\"}"
cd "$ROOT"
# librdkafka 2.16 from the confluent-kafka wheel (downloaded once into the cache), linked by
# produce_bench_peer / consume_bench_peer with an rpath; Debian's 2.0.2 through the others.
RK_SO=$(test/lib/rdkafka_wheel.sh)
[ -d build-rel ] || meson setup build-rel -Dbuildtype=release >/dev/null
meson configure build-rel -Drdkafka_lib="$RK_SO" >/dev/null
ninja -C build-rel test/bench/produce_bench test/bench/consume_bench test/bench/idle_bench \
  test/bench/many_brokers test/bench/produce_bench_peer test/bench/consume_bench_peer samples/uvk \
  test/bench/produce_bench_uvkafka test/bench/produce_bench_rdkafka >/dev/null
P=build-rel/test/bench/produce_bench
C=build-rel/test/bench/consume_bench
IDLE_S=${IDLE_S:-60}
# COMPARE_ACKS=-1 gives the 100 B rows acks=all too (the 3-node, replication factor 3 table);
# COMPARE_PRODUCE_ONLY=1 stops after the produce, memory and latency tables.
A100=${COMPARE_ACKS:-1}
stamp=$(date +%s)
TMPDIR_C=$(mktemp -d)
trap 'rm -rf "$TMPDIR_C"' EXIT
# The clients, in the order each repetition runs them: name and the command before BROKERS.
CLIENTS=(uvkafka rk216 rk202)
# Each client alone in its process (produce_bench itself loads both libraries, which shows in
# the peak RSS): produce_bench_uvkafka, _peer (2.16) and _rdkafka (2.0.2).
declare -A PCMD=([uvkafka]="${P}_uvkafka uvkafka" [rk216]="${P}_peer rdkafka" [rk202]="${P}_rdkafka rdkafka")
declare -A LABEL=([uvkafka]=uvkafka [rk216]=librdkafka-2.16 [rk202]=librdkafka-2.0.2)

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
header() {  # header PEER_LABEL
  echo "| workload | uvkafka msg/s | $1 msg/s | ratio | uvkafka CPU us/msg | $1 CPU us/msg | ratio |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
}
# Rows are collected per peer (rk216, rk202) and printed as one table for each.
declare -A ROWS=([rk216]="" [rk202]="")
RSS_ROWS=""
produce() {  # produce NAME N SIZE ACKS LINGER BATCH CODEC
  local name=$1; shift
  local topic="compare-$stamp-${name//[^a-zA-Z0-9]/-}" line c
  declare -A R=() U=() M=()
  # One message first, so the topic exists (auto-created) before any client is timed.
  $P uvkafka "$UVK_TEST_BROKERS" "$topic" 1 "${@:2}" >/dev/null
  for ((i = 0; i < REPS; i++)); do
    for c in "${CLIENTS[@]}"; do
      line=$(${PCMD[$c]} "$UVK_TEST_BROKERS" "$topic" "$@")
      R[$c]+=" $(rate <<<"$line")"; U[$c]+=" $(cpu <<<"$line")"; M[$c]+=" $(rss <<<"$line")"
    done
  done
  for c in rk216 rk202; do ROWS[$c]+=$(row "produce $name" "${R[uvkafka]}" "${R[$c]}" "${U[uvkafka]}" "${U[$c]}")$'\n'; done
  RSS_ROWS+=$(awk -v n="produce $name" -v u="$(med "${M[uvkafka]}")" -v a="$(med "${M[rk216]}")" \
    -v b="$(med "${M[rk202]}")" 'BEGIN {
    printf "| %s | %.1f MB | %.1f MB | %.2fx | %.1f MB | %.2fx |", n, u/1024, a/1024, u/a, b/1024, u/b }')$'\n'
}
flush_tables() {  # prints the collected rows, one table per peer
  local c
  for c in rk216 rk202; do
    echo; header "${LABEL[$c]}"; printf '%s' "${ROWS[$c]}"
    ROWS[$c]=""
  done
}

consume() {  # consume NAME TOPIC N UVK_MODE
  local line c
  declare -A R=() U=() CC=([uvkafka]="$C $4" [rk216]="${C}_peer rdkafka" [rk202]="$C rdkafka")
  for ((i = 0; i < REPS; i++)); do
    for c in "${CLIENTS[@]}"; do
      line=$(${CC[$c]} "$UVK_TEST_BROKERS" "$2" "$3")
      R[$c]+=" $(rate <<<"$line")"; U[$c]+=" $(cpu <<<"$line")"
    done
  done
  for c in rk216 rk202; do ROWS[$c]+=$(row "consume $1" "${R[uvkafka]}" "${R[$c]}" "${U[uvkafka]}" "${U[$c]}")$'\n'; done
}

# 1. Each client at its defaults: only acks and linger (5 ms) are set, the same for all, so
# batch sizes (uvkafka's growing batches, librdkafka's batch.size 1 MB) and buffers (uvkafka's
# bufferMemory 32 MB, librdkafka's 100,000 messages / 1 GB) are each client's own.
echo "### Each client at its defaults (acks and linger 5 ms the same)"
BENCH_BUFFER_KB=default produce "1M x 100 B acks=$A100, defaults" 1000000 100 "$A100" 5 default 0
BENCH_BUFFER_KB=default produce "1M x 1 KB acks=-1 lz4, defaults" 1000000 1024 -1 5 default 3
flush_tables
# 2. Equal settings: 1 MB batches and 256 MB of buffer for every client.
echo
echo "### Equal settings: 1 MB batches, 256 MB buffers"
produce "1M x 100 B acks=$A100" 1000000 100 "$A100" 5 1000000 0
produce "1M x 1 KB acks=-1 lz4" 1000000 1024 -1 5 1000000 3
produce "1M x 1 KB acks=-1 zstd" 1000000 1024 -1 5 1000000 4
flush_tables
if [ "${COMPARE_PRODUCE_ONLY:-0}" != 1 ]; then
# Consume what the first workload wrote (REPS x 3 x 1M messages): 1M each time, fresh groups.
echo
echo "### Consume"
first="compare-$stamp-1M-x-100-B-acks-${A100//[^0-9]/-}--defaults"
consume "1M x 100 B eachBatch" "$first" 1000000 uvkafka-batch
consume "1M x 100 B eachMessage" "$first" 1000000 uvkafka-message
flush_tables

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
echo "### KafkaJS (equal settings)"
echo
header KafkaJS
$P uvkafka "$UVK_TEST_BROKERS" "compare-$stamp-kjs" 1 100 1 5 1000000 0 >/dev/null  # the topic, untimed
kjs "produce 1M x 100 B acks=1" $P uvkafka "$UVK_TEST_BROKERS" "compare-$stamp-kjs" 1000000 100 1 5 1000000 0 \
  -- produce "$UVK_TEST_BROKERS" "compare-$stamp-kjs" 1000000 100 1 0
kjs "consume 1M x 100 B eachBatch" $C uvkafka-batch "$UVK_TEST_BROKERS" "compare-$stamp-kjs" 1000000 \
  -- consume "$UVK_TEST_BROKERS" "compare-$stamp-kjs" 1000000
fi

echo
echo "### Memory"
echo
echo "| peak RSS (whole process) | uvkafka | librdkafka-2.16 | ratio | librdkafka-2.0.2 | ratio |"
echo "|---|---:|---:|---:|---:|---:|"
printf '%s' "$RSS_ROWS"

# Latency at a fixed rate: 100 B, acks=-1, linger 5 ms for all, batch sizes each client's
# own, one message per send call.
echo
echo "### Latency"
echo
echo "| 10,000 msg/s x 10 s, 100 B, acks=-1, linger 5 ms | p50 ms | p99 ms | p99.9 ms | CPU us/msg |"
echo "|---|---:|---:|---:|---:|"
lat_topic="compare-$stamp-rate"
declare -A L
for ((i = 0; i < REPS; i++)); do
  for c in "${CLIENTS[@]}"; do
    line=$(${PCMD[$c]} "$UVK_TEST_BROKERS" "$lat_topic" 100000 100 -1 5 default 0 10000)
    for q in p50 p99 p999; do L[$c$q]+=" $(pct $q <<<"$line")"; done
    L[${c}cpu]+=" $(cpu <<<"$line")"
  done
done
for c in "${CLIENTS[@]}"; do
  printf '| %s | %s | %s | %s | %s |\n' "${LABEL[$c]}" "$(med "${L[${c}p50]}")" "$(med "${L[${c}p99]}")" \
    "$(med "${L[${c}p999]}")" "$(med "${L[${c}cpu]}")"
done

if [ "${COMPARE_PRODUCE_ONLY:-0}" = 1 ]; then
  echo; echo "$REPS repetitions, medians; $(nproc) cores; broker $UVK_TEST_BROKERS; $(date -u '+%Y-%m-%d %H:%M')"
  exit 0
fi
# End to end at 10,000 msg/s, uvkafka only: from the produce call (uvk perf produce writes the
# wall-clock time into each value) to the consumer's handler. The consumer (a fresh group)
# gets 5 s to join before the producer starts, so the percentiles are the steady state.
echo
echo "| end to end, 10,000 msg/s x 10 s, 100 B, acks=-1, linger 5 ms (uvkafka) | p50 ms | p99 ms | p99.9 ms |"
echo "|---|---:|---:|---:|"
UVK=build-rel/samples/uvk
declare -A E
for ((i = 0; i < REPS; i++)); do
  for each in batch message; do
    e2e_topic="compare-$stamp-e2e-$i-$each"
    $UVK perf produce -b "$UVK_TEST_BROKERS" -t "$e2e_topic" -n 1 -s 100 >/dev/null  # the topic, untimed
    $UVK perf consume -b "$UVK_TEST_BROKERS" -t "$e2e_topic" -n 100001 --each $each >"$TMPDIR_C/e2e" &
    e2e_pid=$!
    sleep 5
    $UVK perf produce -b "$UVK_TEST_BROKERS" -t "$e2e_topic" -n 100000 -s 100 --acks -1 --linger-ms 5 --rate 10000 >/dev/null
    wait "$e2e_pid"
    line=$(tail -n 1 "$TMPDIR_C/e2e")
    for q in p50 p99 p999; do E[$each$q]+=" $(jnum ${q}_ms <<<"$line")"; done
  done
done
for each in batch message; do
  printf '| each%s | %s | %s | %s |\n' "${each^}" "$(med "${E[${each}p50]}")" "$(med "${E[${each}p99]}")" \
    "$(med "${E[${each}p999]}")"
done

# IDLE_S=0 leaves out the idle member and the 300 mock brokers (both librdkafka 2.0.2 only).
if [ "$IDLE_S" = 0 ]; then
  echo; echo "$REPS repetitions, medians; $(nproc) cores; broker $UVK_TEST_BROKERS; $(date -u '+%Y-%m-%d %H:%M')"
  exit 0
fi
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
  awk -v n="$([ $f = u ] && echo "uvkafka (fetch wait 5000 ms, KafkaJS's)" || echo "librdkafka-2.0.2 (fetch wait 500 ms, its default)")" \
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
  awk -v n="$([ $c = uvkafka ] && echo uvkafka || echo librdkafka-2.0.2)" -v t="$(jnum threads <<<"$line")" \
    -v m="$(jnum max_rss_kb <<<"$line")" -v s="$(jnum seconds <<<"$line")" -v a="$(jnum acked <<<"$line")" \
    'BEGIN { printf "| %s | %d | %.1f MB | %.2f | %d |\n", n, t, m/1024, s, a }'
done
kill "$mock_pid" 2>/dev/null || true
wait "$mock_pid" 2>/dev/null || true

echo
echo "$REPS repetitions, medians; $(nproc) cores; librdkafka $(pkg-config --modversion rdkafka 2>/dev/null || echo '?')" \
  "and 2.16 (confluent-kafka wheel); broker $UVK_TEST_BROKERS; $(date -u '+%Y-%m-%d %H:%M')"
