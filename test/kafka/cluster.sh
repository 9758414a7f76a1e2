#!/usr/bin/env bash
# A real Apache Kafka test cluster (KRaft, combined broker+controller nodes) run from the
# Maven Central jars, for uvkafka's integration tests. See docs/kafka-test-cluster.md.
#
#   cluster.sh up [--nodes 1|3] [--version V]   start (idempotent), wait until ready (<= 120 s),
#                                               print `export NAME=value` lines on stdout
#   cluster.sh env                              print the export lines of the running cluster
#   cluster.sh down                             stop what `up` started (by pid), remove the data
#   cluster.sh kill N | stop N | cont N         node N: SIGKILL | SIGSTOP | SIGCONT
#   cluster.sh start N                          restart node N (same config, no reformat), wait
#                                               until it is ready again
#
# Only the export lines go to stdout; all progress and errors go to stderr.
#
# Ports, node n (1..3), all bound to 127.0.0.1:
#   n9092 PLAINTEXT   n9093 CONTROLLER   n9094 SSL   n9095 SASL_PLAINTEXT   n9096 SASL_SSL
#   n9097 MTLS (SSL with ssl.client.auth=required)
# Inter-broker and controller traffic is PLAINTEXT.
#
# Environment:
#   UVK_CLUSTER_DIR   state directory (default <repo>/build/kafka-cluster): node<N>/ holds
#                     server.properties, kafka.log (the broker log), pid and data/; tls/ the
#                     certificates; env the export lines
#   UVK_CACHE_DIR     jar cache (default ~/.cache/uvkafka): kafka-<V>/lib/*.jar, classpath.txt
#   UVK_CLUSTER_TIMEOUT  readiness timeout in seconds (default 120)
#   UVK_TEST_PORT_OFFSET added to every port (default 0), for a second cluster beside the first
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
DIR=${UVK_CLUSTER_DIR:-$ROOT/build/kafka-cluster}
CACHE=${UVK_CACHE_DIR:-$HOME/.cache/uvkafka}
DEFAULT_VERSION=4.4.0
TIMEOUT=${UVK_CLUSTER_TIMEOUT:-120}
STOP_TIMEOUT=8   # `down` discards the data, so a stuck controlled shutdown is not waited for long
SASL_USER=uvk
SASL_USER2=uvk2   # a second PLAIN user, not a super user: ACL tests deny it things
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

log() { printf '[cluster.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# port NODE KIND: node 1 listens on 19092..19097, node 2 on 20092..20097, node 3 on 21092..21097.
# All stay below Linux's ephemeral range (32768+): a port in it can be taken by a client socket
# while a node is down, and the node then cannot restart ("Address already in use").
# UVK_TEST_PORT_OFFSET (default 0, keep it below 1000) shifts every port, so two clusters (say, a
# developer's and a CI run on the same machine) can run side by side with separate UVK_CLUSTER_DIRs.
port() {
  local n=$1 base
  case $2 in
    PLAINTEXT) base=9092 ;;
    CONTROLLER) base=9093 ;;
    SSL) base=9094 ;;
    SASL_PLAINTEXT) base=9095 ;;
    SASL_SSL) base=9096 ;;
    MTLS) base=9097 ;;
    *) die "unknown listener $2" ;;
  esac
  echo $(( 10000 + (n - 1) * 1000 + base + ${UVK_TEST_PORT_OFFSET:-0} ))
}
LISTENERS=(PLAINTEXT CONTROLLER SSL SASL_PLAINTEXT SASL_SSL MTLS)

# bootstrap KIND NODES -> 127.0.0.1:19092,127.0.0.1:20092,...
bootstrap() {
  local kind=$1 nodes=$2 n out=""
  for ((n = 1; n <= nodes; n++)); do out+="${out:+,}127.0.0.1:$(port "$n" "$kind")"; done
  echo "$out"
}

abs_dir() { mkdir -p "$1" && (cd "$1" && pwd); }

# --------------------------------------------------------------------------------------------
# State
CONF=   # path of cluster.conf once DIR is resolved
init_dir() {
  DIR=$(abs_dir "$DIR")
  CONF=$DIR/cluster.conf
}

lock_dir() {  # serializes up/down/start/... on one cluster dir
  exec 9>"$DIR/.lock"
  flock -w 600 9 || die "could not lock $DIR/.lock (another cluster.sh is running?)"
}

load_conf() {  # sets NODES VERSION CLUSTER_ID PASSWORD UVK_TEST_PORT_OFFSET; returns 1 if there is no cluster
  [ -f "$CONF" ] || return 1
  # shellcheck disable=SC1090
  . "$CONF"
}

node_dir() { echo "$DIR/node$1"; }

# node_pid N -> pid of node N if that process is alive and is our broker, else nothing
node_pid() {
  local f pid state
  f=$(node_dir "$1")/pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  [ -r "/proc/$pid/cmdline" ] || return 0
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $(node_dir "$1")/server.properties" || return 0
  echo "$pid"
}

node_stopped() {  # true if node N is alive but SIGSTOPped
  local pid state
  pid=$(node_pid "$1")
  [ -n "$pid" ] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
  [ "$state" = T ] || [ "$state" = t ]
}

alive_nodes() {  # prints the node numbers whose broker process is alive
  local n
  for ((n = 1; n <= NODES; n++)); do
    [ -z "$(node_pid "$n")" ] || echo "$n"
  done
}

# --------------------------------------------------------------------------------------------
# Jars (ensure_jars, ensure_plugin, major_of)
# shellcheck source=test/kafka/jars.sh
. "$SCRIPT_DIR/jars.sh"

# log_opts VERSION broker|tools -> the -D option selecting the version's logging config
log_opts() {
  local v=$1 kind=$2
  if [ "$(major_of "$v")" -ge 4 ]; then
    if [ "$kind" = broker ]; then echo "-Dlog4j2.configurationFile=$SCRIPT_DIR/log4j2.properties"
    else echo "-Dlog4j2.configurationFile=$SCRIPT_DIR/tools-log4j2.properties"; fi
  else
    if [ "$kind" = broker ]; then echo "-Dlog4j.configuration=file:$SCRIPT_DIR/log4j.properties"
    else echo "-Dlog4j.configuration=file:$SCRIPT_DIR/tools-log4j.properties"; fi
  fi
}

# --------------------------------------------------------------------------------------------
# Certificates (openssl; PKCS#8 PEM keys, which Kafka's PEM key store requires)
gen_certs() {
  local t=$DIR/tls
  rm -rf "$t"
  mkdir -p "$t"
  (
    cd "$t"
    key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }
    key ca.key
    openssl req -x509 -new -key ca.key -subj /CN=uvkafka-test-ca -days 3650 -sha256 \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      -out ca.pem
    key server.key
    openssl req -new -key server.key -subj /CN=localhost -out server.csr
    printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
      'extendedKeyUsage=serverAuth' 'subjectAltName=DNS:localhost,IP:127.0.0.1' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
      -extfile server.ext -out server.pem 2>/dev/null
    key client.key
    openssl req -new -key client.key -subj /CN=uvk-client -out client.csr
    printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
      'extendedKeyUsage=clientAuth' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
      -extfile client.ext -out client.pem 2>/dev/null
    # Kafka PEM key store: the PKCS#8 key, then the certificate chain.
    cat server.key server.pem ca.pem >server-keystore.pem
    rm -f ./*.csr ./*.ext ca.srl
    grep -q 'BEGIN PRIVATE KEY' server.key || { echo "server key is not PKCS#8" >&2; exit 1; }
    openssl verify -CAfile ca.pem server.pem client.pem >/dev/null
  ) || die "certificate generation failed"
  chmod 600 "$t"/*.key
}

# --------------------------------------------------------------------------------------------
# Broker configuration
write_config() {  # write_config N
  local n=$1 nd rf isr voters="" i l listeners="" advertised=""
  nd=$(node_dir "$n")
  mkdir -p "$nd/data"
  if [ "$NODES" -ge 3 ]; then rf=3 isr=2; else rf=$NODES isr=1; fi
  for ((i = 1; i <= NODES; i++)); do voters+="${voters:+,}$i@127.0.0.1:$(port "$i" CONTROLLER)"; done
  for l in "${LISTENERS[@]}"; do
    listeners+="${listeners:+,}$l://127.0.0.1:$(port "$n" "$l")"
    [ "$l" = CONTROLLER ] || advertised+="${advertised:+,}$l://127.0.0.1:$(port "$n" "$l")"
  done
  local plain="org.apache.kafka.common.security.plain.PlainLoginModule required user_${SASL_USER}=\"${PASSWORD}\" user_${SASL_USER2}=\"${PASSWORD}\";"
  local scram="org.apache.kafka.common.security.scram.ScramLoginModule required;"
  # OAUTHBEARER with Kafka's unsecured-token validator (alg "none" JWTs; tests only).
  local oauth="org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"${SASL_USER}\";"
  {
    cat <<EOF
# Generated by test/kafka/cluster.sh (node $n of $NODES, Kafka $VERSION). Do not edit.
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listeners=$listeners
advertised.listeners=$advertised
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL
log.dirs=$nd/data

# TLS: PEM stores (no store passwords allowed with PEM). MTLS is an SSL listener that
# requires a client certificate; SSL and SASL_SSL do not ask for one.
ssl.keystore.type=PEM
ssl.keystore.location=$DIR/tls/server-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$DIR/tls/ca.pem
ssl.client.auth=none
listener.name.mtls.ssl.client.auth=required

# SASL: PLAIN users in the JAAS config; SCRAM users were added by StorageTool format --add-scram;
# OAUTHBEARER takes unsecured JWTs whose "sub" is the principal.
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER
listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config=$oauth
listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=$oauth
# KIP-368: OAUTHBEARER sessions on SASL_PLAINTEXT last 3 s, so clients must re-authenticate
# (the broker closes a connection whose session ran out). Other mechanisms: no limit.
listener.name.sasl_plaintext.oauthbearer.connections.max.reauth.ms=3000
listener.name.sasl_plaintext.plain.sasl.jaas.config=$plain
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=$scram
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=$scram
listener.name.sasl_ssl.plain.sasl.jaas.config=$plain
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=$scram
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$scram

# ACLs: Kafka's StandardAuthorizer on every listener. The brokers and controllers (ANONYMOUS
# on PLAINTEXT / CONTROLLER, and on SSL without a client certificate) and $SASL_USER are super
# users; everybody else ($SASL_USER2, the MTLS client, users created by tests) may do
# anything on a resource no ACL names, so only tests that create ACLs see them act.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS;User:$SASL_USER
allow.everyone.if.no.acl.found=true

# Replication: 1 node -> 1; 3 nodes -> RF 3, min ISR 2.
num.partitions=4
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=6
# A transaction past its timeout is aborted within 1 s, not 10 s: the deadline tests
# (test/integration/txn_deadline_test.cc) wait for that abort.
transaction.abort.timed.out.transaction.cleanup.interval.ms=1000
auto.create.topics.enable=true
group.initial.rebalance.delay.ms=0

# Faster failover: a killed/stopped broker is fenced after 4 s (default 9 s, heartbeat 2 s).
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000

# Small footprint: 3 nodes share 2 cores with the tests.
num.network.threads=2
num.io.threads=4
background.threads=4
num.recovery.threads.per.data.dir=2

# A node restarted after SIGKILL recovers (re-reads and checks) everything written since
# its recovery point, which only moves when data is flushed: by default that is at segment
# roll (1 GB), i.e. every byte the tests ever wrote. Flushing and checkpointing every 2 s
# keeps that to the last seconds of writes.
log.flush.interval.ms=2000
log.flush.scheduler.interval.ms=2000
log.flush.offset.checkpoint.interval.ms=2000
num.replica.fetchers=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216

# KIP-714: the test receiver of client metrics (test/kafka/telemetry/UvkTelemetryPlugin.java,
# on the classpath), one JSON line per push into this file.
metric.reporters=UvkTelemetryPlugin
uvk.telemetry.file=$nd/telemetry.jsonl
EOF
    if [ "$(major_of "$VERSION")" -ge 4 ]; then
      cat <<EOF
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
# groupProtocol consumer (KIP-848): a killed member is dropped after 10 s (default 45 s),
# heartbeats every second (default 5 s), so the group tests do not wait out the defaults.
group.consumer.min.session.timeout.ms=6000
group.consumer.session.timeout.ms=10000
group.consumer.min.heartbeat.interval.ms=500
group.consumer.heartbeat.interval.ms=1000
# Share groups (KIP-932): Kafka 4.4 formats a new cluster with share.version=2, so they are on
# without a feature upgrade. The lower bounds let a test give its group a short record lock
# (share.record.lock.duration.ms, default 30 s, minimum 15 s); a killed member goes after
# 10 s (default 45 s), heartbeats every second as for the consumer protocol.
group.share.min.record.lock.duration.ms=1000
group.share.min.session.timeout.ms=6000
group.share.session.timeout.ms=10000
group.share.min.heartbeat.interval.ms=500
group.share.heartbeat.interval.ms=1000
EOF
    fi
  } >"$nd/server.properties"
}

jvm_opts() {  # jvm_opts N -> one option per line
  local nd
  nd=$(node_dir "$1")
  printf '%s\n' -Xms256m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
    -XX:+ExitOnOutOfMemoryError -XX:ErrorFile="$nd/hs_err_%p.txt" -Djava.awt.headless=true \
    -Dkafka.logs.dir="$nd" "$(log_opts "$VERSION" broker)"
  # Extra options (later ones win), e.g. UVK_KAFKA_JVM_OPTS="-Xmx1g -XX:TieredStopAtLevel=4"
  local extra
  for extra in ${UVK_KAFKA_JVM_OPTS:-}; do printf '%s\n' "$extra"; done
}

format_node() {  # format_node N (writes node<N>/format.out)
  local n=$1 nd
  nd=$(node_dir "$n")
  ensure_plugin
  CLASSPATH="$KAFKA_LIB/*:$PLUGIN_DIR" java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
    "$(log_opts "$VERSION" tools)" kafka.tools.StorageTool format -t "$CLUSTER_ID" \
    -c "$nd/server.properties" \
    --add-scram "SCRAM-SHA-256=[name=$SASL_USER,password=$PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=$SASL_USER,password=$PASSWORD]" \
    >"$nd/format.out" 2>&1 </dev/null
}

# --------------------------------------------------------------------------------------------
# Processes
start_node() {  # start_node N: spawns the broker in its own session; records the log offset
  local n=$1 nd opts
  nd=$(node_dir "$n")
  ensure_plugin
  touch "$nd/kafka.log"
  stat -c %s "$nd/kafka.log" >"$nd/log.offset"
  mapfile -t opts < <(jvm_opts "$n")
  printf '\n==== cluster.sh: starting node %s at %s ====\n' "$n" "$(date '+%F %T')" >>"$nd/kafka.log"
  (
    # Close every inherited descriptor above 2 (our lock, the caller's pipes), so the broker
    # keeps none of them open: a `$(cluster.sh up)` must not wait for the broker to exit.
    for fd in "/proc/$BASHPID/fd"/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    cd "$nd"
    CLASSPATH="$KAFKA_LIB/*:$PLUGIN_DIR" exec setsid java "${opts[@]}" kafka.Kafka "$nd/server.properties"
  ) >>"$nd/kafka.log" 2>&1 </dev/null &
  echo $! >"$nd/pid"
}

log_tail() {  # log_tail N [lines]: tail of node N's log since its last start, to stderr
  local n=$1 lines=${2:-40} nd off
  nd=$(node_dir "$n")
  [ -f "$nd/kafka.log" ] || return 0
  off=$(cat "$nd/log.offset" 2>/dev/null || echo 0)
  log "---- tail of $nd/kafka.log ----"
  # (without the tab-indented config dumps and the per-partition replication chatter)
  tail -c +"$((off + 1))" "$nd/kafka.log" | grep -v -e $'^\t' -e 'Truncating' -e 'ReplicaFetcher' \
    -e 'Skipped the become-' | tail -n "$lines" >&2 || true
}

startup_lines() {  # startup_lines N: node N's startup milestones and problems since its last start
  local nd off
  nd=$(node_dir "$1")
  off=$(cat "$nd/log.offset" 2>/dev/null || echo 0)
  log "---- node $1: startup milestones, warnings and errors since its start ----"
  tail -c +"$((off + 1))" "$nd/kafka.log" 2>/dev/null \
    | grep -E 'BrokerServer|ControllerServer|BrokerLifecycleManager|KafkaRaftServer|ERROR|WARN|Exception' \
    | grep -v -e 'ReplicaFetcher' -e 'Truncating' | cut -c1-300 | tail -n 60 >&2 || true
}

# True if node N finished starting since its last start: the broker's "Transition from
# STARTING to STARTED" (its acceptors are open) or KafkaRaftServer's "Kafka Server started",
# which comes right after — except when it does not: a restarted node in CI served for
# minutes without ever logging it.
started_since_offset() {
  local nd off
  nd=$(node_dir "$1")
  off=$(cat "$nd/log.offset" 2>/dev/null || echo 0)
  # Not grep -q: it stops reading at the match, and when more than a pipe buffer of log
  # follows (a restarted node logs every partition it follows), tail dies of SIGPIPE and
  # pipefail turns the found line into "not started" until the timeout.
  tail -c +"$((off + 1))" "$nd/kafka.log" 2>/dev/null \
    | grep -E 'Kafka Server started|BrokerServer id=[0-9]+\] Transition from STARTING to STARTED' >/dev/null
}

# metadata_brokers BOOTSTRAP -> broker ids in the Metadata response (sorted), via kcat
metadata_brokers() {
  timeout 20 kcat -b "$1" -L -m 5 -X topic.metadata.refresh.interval.ms=-1 2>/dev/null \
    | sed -n 's/^ *broker \([0-9][0-9]*\) at .*/\1/p' | sort -n | paste -sd' ' -
}

# wait_ready exact|contains IDS NODES_TO_WATCH BOOTSTRAP DEADLINE
#   waits until every watched node has started (started_since_offset), then for kcat
#   metadata through BOOTSTRAP to list exactly IDS (exact) or at least IDS (contains)
wait_ready() {
  local mode=$1 expected=$2 watch=$3 bs=$4 deadline=$5 need_log=${6:-1} n pending got="" ok
  while :; do
    pending=""
    for n in $watch; do
      if [ -z "$(node_pid "$n")" ]; then
        log "node $n exited during startup"
        log_tail "$n" 60
        return 1
      fi
      [ "$need_log" = 0 ] || started_since_offset "$n" || pending+=" $n"
    done
    if [ -z "$pending" ]; then
      got=$(metadata_brokers "$bs" || true)
      if [ "$mode" = exact ]; then
        [ "$got" = "$expected" ] && return 0
      elif [ -n "$got" ]; then
        ok=1
        for n in $expected; do [[ " $got " == *" $n "* ]] || ok=0; done
        [ $ok = 0 ] || return 0
      fi
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      if [ -n "$pending" ]; then
        log "timed out: node(s)$pending did not finish starting (no STARTED line in the log)"
      else
        log "timed out: metadata from $bs lists brokers [$got], expected [$expected] ($mode)"
      fi
      for n in $watch; do
        log_tail "$n" 40
        startup_lines "$n"
      done
      return 1
    fi
    sleep 0.5
  done
}

# stop_nodes N...: TERM (and CONT, in case it is stopped), then KILL after STOP_TIMEOUT
stop_nodes() {
  local n pid pids=() deadline
  for n in "$@"; do
    pid=$(node_pid "$n")
    [ -n "$pid" ] || continue
    pids+=("$pid")
    kill -TERM "$pid" 2>/dev/null || true
    kill -CONT "$pid" 2>/dev/null || true
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  log "stopping pid(s) ${pids[*]}"
  deadline=$((SECONDS + STOP_TIMEOUT))
  while :; do
    local left=()
    for n in "$@"; do [ -z "$(node_pid "$n")" ] || left+=("$n"); done
    [ ${#left[@]} -gt 0 ] || break
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "node(s) ${left[*]} still running after ${STOP_TIMEOUT} s: SIGKILL"
      for n in "${left[@]}"; do
        pid=$(node_pid "$n")
        [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
      done
      deadline=$((SECONDS + 10))
      while :; do
        local still=()
        for n in "${left[@]}"; do [ -z "$(node_pid "$n")" ] || still+=("$n"); done
        [ ${#still[@]} -gt 0 ] || break
        [ "$SECONDS" -lt "$deadline" ] || die "node(s) ${still[*]} survive SIGKILL"
        sleep 0.2
      done
      break
    fi
    sleep 0.2
  done
  for n in "$@"; do rm -f "$(node_dir "$n")/pid"; done
}

# --------------------------------------------------------------------------------------------
# env
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

write_env() {
  local n pidlist="" f
  for ((n = 1; n <= NODES; n++)); do
    f=$(node_dir "$n")/pid
    pidlist+="${pidlist:+ }$(cat "$f" 2>/dev/null || echo 0)"
  done
  {
    echo "export UVK_TEST_BROKERS=$(q "$(bootstrap PLAINTEXT "$NODES")")"
    echo "export UVK_TEST_SSL_BROKERS=$(q "$(bootstrap SSL "$NODES")")"
    echo "export UVK_TEST_SASL_PLAINTEXT_BROKERS=$(q "$(bootstrap SASL_PLAINTEXT "$NODES")")"
    echo "export UVK_TEST_SASL_SSL_BROKERS=$(q "$(bootstrap SASL_SSL "$NODES")")"
    echo "export UVK_TEST_MTLS_BROKERS=$(q "$(bootstrap MTLS "$NODES")")"
    echo "export UVK_TEST_CA=$(q "$DIR/tls/ca.pem")"
    echo "export UVK_TEST_CLIENT_CERT=$(q "$DIR/tls/client.pem")"
    echo "export UVK_TEST_CLIENT_KEY=$(q "$DIR/tls/client.key")"
    echo "export UVK_TEST_USER=$(q "$SASL_USER")"
    echo "export UVK_TEST_USER2=$(q "$SASL_USER2")"
    echo "export UVK_TEST_PASSWORD=$(q "$PASSWORD")"
    echo "export UVK_TEST_KAFKA_VERSION=$(q "$VERSION")"
    echo "export UVK_TEST_NODES=$(q "$NODES")"
    echo "export UVK_TEST_PORT_OFFSET=$(q "${UVK_TEST_PORT_OFFSET:-0}")"
    echo "export UVK_TEST_NODE_PIDS=$(q "$pidlist")"
    echo "export UVK_TEST_CLUSTER_DIR=$(q "$DIR")"
    echo "export UVK_TEST_KAFKA_CLASSPATH=$(q "$CACHE/kafka-$VERSION/lib/*")"
    echo "export UVK_TEST_TELEMETRY_DIR=$(q "$DIR")"
  } >"$DIR/env.tmp"
  mv "$DIR/env.tmp" "$DIR/env"
}

# --------------------------------------------------------------------------------------------
# Commands
do_down() {
  local n
  if load_conf; then
    local all=()
    for ((n = 1; n <= NODES; n++)); do all+=("$n"); done
    stop_nodes "${all[@]}"
  fi
  # Remove everything but the broker logs (kept for post-mortems until the next `up`).
  rm -rf "$DIR"/node*/data "$DIR"/node*/pid "$DIR"/node*/server.properties "$DIR/tls" \
    "$DIR/env" "$DIR/env.tmp" "$CONF"
}

check_ports_free() {
  local n l p busy=""
  for ((n = 1; n <= NODES; n++)); do
    for l in "${LISTENERS[@]}"; do
      p=$(port "$n" "$l")
      if [ -n "$(ss -Htln "sport = :$p" 2>/dev/null)" ]; then busy+=" $p"; fi
    done
  done
  [ -z "$busy" ] || die "port(s)$busy already in use (a cluster not started from $DIR? see: ss -ltnp)"
}

new_cluster_id() {  # a Kafka Uuid: 16 random bytes, base64url without padding, not starting with '-'
  local id
  while :; do
    id=$(openssl rand 16 | base64 | tr '+/' '-_' | tr -d '=\n')
    [ "${id:0:1}" != - ] && [ ${#id} -eq 22 ] && break
  done
  echo "$id"
}


cmd_up() {
  local want_nodes=1 want_version=$DEFAULT_VERSION
  while [ $# -gt 0 ]; do
    case $1 in
      --nodes) want_nodes=${2:?--nodes needs a value}; shift 2 ;;
      --nodes=*) want_nodes=${1#*=}; shift ;;
      --version) want_version=${2:?--version needs a value}; shift 2 ;;
      --version=*) want_version=${1#*=}; shift ;;
      *) usage ;;
    esac
  done
  [[ $want_nodes =~ ^[13]$ ]] || die "--nodes must be 1 or 3 (got '$want_nodes')"
  [[ $want_version =~ ^[0-9]+\.[0-9]+\.[0-9]+([.-][0-9A-Za-z.-]+)?$ ]] || die "bad --version '$want_version'"
  [ "$(major_of "$want_version")" -ge 3 ] || die "Kafka $want_version has no KRaft SCRAM bootstrap; use 3.9.x or 4.x"
  for tool in java openssl kcat ss flock setsid; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed"
  done
  lock_dir
  local t0=$SECONDS

  # Already running?
  local want_offset=${UVK_TEST_PORT_OFFSET:-0}
  if load_conf; then
    if [ "$NODES" = "$want_nodes" ] && [ "$VERSION" = "$want_version" ] &&
       [ "${UVK_TEST_PORT_OFFSET:-0}" = "$want_offset" ]; then
      local n dead=()
      for ((n = 1; n <= NODES; n++)); do
        if [ -z "$(node_pid "$n")" ]; then dead+=("$n")
        elif node_stopped "$n"; then log "node $n was stopped: SIGCONT"; kill -CONT "$(node_pid "$n")"; fi
      done
      if [ ${#dead[@]} -lt "$NODES" ]; then
        ensure_jars "$VERSION"
        for n in "${dead[@]}"; do log "node $n is not running: restarting it"; start_node "$n"; done
        local ids
        ids=$(seq 1 "$NODES" | paste -sd' ' -)
        if wait_ready exact "$ids" "${dead[*]}" "$(bootstrap PLAINTEXT "$NODES")" $((SECONDS + TIMEOUT)); then
          write_env
          log "cluster already running ($NODES node(s), Kafka $VERSION)"
          cat "$DIR/env"
          return 0
        fi
        log "the running cluster is not healthy: recreating it"
      fi
    else
      log "a cluster with $NODES node(s), Kafka $VERSION is running: replacing it"
    fi
    do_down
  fi

  NODES=$want_nodes
  VERSION=$want_version
  UVK_TEST_PORT_OFFSET=$want_offset
  ensure_jars "$VERSION"
  check_ports_free
  t0=$SECONDS
  rm -rf "$DIR"/node* "$DIR/tls"
  log "creating a $NODES-node Kafka $VERSION cluster in $DIR"
  gen_certs
  CLUSTER_ID=$(new_cluster_id)
  PASSWORD=uvk-$(openssl rand -hex 12)
  local n
  for ((n = 1; n <= NODES; n++)); do write_config "$n"; done
  ensure_plugin  # once, before the parallel formats

  # Format all nodes (in parallel) with the same cluster id.
  local fpids=() failed=0
  for ((n = 1; n <= NODES; n++)); do format_node "$n" & fpids+=($!); done
  for ((n = 1; n <= NODES; n++)); do
    if ! wait "${fpids[$((n - 1))]}"; then
      log "StorageTool format failed for node $n:"
      cat "$(node_dir "$n")/format.out" >&2
      failed=1
    fi
  done
  [ $failed = 0 ] || die "formatting the storage failed"

  {
    echo "NODES=$NODES"
    echo "VERSION=$VERSION"
    echo "CLUSTER_ID=$CLUSTER_ID"
    echo "PASSWORD=$PASSWORD"
    echo "UVK_TEST_PORT_OFFSET=${UVK_TEST_PORT_OFFSET:-0}"
  } >"$CONF"

  # Start all nodes before waiting: a node is "started" only once a controller quorum exists.
  for ((n = 1; n <= NODES; n++)); do start_node "$n"; done
  local ids
  ids=$(seq 1 "$NODES" | paste -sd' ' -)
  if ! wait_ready exact "$ids" "$ids" "$(bootstrap PLAINTEXT "$NODES")" $((SECONDS + TIMEOUT)); then
    log "stopping the nodes that did start (logs kept in $DIR/node*/kafka.log)"
    do_down
    die "the Kafka $VERSION cluster ($NODES node(s)) did not become ready within $TIMEOUT s"
  fi
  write_env
  log "cluster ready: $NODES node(s), Kafka $VERSION, in $((SECONDS - t0)) s (pids $(cat "$DIR"/node*/pid | paste -sd' ' -))"
  cat "$DIR/env"
}

cmd_env() {
  load_conf || die "no cluster in $DIR (run: $0 up)"
  [ -f "$DIR/env" ] || die "no env file in $DIR"
  [ -n "$(alive_nodes)" ] || die "the cluster in $DIR is not running (run: $0 up)"
  cat "$DIR/env"
}

node_arg() {  # validates node number $1 against the running cluster
  load_conf || die "no cluster in $DIR (run: $0 up)"
  if ! [[ ${1:-} =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ] || [ "$1" -gt "$NODES" ]; then
    die "node must be 1..$NODES (got '${1:-}')"
  fi
}

cmd_signal() {  # cmd_signal SIGNAL N
  local sig=$1 n=$2 pid
  node_arg "$n"
  pid=$(node_pid "$n")
  [ -n "$pid" ] || die "node $n is not running"
  kill -"$sig" "$pid"
  case $sig in
    KILL)
      local deadline=$((SECONDS + 10))
      while [ -n "$(node_pid "$n")" ]; do
        [ "$SECONDS" -lt "$deadline" ] || die "node $n (pid $pid) did not die"
        sleep 0.1
      done
      log "node $n (pid $pid) killed" ;;
    STOP) log "node $n (pid $pid) stopped (SIGSTOP)" ;;
    CONT) log "node $n (pid $pid) continued (SIGCONT)" ;;
  esac
}

cmd_start() {
  local n=$1
  lock_dir
  node_arg "$n"
  if [ -n "$(node_pid "$n")" ]; then
    if node_stopped "$n"; then
      log "node $n was stopped: SIGCONT"
      kill -CONT "$(node_pid "$n")"
    else
      log "node $n is already running (pid $(node_pid "$n"))"
    fi
    return 0
  fi
  ensure_jars "$VERSION"
  [ -f "$(node_dir "$n")/server.properties" ] || die "node $n has no configuration (run: $0 up)"
  local t0=$SECONDS attempt
  # A restarted node normally serves within seconds (log recovery is bounded by the 2 s
  # flushes, see write_config). Twice in CI a restarted node's startup thread stalled for
  # good between two log lines while its other threads ran (once before "caught up", once
  # after STARTED): such a node is dumped (SIGQUIT: the JVM prints every thread's stack to its
  # log, shown below), killed and started once more.
  for attempt in 1 2; do
    start_node "$n"
    write_env
    if wait_ready contains "$n" "$n" "127.0.0.1:$(port "$n" PLAINTEXT)" $((SECONDS + 3 * TIMEOUT / 2)); then
      log "node $n ready again in $((SECONDS - t0)) s (pid $(node_pid "$n"), attempt $attempt)"
      return 0
    fi
    thread_dump "$n"
    local pid; pid=$(node_pid "$n")
    [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
    while [ -n "$(node_pid "$n")" ]; do sleep 0.2; done
    rm -f "$(node_dir "$n")/pid"
    [ "$attempt" = 2 ] || log "node $n: killed after a stalled start; starting it once more"
  done
  die "node $n did not become ready in two starts of up to $((3 * TIMEOUT / 2)) s each"
}

# thread_dump N: asks node N's JVM for a thread dump (into its log) and prints the main
# thread's stack, which is where a stalled startup waits.
thread_dump() {
  local n=$1 nd pid off
  nd=$(node_dir "$n")
  pid=$(node_pid "$n")
  [ -n "$pid" ] || return 0
  off=$(stat -c %s "$nd/kafka.log")
  kill -QUIT "$pid" 2>/dev/null || return 0
  sleep 2
  log "---- node $n: thread dump, main thread (full dump in $nd/kafka.log) ----"
  tail -c +"$((off + 1))" "$nd/kafka.log" | awk '/^"main"/{p=1} p&&/^$/{exit} p' | head -n 60 >&2 || true
}

main() {
  [ $# -ge 1 ] || usage
  local cmd=$1
  shift
  init_dir
  case $cmd in
    up) cmd_up "$@" ;;
    env) cmd_env ;;
    down) lock_dir; do_down; log "cluster in $DIR is down" ;;
    kill) [ $# -eq 1 ] || usage; lock_dir; cmd_signal KILL "$1" ;;
    stop) [ $# -eq 1 ] || usage; lock_dir; cmd_signal STOP "$1" ;;
    cont) [ $# -eq 1 ] || usage; lock_dir; cmd_signal CONT "$1" ;;
    start) [ $# -eq 1 ] || usage; cmd_start "$1" ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}

main "$@"
