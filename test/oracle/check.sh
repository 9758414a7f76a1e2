#!/usr/bin/env bash
# The two-way checks that need our build and the JVM together (the test command runs this
# after the unit suites):
#   1. every message the Java client wrote, as WE decoded it, compared field by field with
#      the values Java was given                     -> RESULTS/oracle-fields.xml
#   2. the Java client reads the record batches WE wrote, every codec, and checks CRCs and
#      every record                                  -> RESULTS/oracle-java-reads-ours.xml
#
#   test/oracle/check.sh BUILD_DIR ORACLE_DIR RESULTS_DIR
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${1:?usage: check.sh BUILD_DIR ORACLE_DIR RESULTS_DIR}
ORACLE=${2:?}
RESULTS=${3:?}
TOOL=$BUILD/test/unit/proto_oracle/oracle_tool
rc=0
mkdir -p "$RESULTS"
"$TOOL" decoded-json "$ORACLE/messages.txt" "$ORACLE/decoded.txt" || rc=1
python3 "$HERE/compare_fields.py" "$ORACLE/samples" "$ORACLE/decoded.txt" "$RESULTS/oracle-fields.xml" || rc=1
"$TOOL" records-out "$ORACLE/records.txt" "$ORACLE/ours-records.txt" || rc=1
java -cp "$ORACLE/classes:$(cat "$ORACLE/records-classpath")" Oracle verify-records \
  "$ORACLE/ours-records.txt" "$RESULTS/oracle-java-reads-ours.xml" 2>&1 | grep -v '^SLF4J' >&2
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
exit $rc
