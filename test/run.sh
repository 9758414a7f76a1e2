#!/usr/bin/env bash
# The one test command: installs what is missing, builds (normal + ASan/UBSan, and TSan for
# the suites with threads), prepares the
# Java oracle data, starts the real Kafka test cluster, runs every suite, stops the cluster
# (even on failure) and ends with one line: `N passed, N failed[, N skipped]` (test executions),
# after `N distinct tests in M configurations (...)`. A stage that dies without its results, or
# writes none, is a failure (test/lib/stage_results.py, test/lib/summarize.py).
#
#   test/run.sh            everything (what CI runs)
#   UVK_SKIP_ASAN=1        skip the sanitizer build (local iterations only; CI never sets it)
#   UVK_SKIP_INSTALL=1     don't call apt-get
#   UVK_TEST_BREAK=1       the harness self-test: four checks fail on purpose (unit, oracle,
#                          pytest, node; docs/development.md), the run must end red
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export UVK_CLUSTER_DIR=${UVK_CLUSTER_DIR:-$ROOT/build/kafka-cluster}
BUILDS=(build)
[ "${UVK_SKIP_ASAN:-0}" = 1 ] || BUILDS+=(build-asan)
FATAL=0
T0=$(date +%s)
stage_start=$T0

log() { printf '[run.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
STAGE_NAME="start"
STAGE_TIMES=()
stage() {
  local now; now=$(date +%s)
  log "stage done in $((now - stage_start)) s"
  STAGE_TIMES+=("$(printf '%5d s  %s' $((now - stage_start)) "$STAGE_NAME")")
  stage_start=$now
  STAGE_NAME="$*"
  log "=== $* ==="
}
fatal() { log "FATAL: $*"; FATAL=1; }
# check_stage NAME RC OUT.xml RESULT.xml...: a missing result file, or an exit status the
# results do not explain, becomes a failing case in OUT.xml (test/lib/stage_results.py).
check_stage() { python3 test/lib/stage_results.py "$@" || log "$1 had failures"; }

# ---------------------------------------------------------------------------
stage "install missing packages"
test/lib/install-deps.sh || fatal "installing packages failed"

# ---------------------------------------------------------------------------
stage "configure and build"
configure() {
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >"$dir.configure.log" 2>&1
  else
    meson setup "$dir" "$@" >"$dir.configure.log" 2>&1
  fi || { cat "$dir.configure.log" >&2; return 1; }
}
# Every codec is required: a CI machine that lost liblz4 or libzstd fails here instead of
# building without it (the codec tests then skip what is not built).
CODECS=(-Dsnappy=enabled -Dlz4=enabled -Dzstd=enabled)
configure build "${CODECS[@]}" || fatal "configure failed (build)"
ninja -C build >&2 || fatal "build failed (build)"
if [[ " ${BUILDS[*]} " == *" build-asan "* ]]; then
  stage "configure and build (address,undefined sanitizers)"
  # The sanitizer build uses clang when it is installed, so clang's warnings are fatal too.
  if command -v clang++ >/dev/null 2>&1; then
    CC=clang CXX=clang++ configure build-asan "${CODECS[@]}" -Db_sanitize=address,undefined -Db_lundef=false \
      || fatal "configure failed (build-asan)"
  else
    configure build-asan "${CODECS[@]}" -Db_sanitize=address,undefined -Db_lundef=false || fatal "configure failed (build-asan)"
  fi
  ninja -C build-asan >&2 || fatal "build failed (build-asan)"
fi
# ThreadSanitizer: only the suites with threads (meson suite `threads`), and only their
# targets are built, which keeps this build small.
TSAN_BUILD=build-tsan
stage "configure and build (thread sanitizer: suite threads)"
if command -v clang++ >/dev/null 2>&1; then
  CC=clang CXX=clang++ configure $TSAN_BUILD "${CODECS[@]}" -Db_sanitize=thread -Db_lundef=false
else
  configure $TSAN_BUILD "${CODECS[@]}" -Db_sanitize=thread -Db_lundef=false
fi || fatal "configure failed ($TSAN_BUILD)"
mapfile -t TSAN_TARGETS < <(meson introspect --tests $TSAN_BUILD | python3 -c '
import json, os, sys
root = os.path.abspath(sys.argv[1])
for t in json.load(sys.stdin):
    if "threads" in t["suite"] or any(s.endswith(":threads") for s in t["suite"]):
        print(os.path.relpath(t["cmd"][0], root))' $TSAN_BUILD)
if [ ${#TSAN_TARGETS[@]} -eq 0 ]; then
  fatal "no tests in suite threads ($TSAN_BUILD)"
else
  ninja -C $TSAN_BUILD "${TSAN_TARGETS[@]}" >&2 || fatal "build failed ($TSAN_BUILD)"
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for b in "${BUILDS[@]}" $TSAN_BUILD; do rm -rf "$b/test-results" "$b"/meson-logs/testlog*.json; mkdir -p "$b/test-results"; done

# ---------------------------------------------------------------------------
# Java oracle: reference bytes from the official Java client (kafka-clients from Maven Central).
if [ -x test/oracle/prepare.sh ]; then
  stage "Java oracle reference data"
  ORACLE_OUT="$ROOT/build/oracle"
  if test/oracle/prepare.sh "$ORACLE_OUT" >&2; then
    [ -f "$ORACLE_OUT/env" ] && . "$ORACLE_OUT/env"
  else
    fatal "oracle preparation failed"
  fi
fi

# ---------------------------------------------------------------------------
run_suite() {  # run_suite SUITE [extra meson test args]
  local suite=$1; shift
  local rc=0
  for b in "${BUILDS[@]}"; do
    # Suite timeouts (test/*/meson.build) are a few times a normal run; ASan runs slower.
    local mult=1
    [ "$b" = build-asan ] && mult=2
    meson test -C "$b" --suite "$suite" --no-rebuild --print-errorlogs --logbase "testlog-$suite" \
      --timeout-multiplier "$mult" "$@" >&2 || rc=1
  done
  return $rc
}

stage "unit suites"
run_suite unit || log "unit suite had failures"

stage "thread sanitizer: suite threads"
meson test -C $TSAN_BUILD --suite threads --no-rebuild --print-errorlogs --logbase testlog-threads \
  --timeout-multiplier 4 >&2 || log "thread sanitizer suite had failures"

stage "valgrind memcheck: unit suite (gcc build)"
test/lib/valgrind-unit.sh build || log "valgrind memcheck had failures"

if [ -x test/oracle/check.sh ] && [ -n "${UVK_ORACLE_DIR:-}" ]; then
  stage "Java oracle, both ways: fields we decode, batches Java reads"
  test/oracle/check.sh build "$UVK_ORACLE_DIR" build/test-results >&2
  check_stage oracle $? build/test-results/oracle-stage.xml \
    build/test-results/oracle-fields.xml build/test-results/oracle-java-reads-ours.xml
elif [ -x test/oracle/check.sh ]; then
  fatal "no oracle data: the two-way Java checks cannot run"
fi

stage "install check (meson install + pkg-config)"
UVK_INSTALL_PREFIX_OUT=$ROOT/build/install-prefix test/install/check.sh build build/test-results/install.xml >&2
check_stage install $? build/test-results/install-stage.xml build/test-results/install.xml

stage "API reference (Doxygen, warnings are errors)"
# One JUnit case: fails on any warning (an undocumented public symbol) or a missing doxygen.
( . test/lib/junit.sh
  junit_begin api_reference build/test-results/api-reference.xml
  junit_case "doxygen docs/Doxyfile: public headers fully documented, no warnings" \
    tools/api-reference.sh build/api-reference
  junit_end )
check_stage api_reference $? build/test-results/api-reference-stage.xml build/test-results/api-reference.xml

stage "Node package: npm install (devDependencies, the addon)"
# samples/node builds its addon with meson (release, linked into uvkafka.node); the rounds
# below run its tests against each cluster.
(cd samples/node && npm install --no-audit --no-fund --no-package-lock --loglevel=error >&2) \
  || fatal "npm install in samples/node failed"

# ---------------------------------------------------------------------------
CLUSTER_UP=0
cluster_down() {
  if [ "$CLUSTER_UP" = 1 ]; then
    log "stopping the Kafka test cluster"
    test/kafka/cluster.sh down >&2 || true
    CLUSTER_UP=0
  fi
}
show_broker_logs() {
  for f in "$UVK_CLUSTER_DIR"/logs/*.log "$UVK_CLUSTER_DIR"/*/*.log; do
    [ -f "$f" ] || continue
    log "---- tail of $f ----"
    tail -n 40 "$f" >&2
  done
}
trap cluster_down EXIT INT TERM

cluster_up() {  # cluster_up ARGS...: starts a cluster shape and exports its env
  local envout
  if envout=$(test/kafka/cluster.sh up "$@"); then
    CLUSTER_UP=1
    eval "$envout"
    return 0
  fi
  CLUSTER_UP=1
  show_broker_logs
  return 1
}

# Each cluster round keeps its own results: the same suite runs against 1 and 3 nodes, so its
# JUnit files and meson logs move to test-results/round-LABEL/ once the round is over.
integration_round() {  # integration_round LABEL SUITE...
  local label=$1; shift
  local failed=0 b f marker rc
  marker=$(mktemp)
  # The kcat harness checks the test cluster's listeners with a client nobody here wrote; once,
  # on the first cluster (the suites below cover the other shapes with our own clients).
  if [ -x test/integration/harness_kcat.sh ] && [ "$label" = 1node ]; then
    test/integration/harness_kcat.sh "build/test-results/harness-kcat-$label.xml" >&2 || failed=1
    check_stage harness_kcat $failed build/test-results/harness-kcat-stage.xml "build/test-results/harness-kcat-$label.xml"
  fi
  # The Node package (samples/node) on the 1- and 3-node clusters, before the suites whose
  # fault cases kill and restart brokers (in CI, SCRAM logins to a restarted node were refused
  # for a while after them).
  if [ "$label" = 1node ] || [ "$label" = 3nodes ]; then
    UVK_NODE_SKIP_INSTALL=1 samples/node/run_tests.sh build/test-results/node.xml >&2
    rc=$?
    check_stage node $rc build/test-results/node-stage.xml build/test-results/node.xml
    [ $rc = 0 ] || failed=1
  fi
  for suite in "$@"; do
    run_suite "$suite" || failed=1
  done
  # The Python package (samples/python): its run_tests.sh makes a venv with the pinned test
  # requirements and `pip install`s the package, whose extension links libuvkafka statically
  # (a release build of its own: a sanitizer runtime cannot be loaded into an uninstrumented
  # interpreter).
  if [ "$label" = 1node ]; then
    samples/python/run_tests.sh build/test-results/python.xml >&2
    rc=$?
    check_stage python $rc build/test-results/python-stage.xml build/test-results/python.xml
    [ $rc = 0 ] || failed=1
  fi
  [ $failed = 0 ] || show_broker_logs
  for b in "${BUILDS[@]}"; do
    mkdir -p "$b/test-results/round-$label"
    for f in "$b"/test-results/*.xml; do
      [ -f "$f" ] && [ "$f" -nt "$marker" ] && mv "$f" "$b/test-results/round-$label/"
    done
    for suite in "$@"; do
      for f in "$b"/meson-logs/testlog-"$suite".json; do
        [ -f "$f" ] && mv "$f" "$b/test-results/round-$label/"
      done
    done
  done
  rm -f "$marker"
}

if [ -x test/kafka/cluster.sh ]; then
  stage "Kafka 1 node: harness and integration suites"
  if cluster_up --nodes 1; then
    # Each integration suite runs once per cluster shape (CI time): the normal build on 1 node,
    # the AddressSanitizer + UBSan build on 3 nodes (where leaders move and brokers die).
    ALL_BUILDS=("${BUILDS[@]}")
    BUILDS=(build)
    integration_round 1node integration
    BUILDS=("${ALL_BUILDS[@]}")
  else
    fatal "the Kafka test cluster (1 node) did not start"
  fi

  stage "Kafka 3 nodes: harness and integration suites"
  if cluster_up --nodes 3; then
    # The full 100,000-message codec x acks matrix runs on 1 node; on 3 nodes (replication
    # factor 3) a smaller stream checks the same things and keeps CI under its time budget.
    ALL_BUILDS=("${BUILDS[@]}")
    BUILDS=("${ALL_BUILDS[-1]}")  # build-asan (build when UVK_SKIP_ASAN=1)
    UVK_TEST_PRODUCE_MESSAGES=${UVK_TEST_PRODUCE_MESSAGES_3NODES:-20000} \
      integration_round 3nodes integration integration3
    BUILDS=("${ALL_BUILDS[@]}")
    # The chaos soak (test/chaos/soak.py): idempotent producers, a consumer group and two
    # transactional pipelines under a randomized nemesis, then the checker; a fixed seed and a
    # random one (printed, so a failure can be run again). 55 s of faults each: the pipelines'
    # catch-up after the last fault costs about 20 s a run (docs/reliability.md), so the stage
    # should take what its 75 s runs without them took. Last on this cluster: it kills and
    # restarts its brokers.
    for seed in 20261206 random; do
      chaos_args=(--build build --seconds "${UVK_CHAOS_SECONDS:-55}"
                  --junit "build/test-results/chaos-$seed.xml")
      [ "$seed" = random ] || chaos_args+=(--seed "$seed")
      test/chaos/soak.py "${chaos_args[@]}" >&2
      check_stage chaos $? "build/test-results/chaos-$seed-stage.xml" "build/test-results/chaos-$seed.xml"
    done
  else
    fatal "the Kafka test cluster (3 nodes) did not start"
  fi

  if [ -n "${UVK_COMPAT_VERSION:-3.9.1}" ]; then
    stage "Kafka ${UVK_COMPAT_VERSION:-3.9.1} (older protocol versions), 1 node"
    if cluster_up --nodes 1 --version "${UVK_COMPAT_VERSION:-3.9.1}"; then
      # Last on this cluster: the rebootstrap suite replaces it with a fresh one on the same ports.
      # The older protocol on the normal build only (the ASan build ran every integration suite
      # on the 3-node round).
      ALL_BUILDS=("${BUILDS[@]}")
      BUILDS=(build)
      integration_round compat compat rebootstrap
      BUILDS=("${ALL_BUILDS[@]}")
    else
      fatal "the Kafka ${UVK_COMPAT_VERSION:-3.9.1} test cluster did not start"
    fi
  fi
  cluster_down
else
  fatal "test/kafka/cluster.sh is missing: integration tests cannot run"
fi

# ---------------------------------------------------------------------------
stage "summary"
log "total time $(( $(date +%s) - T0 )) s; by stage:"
printf '%s\n' "${STAGE_TIMES[@]}" >&2
summary=$(python3 test/lib/summarize.py "${BUILDS[@]}" $TSAN_BUILD)
rc=$?
if [ "$FATAL" = 1 ]; then
  rc=1
  # A stage that could not run counts as a failure, so it can never look green.
  last=$(printf '%s\n' "$summary" | tail -n 1)
  passed=${last%% passed*}
  rest=${last#*, }
  nfailed=${rest%% failed*}
  tail_part=${rest#* failed}
  distinct=$(printf '%s\n' "$summary" | tail -n 2 | head -n 1)
  summary=$(printf '%s\n' "$summary" | sed '$d' | sed '$d'
            printf 'FAILED: a stage could not run (see FATAL above)\n%s\n%s passed, %s failed%s\n' \
              "$distinct" "$passed" "$((nfailed + 1))" "$tail_part")
fi
printf '%s\n' "$summary"
exit $rc
