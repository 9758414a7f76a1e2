# Sourced by cluster.sh: fetching a Kafka release's jars into the cache (mvn, once per release)
# and compiling the telemetry test plugin against them. Uses cluster.sh's CACHE, SCRIPT_DIR,
# DEP_PLUGIN, VERSION, log and die.
major_of() { echo "${1%%.*}"; }

ensure_jars() {  # ensure_jars VERSION -> sets KAFKA_LIB
  local v=$1 base tmp
  base=$CACHE/kafka-$v
  KAFKA_LIB=$base/lib
  [ -f "$base/.complete" ] && [ -f "$KAFKA_LIB/kafka_2.13-$v.jar" ] && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn is not installed (needed once to fetch the Kafka $v jars)"
  mkdir -p "$base"
  exec 8>"$base.lock"
  flock -w 900 8 || die "could not lock $base.lock"
  if [ -f "$base/.complete" ] && [ -f "$KAFKA_LIB/kafka_2.13-$v.jar" ]; then exec 8>&-; return 0; fi
  local profile=log4j2
  [ "$(major_of "$v")" -ge 4 ] || profile=reload4j
  log "fetching the Kafka $v jars with mvn into $KAFKA_LIB (once; profile $profile)"
  tmp=$base/lib.tmp
  rm -rf "$tmp" "$base/.complete"
  cp "$SCRIPT_DIR/pom.xml" "$base/pom.xml"
  local t0=$SECONDS
  local mvn_ok=1
  (cd "$base" && mvn -B -q -Dstyle.color=never -f pom.xml -P "$profile" -Dkafka.version="$v" \
    "$DEP_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory="$tmp") \
    >"$base/mvn.log" 2>&1 || mvn_ok=0
  # mvn -q still prints colour resets: strip escape sequences and empty lines.
  sed 's/\x1b\[[0-9;]*m//g' "$base/mvn.log" | grep -v '^[[:space:]]*$' >&2 || true
  if [ $mvn_ok = 0 ]; then
    rm -rf "$tmp"
    die "mvn could not fetch org.apache.kafka:kafka_2.13:$v and its dependencies"
  fi
  if [ ! -f "$tmp/kafka_2.13-$v.jar" ] || [ ! -f "$tmp/kafka-clients-$v.jar" ]; then
    die "mvn ran but kafka_2.13-$v.jar / kafka-clients-$v.jar are missing in $tmp"
  fi
  rm -rf "$KAFKA_LIB"
  mv "$tmp" "$KAFKA_LIB"
  # A javac/java-ready classpath (explicit jar list; "$KAFKA_LIB/*" works as well).
  local jars=("$KAFKA_LIB"/*.jar)
  (IFS=:; echo "${jars[*]}") >"$base/classpath.txt"
  touch "$base/.complete"
  log "fetched ${#jars[@]} jars in $((SECONDS - t0)) s"
  exec 8>&-
}

# ensure_plugin: compiles the KIP-714 test receiver (test/kafka/telemetry) against the
# cluster's own jars into the jar cache, $CACHE/telemetry-plugin/VERSION-<source sha> (once per
# source and release; built in a temporary folder and renamed, so clusters starting side by
# side never see half a build), and sets PLUGIN_DIR. Every broker loads it (metric.reporters);
# a failed compile stops here.
PLUGIN_DIR=
ensure_plugin() {
  [ -z "$PLUGIN_DIR" ] || return 0
  local src=$SCRIPT_DIR/telemetry/UvkTelemetryPlugin.java out tmp
  out=$CACHE/telemetry-plugin/$VERSION-$(sha256sum "$src" | cut -c1-16)
  if [ ! -f "$out/UvkTelemetryPlugin.class" ]; then
    command -v javac >/dev/null 2>&1 || die "'javac' is not installed (needed for the telemetry plugin)"
    mkdir -p "$CACHE/telemetry-plugin"
    tmp=$(mktemp -d "$CACHE/telemetry-plugin/.build-XXXXXX")
    if ! javac -nowarn -d "$tmp" -cp "$KAFKA_LIB/*" "$src" >"$tmp/javac.log" 2>&1; then
      cat "$tmp/javac.log" >&2
      rm -rf "$tmp"
      die "compiling the telemetry plugin $src against Kafka $VERSION failed"
    fi
    rm -f "$tmp/javac.log"
    mv -T "$tmp" "$out" 2>/dev/null || rm -rf "$tmp"  # another cluster's build won the race: same bytes
  fi
  PLUGIN_DIR=$out
}
