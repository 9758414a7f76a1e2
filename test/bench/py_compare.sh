#!/usr/bin/env bash
# The Python package (samples/python) against confluent-kafka and aiokafka on the same running
# broker: produce N x 100 B (acks 1) to a fresh 4-partition topic, then consume N back (fresh
# groups, from the beginning); each workload REPS times, the clients alternating, each run in a
# process of its own (test/bench/py_bench.py). Prints the medians as a Markdown table, and the
# load average before and after (the machine may be shared).
#
#   test/bench/py_compare.sh [REPS] [N]      (defaults 3 and 1000000; needs UVK_TEST_BROKERS)
#
# Uses the venv of samples/python/run_tests.sh (UVK_PY_VENV, default build/python-venv), with
# the pinned peers of samples/python/requirements-test.txt and the package installed; run that
# script once first. The raw JSON lines go to stderr and to $PY_BENCH_JSONL.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REPS=${1:-3}
N=${2:-1000000}
: "${UVK_TEST_BROKERS:?start the cluster first: eval \"\$(test/kafka/cluster.sh up)\"}"
PY=${UVK_PY_VENV:-$ROOT/build/python-venv}/bin/python
"$PY" -c 'import uvkafka, confluent_kafka, aiokafka, uvloop' \
  || { echo "py_compare: run samples/python/run_tests.sh first (the venv with the package and peers)" >&2; exit 1; }
JSONL=${PY_BENCH_JSONL:-$(mktemp /tmp/py-compare-XXXXXX.jsonl)}
: >"$JSONL"
topic="py-compare-$(date +%s)"
B="$PY $ROOT/test/bench/py_bench.py"
run() { local line; line=$($B "$@" | tail -n 1); echo "$line" >&2; echo "$line" >>"$JSONL"; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >"$JSONL.load"
$B create "$UVK_TEST_BROKERS" "$topic" 4
for ((i = 0; i < REPS; i++)); do
  for c in uvkafka uvkafka-uvloop confluent aiokafka; do run produce "$c" "$UVK_TEST_BROKERS" "$topic" "$N"; done
  for c in uvkafka uvkafka-uvloop aiokafka; do run produce-future "$c" "$UVK_TEST_BROKERS" "$topic" "$N"; done
done
for ((i = 0; i < REPS; i++)); do
  for c in uvkafka uvkafka-uvloop confluent aiokafka; do run consume "$c" "$UVK_TEST_BROKERS" "$topic" "$N"; done
  for c in uvkafka uvkafka-uvloop; do run consume-batch "$c" "$UVK_TEST_BROKERS" "$topic" "$N"; done
  run consume-iter uvkafka "$UVK_TEST_BROKERS" "$topic" "$N"
done
for c in uvkafka uvkafka-uvloop; do
  w=$($B wakeup "$c" "$UVK_TEST_BROKERS" "$topic" 2000 | tail -n 1); echo "$w" >&2; echo "$w" >>"$JSONL.wakeup"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$JSONL.load"
cat "$JSONL.load"
"$PY" - "$JSONL" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for l in open(sys.argv[1] + ".wakeup"):
    w = json.loads(l)
    print("wake-up (%s): sequential acks=1 send round trip %s µs (median), idle step %s µs" % (
        w["client"], w["send_rtt_median_us"], w["idle_step_us"]))
print()
print("| workload | client | msgs/s (median) | after the first message | CPU µs/msg (median) |")
print("| --- | --- | ---: | ---: | ---: |")
seen = []
for r in rows:
    k = (r["mode"], r["client"])
    if k not in seen:
        seen.append(k)
for mode, client in seen:
    rs = [r for r in rows if (r["mode"], r["client"]) == (mode, client)]
    after = [r["after_first_msgs_per_s"] for r in rs if "after_first_msgs_per_s" in r]
    print("| %s | %s | %s | %s | %.2f |" % (mode, client, format(int(statistics.median(r["msgs_per_s"] for r in rs)), ","),
                                           format(int(statistics.median(after)), ",") if after else "",
                                           statistics.median(r["cpu_us_per_msg"] for r in rs)))
print("\nraw: %s" % sys.argv[1], file=sys.stderr)
PYEOF
