#!/usr/bin/env bash
# Regenerates api-versions.txt: for each Kafka release, the highest version of every API its
# kafka-clients jar knows (fetched with mvn into ${UVK_CACHE_DIR:-~/.cache/uvkafka}/clients).
# Then run gen_table.py to turn it into lib/engine/version_table.cc. Needs Java 17 and mvn.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${UVK_CACHE_DIR:-$HOME/.cache/uvkafka}/clients
RELEASES=(0.10.0.1 0.10.1.1 0.10.2.2 0.11.0.3 1.0.2 1.1.1 2.0.1 2.1.1 2.2.2 2.3.1 2.4.1 2.5.1 2.6.3
          2.7.2 2.8.2 3.0.2 3.1.2 3.2.3 3.3.2 3.4.1 3.5.2 3.6.2 3.7.2 3.8.1 3.9.1 4.0.0 4.1.1 4.2.0
          4.3.0 4.4.0)
mkdir -p "$CACHE" "$CACHE/classes"
fetch() {  # fetch GROUP:ARTIFACT:VERSION
  local jar=$CACHE/$(echo "$1" | cut -d: -f2)-$(echo "$1" | cut -d: -f3).jar
  [ -f "$jar" ] || mvn -q dependency:copy -Dartifact="$1" -DoutputDirectory="$CACHE" >&2
  echo "$jar"
}
SLF4J=$(fetch org.slf4j:slf4j-api:1.7.36)
javac -nowarn -d "$CACHE/classes" "$HERE/DumpApiVersions.java" 2>/dev/null
out=$HERE/api-versions.txt
{
  echo "# release api_key max_version (from kafka-clients ApiKeys; written by dump.sh)"
  for r in "${RELEASES[@]}"; do
    jar=$(fetch "org.apache.kafka:kafka-clients:$r")
    java -cp "$CACHE/classes:$jar:$SLF4J" DumpApiVersions | sed "s/^/$r /"
  done
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out" >&2
