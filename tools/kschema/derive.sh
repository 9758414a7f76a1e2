#!/usr/bin/env bash
# Derives the codec generator's input (tools/kgen reads it) from a Kafka release's published
# kafka-clients jar: every request/response schema at every version, with nullable, flexible
# and tagged versions, tags, defaults and the ignorable flag. Rerun it for a new release:
#
#   tools/kschema/derive.sh --version 4.4.0 [--base 3.9.1] [--out tools/kschema/schemas]
#
# --base names an older release whose jar supplies the versions Kafka 4 removed (KIP-896),
# which brokers before 4.0 still speak. Jars come through mvn into
# ${UVK_CACHE_DIR:-~/.cache/uvkafka}/oracle (shared with test/oracle). Needs Java 17 and mvn.
# Then run tools/kgen/kgen.py on the output and tools/kschema/compare.py against the
# previous schemas (docs/protocol.md).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VERSION="" BASE=3.9.1 OUT=$HERE/schemas
while [ $# -gt 0 ]; do
  case $1 in
    --version) VERSION=$2; shift 2 ;;
    --base) BASE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "usage: derive.sh --version V [--base V] [--out DIR]" >&2; exit 2 ;;
  esac
done
[ -n "$VERSION" ] || { echo "usage: derive.sh --version V [--base V] [--out DIR]" >&2; exit 2; }
CACHE=${UVK_CACHE_DIR:-$HOME/.cache/uvkafka}/oracle
mkdir -p "$CACHE"
fetch() {  # fetch GROUP:ARTIFACT:VERSION -> prints the jar path
  local a v jar
  a=$(echo "$1" | cut -d: -f2)
  v=$(echo "$1" | cut -d: -f3)
  jar=$CACHE/$a-$v.jar
  if [ ! -s "$jar" ]; then
    echo "fetching $1" >&2
    mvn -q -o dependency:copy -Dartifact="$1" -DoutputDirectory="$CACHE" >"$CACHE/mvn.log" 2>&1 ||
      mvn -q dependency:copy -Dartifact="$1" -DoutputDirectory="$CACHE" >"$CACHE/mvn.log" 2>&1 ||
      { cat "$CACHE/mvn.log" >&2; echo "mvn could not fetch $1" >&2; exit 1; }
  fi
  echo "$jar"
}
SLF4J=$(fetch org.slf4j:slf4j-api:1.7.36)
NEW=$(fetch "org.apache.kafka:kafka-clients:$VERSION")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
javac -nowarn -d "$WORK/classes" -cp "$NEW" "$HERE/SchemaDump.java"
dumps=()
for r in "$VERSION" ${BASE:+"$BASE"}; do
  jar=$(fetch "org.apache.kafka:kafka-clients:$r")
  java -cp "$WORK/classes:$jar:$SLF4J" SchemaDump >"$WORK/$r.json"
  dumps+=("$WORK/$r.json")
done
python3 "$HERE/derive.py" "$OUT" "${dumps[@]}"
echo "kafka-clients $VERSION${BASE:+ (versions it no longer has: $BASE)}" >"$OUT/RELEASE"
