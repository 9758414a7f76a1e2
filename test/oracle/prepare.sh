#!/usr/bin/env bash
# Prepares the Java oracle's reference data in OUT (CI: build/oracle):
#   messages.txt  every generated message at every version, serialized by the Java client
#   murmur2.txt   Utils.murmur2 / toPositive for 3200 keys
#   crc32c.txt    java.util.zip.CRC32C for 300 inputs
#   errors.txt    Kafka's error table (code, name, retriable) from the client's Errors enum
#   records.txt   record batches of every codec and shape, and legacy message sets
#   env           `export UVK_ORACLE_DIR=OUT` for the test command to source
# Jars come from Maven Central through mvn into ${UVK_CACHE_DIR:-~/.cache/uvkafka}/oracle and
# are reused. kafka-clients releases serve as the oracle: 3.9.1 still writes the oldest
# versions (4.0 dropped them, KIP-896) and 4.4.0 writes the newest ones our schemas have; a
# version any one can write counts (released versions never change on the wire). Oracle.java
# is compiled against 4.0.0 (4.x moved the record classes it uses for the record checks into
# an internal package); message serialization is by class name and runs on every release.
#
#   test/oracle/prepare.sh OUT
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:?usage: prepare.sh OUT}
SCHEMAS=${UVK_SCHEMA_DIR:-$ROOT/tools/kschema/schemas}
CACHE=${UVK_CACHE_DIR:-$HOME/.cache/uvkafka}/oracle
ORACLES=(3.9.1 4.4.0)
COMPILE=4.0.0  # the jar Oracle.java compiles against and runs murmur2/crc32c on
JACKSON=2.16.2
log() { printf '[oracle %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

[ -d "$SCHEMAS" ] || { log "schemas not found at $SCHEMAS"; exit 1; }
mkdir -p "$OUT" "$CACHE"
OUT=$(cd "$OUT" && pwd)

fetch() {  # fetch GROUP:ARTIFACT:VERSION -> prints the jar path
  local a v jar
  a=$(echo "$1" | cut -d: -f2)
  v=$(echo "$1" | cut -d: -f3)
  jar=$CACHE/$a-$v.jar
  if [ ! -s "$jar" ]; then
    log "fetching $1"
    mvn -q -o dependency:copy -Dartifact="$1" -DoutputDirectory="$CACHE" >"$CACHE/mvn.log" 2>&1 ||
      mvn -q dependency:copy -Dartifact="$1" -DoutputDirectory="$CACHE" >"$CACHE/mvn.log" 2>&1 ||
      { cat "$CACHE/mvn.log" >&2; log "mvn could not fetch $1"; exit 1; }
  fi
  echo "$jar"
}

common_cp=""
for art in com.fasterxml.jackson.core:jackson-databind:$JACKSON com.fasterxml.jackson.core:jackson-core:$JACKSON \
           com.fasterxml.jackson.core:jackson-annotations:$JACKSON org.slf4j:slf4j-api:1.7.36; do
  common_cp+="${common_cp:+:}$(fetch "$art")"
done
# The compression libraries kafka-clients 3.9.1 writes record batches with.
codec_cp=""
for art in org.xerial.snappy:snappy-java:1.1.10.5 org.lz4:lz4-java:1.8.0 com.github.luben:zstd-jni:1.5.6-4; do
  codec_cp+="${codec_cp:+:}$(fetch "$art")"
done
declare -A clients
for v in "${ORACLES[@]}" $COMPILE; do clients[$v]=$(fetch "org.apache.kafka:kafka-clients:$v"); done

# Everything the data depends on; unchanged inputs reuse the previous output.
stamp=$( { cat "$SCHEMAS"/*.json "$HERE/src/Oracle.java" "$HERE/gen_samples.py" "$ROOT/tools/kgen/schema.py";
           echo "${ORACLES[*]} $COMPILE $JACKSON"; cat "$HERE/prepare.sh"; } | sha256sum | cut -d' ' -f1)
if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$stamp" ] && [ -s "$OUT/messages.txt" ] && [ -s "$OUT/errors.txt" ]; then
  log "reference data is up to date in $OUT"
else
  rm -rf "$OUT/classes" "$OUT/samples"
  mkdir -p "$OUT/classes"
  last=$COMPILE
  javac -nowarn -d "$OUT/classes" -cp "${clients[$last]}:$common_cp" "$HERE/src/Oracle.java"
  python3 "$HERE/gen_samples.py" "$SCHEMAS" "$OUT/samples"
  for v in "${ORACLES[@]}"; do
    log "serializing the samples with kafka-clients $v"
    java -cp "$OUT/classes:${clients[$v]}:$common_cp" Oracle messages "$OUT/samples" "$OUT/messages-$v.txt"
  done
  # Merge: the newest oracle that can write a version wins (a version that was still unstable
# in an older release may have changed since); otherwise keep every oracle's reason.
  python3 - "$OUT/messages.txt" "${ORACLES[@]/#/$OUT/messages-}" <<'PY'
import sys
out, inputs = sys.argv[1], [p + ".txt" for p in sys.argv[2:]]
data, reasons, order, notes = {}, {}, [], []
for path in reversed(inputs):
    rel = path.rsplit("messages-", 1)[1][:-4]
    for line in open(path):
        parts = line.rstrip("\n").split(" ", 3)
        if parts[0] == "skip":
            key = (parts[1], int(parts[2]))
            reasons.setdefault(key, []).append(f"[{rel}] {parts[3] if len(parts) > 3 else ''}")
        else:
            key = (parts[0], int(parts[1]))
            if key in data:
                if data[key] != parts[2]:
                    notes.append(f"# kafka-clients {rel} writes {key[0]} v{key[1]} differently (unstable then)")
                continue
            data[key] = parts[2]
        if key not in order:
            order.append(key)
with open(out, "w") as f:
    f.write("# <Message> <version> <hex body>, or skip <Message> <version> <why>\n")
    for n in notes:
        f.write(n + "\n")
    for key in sorted(order):
        if key in data:
            f.write(f"{key[0]} {key[1]} {data[key]}\n")
        else:
            f.write(f"skip {key[0]} {key[1]} {' | '.join(reasons[key])}\n")
PY
  java -cp "$OUT/classes:${clients[$last]}:$common_cp" Oracle murmur2 "$OUT/murmur2.txt"
  java -cp "$OUT/classes:${clients[$last]}:$common_cp" Oracle crc32c "$OUT/crc32c.txt"
  java -cp "$OUT/classes:${clients[${ORACLES[-1]}]}:$common_cp" Oracle errors "$OUT/errors.txt"
  # 3.9.1 still writes legacy message sets (magic 0 and 1), which 4.0 no longer does.
  java -cp "$OUT/classes:${clients[3.9.1]}:$common_cp:$codec_cp" Oracle records "$OUT/records.txt"
  echo "$stamp" >"$OUT/stamp"
fi
# What check.sh needs to run the Java side against our output later.
echo "${clients[3.9.1]}:$common_cp:$codec_cp" >"$OUT/records-classpath"
echo "export UVK_ORACLE_DIR='$OUT'" >"$OUT/env"
log "$(grep -vc '^#\|^skip' "$OUT/messages.txt") message versions, $(grep -c '^skip' "$OUT/messages.txt" || true) skipped by the oracle -> $OUT"
