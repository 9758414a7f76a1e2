#!/usr/bin/env bash
# Checks the test cluster itself with a client nobody here wrote (Debian's kcat/librdkafka):
# every listener and SASL mechanism answers Metadata, bad credentials and a missing client
# certificate are refused, the broker count is right, data survives a restart, and on 3 nodes
# `cluster.sh kill/start/stop/cont N` change what Metadata reports.
#
#   test/integration/harness_kcat.sh RESULTS.xml     (needs a running `test/kafka/cluster.sh up`)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XML=${1:?usage: harness_kcat.sh RESULTS.xml}
CLUSTER=$ROOT/test/kafka/cluster.sh
# shellcheck source=../lib/junit.sh
. "$ROOT/test/lib/junit.sh"

junit_begin harness_kcat "$XML"

if ! envout=$("$CLUSTER" env); then
  junit_case "cluster env is available" "$CLUSTER" env
  junit_end
  exit 1
fi
eval "$envout"
NODES=$UVK_TEST_NODES
RUN_ID=$$-$RANDOM

# kc LISTENER [MECHANISM [PASSWORD]] -- KCAT_ARGS...: runs kcat with the client settings of
# one listener (PLAINTEXT SSL SSL_NOCA SASL_PLAINTEXT SASL_SSL MTLS MTLS_NOCERT)
kc() {
  local listener=$1 mech=${2:-} pw=${3:-$UVK_TEST_PASSWORD} bs opts=()
  case $listener in
    PLAINTEXT) bs=$UVK_TEST_BROKERS ;;
    SSL) bs=$UVK_TEST_SSL_BROKERS opts=(-X security.protocol=ssl -X "ssl.ca.location=$UVK_TEST_CA") ;;
    SSL_NOCA) bs=$UVK_TEST_SSL_BROKERS opts=(-X security.protocol=ssl) ;;
    SASL_PLAINTEXT) bs=$UVK_TEST_SASL_PLAINTEXT_BROKERS opts=(-X security.protocol=sasl_plaintext) ;;
    SASL_SSL) bs=$UVK_TEST_SASL_SSL_BROKERS opts=(-X security.protocol=sasl_ssl -X "ssl.ca.location=$UVK_TEST_CA") ;;
    MTLS) bs=$UVK_TEST_MTLS_BROKERS opts=(-X security.protocol=ssl -X "ssl.ca.location=$UVK_TEST_CA"
          -X "ssl.certificate.location=$UVK_TEST_CLIENT_CERT" -X "ssl.key.location=$UVK_TEST_CLIENT_KEY") ;;
    MTLS_NOCERT) bs=$UVK_TEST_MTLS_BROKERS opts=(-X security.protocol=ssl -X "ssl.ca.location=$UVK_TEST_CA") ;;
    *) echo "kc: unknown listener $listener" >&2; return 2 ;;
  esac
  shift 3 2>/dev/null || shift $#
  if [ -n "$mech" ]; then
    opts+=(-X "sasl.mechanisms=$mech" -X "sasl.username=$UVK_TEST_USER" -X "sasl.password=$pw")
  fi
  [ "${1:-}" != -- ] || shift
  [ -z "${KC_BOOTSTRAP:-}" ] || bs=$KC_BOOTSTRAP
  timeout 60 kcat -b "$bs" "${opts[@]}" "$@"
}

# port_of KIND NODE (same scheme as cluster.sh: node n listens on 10000 + (n-1)*1000 + 9092
# (PLAINTEXT) ... 9097 (MTLS), shifted by UVK_TEST_PORT_OFFSET)
port_of() {
  local base
  case $1 in
    PLAINTEXT) base=9092 ;; SSL | SSL_NOCA) base=9094 ;; SASL_PLAINTEXT) base=9095 ;;
    SASL_SSL) base=9096 ;; MTLS | MTLS_NOCERT) base=9097 ;;
  esac
  echo $(( 10000 + ($2 - 1) * 1000 + base + ${UVK_TEST_PORT_OFFSET:-0} ))
}

# metadata_ok LISTENER [MECHANISM]: Metadata lists NODES brokers, each at this listener's port
metadata_ok() {
  local listener=$1 mech=${2:-} out n
  out=$(kc "$listener" "$mech" "" -- -L -m 15 2>&1) || { echo "$out"; echo "kcat -L failed"; return 1; }
  echo "$out"
  grep -q "^ *$NODES brokers:" <<<"$out" || { echo "expected $NODES brokers"; return 1; }
  for ((n = 1; n <= NODES; n++)); do
    grep -q "^ *broker $n at 127.0.0.1:$(port_of "$listener" "$n")" <<<"$out" \
      || { echo "broker $n is not listed at 127.0.0.1:$(port_of "$listener" "$n")"; return 1; }
  done
}

# metadata_fails LISTENER [MECHANISM [PASSWORD]] PATTERN: kcat -L must fail, output matching PATTERN
metadata_fails() {
  local listener=$1 mech=$2 pw=$3 pattern=$4 out
  if out=$(kc "$listener" "$mech" "$pw" -- -L -m 4 2>&1); then
    echo "$out"
    echo "kcat -L succeeded but should have failed"
    return 1
  fi
  echo "$out"
  grep -Eqi "$pattern" <<<"$out" || { echo "failed, but output does not match /$pattern/"; return 1; }
}

# broker_ids BOOTSTRAP [METADATA_TIMEOUT_S] -> sorted ids Metadata reports (empty if it fails)
broker_ids() {
  timeout 30 kcat -b "$1" -L -m "${2:-5}" 2>/dev/null | sed -n 's/^ *broker \([0-9][0-9]*\) at .*/\1/p' | sort -n | paste -sd' ' -
}

# wait_ids BOOTSTRAP EXPECTED TIMEOUT: polls Metadata until it reports exactly EXPECTED
wait_ids() {
  local bs=$1 expected=$2 deadline=$((SECONDS + $3)) got t0=$SECONDS
  while :; do
    got=$(broker_ids "$bs" || true)
    if [ "$got" = "$expected" ]; then
      echo "metadata from $bs reports [$got] after $((SECONDS - t0)) s"
      return 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "after $3 s metadata from $bs reports [$got], expected [$expected]"
      return 1
    fi
    sleep 0.5
  done
}

all_ids() { seq 1 "$NODES" | paste -sd' ' -; }
ids_without() { seq 1 "$NODES" | grep -vx "$1" | paste -sd' ' -; }

roundtrip() {  # roundtrip LISTENER MECHANISM TOPIC: produce 3 messages, consume them back
  local listener=$1 mech=$2 topic=$3 out
  printf 'one-%s\ntwo-%s\nthree-%s\n' "$RUN_ID" "$RUN_ID" "$RUN_ID" \
    | kc "$listener" "$mech" "" -- -P -t "$topic" -X request.required.acks=-1 -m 15
  out=$(kc "$listener" "$mech" "" -- -C -t "$topic" -o beginning -e -q -m 15 -X fetch.wait.max.ms=100)
  echo "$out"
  grep -qx "one-$RUN_ID" <<<"$out" && grep -qx "three-$RUN_ID" <<<"$out"
}

consume_has() {  # consume_has BOOTSTRAP TOPIC LINE
  local out
  out=$(KC_BOOTSTRAP=$1 kc PLAINTEXT "" "" -- -C -t "$2" -o beginning -e -q -m 15)
  echo "$out"
  grep -qx "$3" <<<"$out"
}

cluster() { "$CLUSTER" "$@"; }

# java_scram LISTENER MECHANISM PASSWORD: the official Java client (kafka-clients from the
# jar cache, test/integration/JavaScram.java run as a source file) authenticates and describes
# user $UVK_TEST_USER's SCRAM credentials
java_scram() {
  local listener=$1 mech=$2 pw=$3 bs
  case $listener in
    SASL_PLAINTEXT) bs=$UVK_TEST_SASL_PLAINTEXT_BROKERS ;;
    SASL_SSL) bs=$UVK_TEST_SASL_SSL_BROKERS ;;
  esac
  local logopt=-Dlog4j2.configurationFile=$ROOT/test/kafka/tools-log4j2.properties
  [ "${UVK_TEST_KAFKA_VERSION%%.*}" -ge 4 ] || logopt=-Dlog4j.configuration=file:$ROOT/test/kafka/tools-log4j.properties
  timeout 90 java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "$logopt" -cp "$UVK_TEST_KAFKA_CLASSPATH" \
    "$ROOT/test/integration/JavaScram.java" "$bs" "$listener" "$mech" "$UVK_TEST_USER" "$pw" "$UVK_TEST_CA" 2>&1
}
java_scram_fails() {
  local out
  if out=$(java_scram "$@"); then echo "$out"; echo "succeeded but should have failed"; return 1; fi
  echo "$out"
  grep -q 'SaslAuthenticationException' <<<"$out"
}

# librdkafka before 2.6.1 builds a wrong SCRAM client-final nonce, which Kafka 4.x rejects
# (confluentinc/librdkafka#4895; edenhill/kcat#462). Debian 12 ships 2.0.2, so against 4.x
# kcat's SCRAM cases are skipped and the Java client checks SCRAM instead.
RDK_VERSION=$(kcat -V 2>&1 | sed -n 's/.*librdkafka \([0-9][0-9.]*\).*/\1/p' | head -n 1)
KCAT_SCRAM=1
if [ "${UVK_TEST_KAFKA_VERSION%%.*}" -ge 4 ] && [ "$(printf '%s\n' "$RDK_VERSION" 2.6.1 | sort -V | head -n 1)" != 2.6.1 ]; then
  KCAT_SCRAM=0
fi
SCRAM_SKIP="librdkafka $RDK_VERSION < 2.6.1 has a SCRAM nonce bug that Kafka 4.x rejects (confluentinc/librdkafka#4895); the Java client checks SCRAM instead"

# ---------------------------------------------------------------------------------------------
junit_case "env: $NODES node(s), Kafka $UVK_TEST_KAFKA_VERSION, pids $UVK_TEST_NODE_PIDS" \
  bash -c '[ -s "$UVK_TEST_CA" ] && [ -s "$UVK_TEST_CLIENT_CERT" ] && [ -s "$UVK_TEST_CLIENT_KEY" ] && [ -n "$UVK_TEST_PASSWORD" ]'
junit_case "PLAINTEXT metadata lists $NODES broker(s)" metadata_ok PLAINTEXT
junit_case "SSL metadata (CA verified, hostname 127.0.0.1)" metadata_ok SSL
junit_case "SSL without the test CA is refused" metadata_fails SSL_NOCA "" "" "certificate verify failed|SSL handshake failed|ssl"
for listener in SASL_PLAINTEXT SASL_SSL; do
  junit_case "$listener PLAIN metadata" metadata_ok "$listener" PLAIN
  junit_case "$listener PLAIN with a wrong password is refused" \
    metadata_fails "$listener" PLAIN "wrong-$UVK_TEST_PASSWORD" "authentication|SASL"
  for mech in SCRAM-SHA-256 SCRAM-SHA-512; do
    if [ "$KCAT_SCRAM" = 1 ]; then
      junit_case "$listener $mech metadata" metadata_ok "$listener" "$mech"
    else
      junit_skip "$listener $mech metadata" "$SCRAM_SKIP"
    fi
    junit_case "$listener $mech with the Java client" java_scram "$listener" "$mech" "$UVK_TEST_PASSWORD"
  done
done
if [ "$KCAT_SCRAM" = 1 ]; then
  junit_case "SASL_PLAINTEXT SCRAM-SHA-256 with a wrong password is refused" \
    metadata_fails SASL_PLAINTEXT SCRAM-SHA-256 "wrong-$UVK_TEST_PASSWORD" "authentication|SASL"
else
  # kcat cannot do SCRAM against this broker (above): the Java client checks the refusal.
  junit_case "SASL_PLAINTEXT SCRAM-SHA-256 with a wrong password is refused (Java client)" \
    java_scram_fails SASL_PLAINTEXT SCRAM-SHA-256 "wrong-$UVK_TEST_PASSWORD"
fi
junit_case "SASL_SSL SCRAM-SHA-512 with a wrong password is refused (Java client)" \
  java_scram_fails SASL_SSL SCRAM-SHA-512 "wrong-$UVK_TEST_PASSWORD"
junit_case "MTLS metadata with the client certificate" metadata_ok MTLS
junit_case "MTLS without a client certificate is refused" metadata_fails MTLS_NOCERT "" "" "SSL|handshake|certificate|transport|disconnect"
junit_case "PLAINTEXT produce and consume" roundtrip PLAINTEXT "" "uvk-harness-plain-$RUN_ID"
if [ "$KCAT_SCRAM" = 1 ]; then RT_MECH=SCRAM-SHA-512; else RT_MECH=PLAIN; fi
junit_case "SASL_SSL $RT_MECH produce and consume" roundtrip SASL_SSL "$RT_MECH" "uvk-harness-sasl-$RUN_ID"

if [ "$NODES" -ge 3 ]; then
  # Node 2 crashes (SIGKILL) and comes back; node 3 hangs (SIGSTOP) and continues.
  survivor=127.0.0.1:$(port_of PLAINTEXT 1)
  kill_start() {
    cluster kill 2
    wait_ids "$survivor" "$(ids_without 2)" 45
    # Writes with acks=all still succeed on 2 of 3 replicas (min.insync.replicas=2).
    printf 'while-2-down-%s\n' "$RUN_ID" | KC_BOOTSTRAP=$survivor kc PLAINTEXT "" "" -- \
      -P -t "uvk-harness-plain-$RUN_ID" -X request.required.acks=-1 -m 15
    cluster start 2
    wait_ids "$survivor" "$(all_ids)" 45
    wait_ids "127.0.0.1:$(port_of PLAINTEXT 2)" "$(all_ids)" 45
    consume_has "127.0.0.1:$(port_of PLAINTEXT 2)" "uvk-harness-plain-$RUN_ID" "while-2-down-$RUN_ID"
  }
  stop_cont() {
    cluster stop 3
    wait_ids "$survivor" "$(ids_without 3)" 45
    cluster cont 3
    wait_ids "$survivor" "$(all_ids)" 45
  }
  junit_case "kill 2: broker 2 leaves Metadata; start 2: it returns" kill_start
  junit_case "stop 3: broker 3 is fenced; cont 3: it returns" stop_cont
  junit_case "SASL_SSL still answers after the restarts" metadata_ok SASL_SSL PLAIN
else
  kill_start_1() {  # single node: a crash and a restart without reformat keep the data
    cluster kill 1
    if broker_ids "$UVK_TEST_BROKERS" 2 | grep -q .; then echo "metadata still answers after kill"; return 1; fi
    cluster start 1
    wait_ids "$UVK_TEST_BROKERS" 1 30
    consume_has "$UVK_TEST_BROKERS" "uvk-harness-plain-$RUN_ID" "one-$RUN_ID"
  }
  junit_case "kill 1 then start 1: the broker returns with its data" kill_start_1
  junit_skip "kill/start N changes the broker list" "needs 3 nodes (cluster has $NODES)"
fi

# Leave the cluster as it was found (all nodes up) for the suites that run after this one.
junit_case "cluster back at full strength" \
  bash -c '"$0" up --nodes "$UVK_TEST_NODES" --version "$UVK_TEST_KAFKA_VERSION" >/dev/null' "$CLUSTER"

junit_end
