// The uvk tool (samples/uvk.c) as a user runs it: `uvk produce` from stdin, read back by
// kcat; exit codes 0 (all acknowledged), 1 (failure, cause on stderr), 2 (usage).
// Needs UVK_TEST_BROKERS, kcat, and UVK_CLI (set by meson to the built tool).
#include <catch2/catch.hpp>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <uv.h>

#include <string>

namespace {

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

struct Run {
  int status;
  std::string out;
};

Run sh(const std::string &cmd) {
  FILE *f = popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(f);
  Run r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
  int st = pclose(f);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace

TEST_CASE("uvk produce: stdin lines with keys and headers, read back by kcat", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
  std::string topic = "uvk-it-cli-" + std::to_string(uv_hrtime());
  Run p = sh("seq 1 2000 | sed 's/^/key-/;s/$/|value/' | '" + env("UVK_CLI") + "' produce -b '" +
             env("UVK_TEST_BROKERS") + "' -t " + topic + " -K '|' -H origin=cli -H origin=again --compression gzip");
  INFO(p.out);
  REQUIRE(p.status == 0);
  CHECK(p.out.find("2000 message(s) acknowledged") != std::string::npos);
  Run k = sh("kcat -C -q -e -b '" + env("UVK_TEST_BROKERS") + "' -t " + topic + " -f '%k %s %h\\n' | sort | uniq -c | wc -l");
  CHECK(k.out == "2000\n");
  Run one = sh("kcat -C -q -e -b '" + env("UVK_TEST_BROKERS") + "' -t " + topic + " -f '%k %s %h\\n' | grep '^key-777 '");
  CHECK(one.out == "key-777 value origin=cli,origin=again\n");
}

TEST_CASE("uvk produce: exit codes", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  Run usage = sh("'" + env("UVK_CLI") + "' produce -t x");
  CHECK(usage.status == 2);
  CHECK(usage.out.find("usage: uvk produce") != std::string::npos);
  Run bad_opt = sh("echo x | '" + env("UVK_CLI") + "' produce -b 127.0.0.1:1 -t x -X no.such.key=1");
  CHECK(bad_opt.status == 2);
  Run dead = sh("echo x | '" + env("UVK_CLI") + "' produce -b 127.0.0.1:1 -t x -X retry.retries=1 -X "
                "retry.initialRetryTime=10 -X logLevel=NOTHING");
  CHECK(dead.status == 1);
  CHECK(dead.out.find("FAILED: number of retries exceeded: connection ") != std::string::npos);
}

TEST_CASE("uvk consume: reads back what uvk produce wrote, with -e, -c and -f", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
  std::string cli = "'" + env("UVK_CLI") + "'", b = "'" + env("UVK_TEST_BROKERS") + "'";
  std::string topic = "uvk-it-cli-consume-" + std::to_string(uv_hrtime());
  Run p = sh("seq 1 3000 | sed 's/^/k/;s/$/|v/' | " + cli + " produce -b " + b + " -t " + topic + " -K '|' --idempotent");
  INFO(p.out);
  REQUIRE(p.status == 0);
  // -e: everything, then exit; one line per message in the format asked for.
  Run all = sh(cli + " consume -b " + b + " -t " + topic + " --from-beginning -e -X logLevel=NOTHING -f '%k=%v\\n' "
               "2>/dev/null | sort -u | wc -l");
  CHECK(all.out == "3000\n");
  Run one = sh(cli + " consume -b " + b + " -t " + topic + " --from-beginning -e -X logLevel=NOTHING -f '%k=%v %t\\n' "
               "2>/dev/null | grep '^k1234='");
  CHECK(one.out == "k1234=v " + topic + "\n");
  // -c with a group: stops after 100; the same group then goes on from there.
  std::string group = "uvk-it-cli-group-" + std::to_string(uv_hrtime());
  Run first = sh(cli + " consume -b " + b + " -t " + topic + " -g " + group + " --from-beginning -c 100 -X logLevel=NOTHING");
  CHECK(first.status == 0);
  CHECK(first.out.find("100 message(s)") != std::string::npos);
  // --assigner cooperative-sticky (KIP-429) with -v: the listener's calls on stderr, the
  // assignment when it joins and the revoke when it stops.
  std::string coop = "uvk-it-cli-coop-" + std::to_string(uv_hrtime());
  Run c = sh("{ " + cli + " consume -b " + b + " -t " + topic + " -g " + coop +
             " --assigner cooperative-sticky -v --from-beginning -c 100 -X logLevel=NOTHING 2>&1 >/dev/null; }");
  INFO(c.out);
  CHECK(c.status == 0);
  size_t assigned = c.out.find("% Rebalance: assigned " + topic + ":0");
  CHECK(assigned != std::string::npos);
  CHECK(c.out.find("% Rebalance: revoked " + topic + ":0", assigned) != std::string::npos);
  // --from-beginning only counts where the group has no offset yet (KafkaJS).
  Run rest = sh(cli + " consume -b " + b + " -t " + topic + " -g " + group +
                " --from-beginning -e -X logLevel=NOTHING 2>&1 | tail -1");
  CHECK(rest.out.find("2900 message(s)") != std::string::npos);
}

TEST_CASE("uvk consume: exit codes", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  Run usage = sh("'" + env("UVK_CLI") + "' consume -t x");
  CHECK(usage.status == 2);
  CHECK(usage.out.find("usage: uvk consume") != std::string::npos);
  Run bad = sh("'" + env("UVK_CLI") + "' consume -b 127.0.0.1:1 -t x --assigner nope");
  CHECK(bad.status == 2);
}

namespace {

// The last line of `out` when it is one flat JSON object; "" otherwise.
std::string last_json_line(const std::string &out) {
  size_t end = out.find_last_not_of('\n');
  if (end == std::string::npos) return "";
  size_t start = out.rfind('\n', end);
  std::string line = out.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
  if (line.size() < 2 || line.front() != '{' || line.back() != '}') return "";
  return line;
}

// The value of a numeric (or null) field of a flat JSON object; NAN when absent.
double json_number(const std::string &obj, const std::string &key) {
  size_t k = obj.find("\"" + key + "\":");
  if (k == std::string::npos) return NAN;
  const char *v = obj.c_str() + k + key.size() + 3;
  if (strncmp(v, "null", 4) == 0) return -1;
  char *end = nullptr;
  double d = strtod(v, &end);
  return end == v ? NAN : d;
}

}  // namespace

TEST_CASE("uvk perf: produce and consume print one valid JSON line", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  std::string topic = "uvk-it-perf-" + std::to_string(time(nullptr)) + "-" + std::to_string(getpid());
  std::string base = "'" + env("UVK_CLI") + "' perf ";
  Run prod = sh(base + "produce -b " + env("UVK_TEST_BROKERS") + " -t " + topic + " -n 3000 -s 64 --acks -1");
  INFO(prod.out);
  REQUIRE(prod.status == 0);
  std::string pj = last_json_line(prod.out);
  REQUIRE_FALSE(pj.empty());
  CHECK(pj.find("\"client\":\"uvkafka ") != std::string::npos);
  CHECK(pj.find("\"mode\":\"produce\"") != std::string::npos);
  CHECK(json_number(pj, "msgs") == 3000);
  CHECK(json_number(pj, "failed") == 0);
  for (const char *k : {"seconds", "msgs_per_sec", "mb_per_sec", "cpu_s", "max_rss_kb", "p50_ms", "p99_ms", "p999_ms"}) {
    INFO(k);
    CHECK(json_number(pj, k) >= 0);
  }
  for (const char *each : {"batch", "message"}) {
    Run cons = sh(base + "consume -b " + env("UVK_TEST_BROKERS") + " -t " + topic + " -n 3000 --each " + each);
    INFO(cons.out);
    REQUIRE(cons.status == 0);
    std::string cj = last_json_line(cons.out);
    REQUIRE_FALSE(cj.empty());
    CHECK(cj.find(std::string("\"mode\":\"consume-") + each + "\"") != std::string::npos);
    CHECK(json_number(cj, "msgs") >= 3000);
    CHECK(json_number(cj, "p99_ms") >= 0);  // the producer's timestamps were read back
  }
  Run usage = sh(base + "produce -t x");
  CHECK(usage.status == 2);
  CHECK(usage.out.find("usage: uvk perf") != std::string::npos);
  // --stats-ms: statistics documents on stderr, one per line; the result stays stdout's last line.
  std::string stats_file = "/tmp/uvk-it-perf-stats-" + std::to_string(getpid()) + ".txt";
  Run st = sh("(" + base + "produce -b " + env("UVK_TEST_BROKERS") + " -t " + topic +
              " -n 20000 -s 64 --acks -1 --rate 20000 --stats-ms 50 2>" + stats_file + ")");
  INFO(st.out);
  REQUIRE(st.status == 0);
  CHECK(json_number(last_json_line(st.out), "msgs") == 20000);
  Run lines = sh("cat " + stats_file + "; rm -f " + stats_file);
  size_t docs = 0, at = 0;
  double txmsgs = -1;
  while (at < lines.out.size()) {
    size_t nl = lines.out.find('\n', at);
    std::string line = lines.out.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    at = nl == std::string::npos ? lines.out.size() : nl + 1;
    if (line.empty()) continue;
    INFO(line);
    CHECK(line.rfind("{\"name\":\"uvkafka#producer-", 0) == 0);
    CHECK(line.back() == '}');
    double t = json_number(line, "txmsgs");
    CHECK(t >= txmsgs);  // a counter: never goes back
    txmsgs = t;
    docs++;
  }
  CHECK(docs >= 2);  // about a second of sending at 50 ms
  CHECK(txmsgs > 0);
}

TEST_CASE("uvk topics and uvk groups: create, list, describe, offsets, reset, delete; exit codes", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
  std::string cli = "'" + env("UVK_CLI") + "'", b = " -b '" + env("UVK_TEST_BROKERS") + "' -X logLevel=NOTHING";
  std::string topic = "uvk-it-cli-topics-" + std::to_string(uv_hrtime());
  Run create = sh(cli + " topics create" + b + " -t " + topic + " --partitions 3 --config retention.ms=3600000");
  INFO(create.out);
  REQUIRE(create.status == 0);
  CHECK(create.out == "created " + topic + "\n");
  Run again = sh(cli + " topics create" + b + " -t " + topic);
  CHECK(again.status == 1);
  CHECK(again.out.find("already exists") != std::string::npos);
  Run bad = sh(cli + " topics create" + b + " -t " + topic + "-bad --config retention.ms=soon");
  CHECK(bad.status == 1);
  CHECK(bad.out.find("INVALID_CONFIG") != std::string::npos);
  // (the broker answering may learn of the new topic a moment after the one that created it:
  // ask again, paced, a bounded number of times)
  Run list = sh("for i in $(seq 50); do " + cli + " topics list" + b + " | grep -x " + topic +
                " && break; sleep 0.1; done");
  CHECK(list.out == topic + "\n");
  Run json = sh(cli + " topics describe" + b + " -t " + topic + " --json");
  CHECK(json.status == 0);
  CHECK(json.out.find("\"topic\":\"" + topic + "\"") != std::string::npos);
  CHECK(json.out.find("\"partition\":2") != std::string::npos);
  Run table = sh(cli + " topics describe" + b + " -t " + topic + " | grep -c '^" + topic + " '");
  CHECK(table.out == "3\n");

  // A group with committed offsets, read and reset through uvk groups.
  Run p = sh("seq 1 30 | " + cli + " produce" + b + " -t " + topic);
  REQUIRE(p.status == 0);
  std::string group = "uvk-it-cli-groups-" + std::to_string(uv_hrtime());
  Run c = sh(cli + " consume" + b + " -t " + topic + " -g " + group + " --from-beginning -e > /dev/null");
  REQUIRE(c.status == 0);
  Run offsets = sh(cli + " groups offsets" + b + " -g " + group + " --json");
  CHECK(offsets.status == 0);
  CHECK(offsets.out.find("\"topic\":\"" + topic + "\"") != std::string::npos);
  Run sum = sh(cli + " groups offsets" + b + " -g " + group + " | awk 'NR > 1 { s += $3 } END { print s }'");
  CHECK(sum.out == "30\n");
  Run reset = sh(cli + " groups offsets" + b + " -g " + group + " --reset earliest -t " + topic +
                 " | awk 'NR > 1 { s += $3 } END { print s }'");
  CHECK(reset.status == 0);
  CHECK(reset.out == "0\n");
  Run groups = sh(cli + " groups list" + b + " | grep '^" + group + " '");
  CHECK(groups.out.find("Empty") != std::string::npos);
  Run describe = sh(cli + " groups describe" + b + " -g " + group);
  CHECK(describe.status == 0);
  CHECK(describe.out.find("state Empty") != std::string::npos);

  Run del = sh(cli + " topics delete" + b + " -t " + topic);
  CHECK(del.status == 0);
  CHECK(del.out == "deleted " + topic + "\n");
  Run gone = sh(cli + " topics delete" + b + " -t " + topic);
  CHECK(gone.status == 1);
  CHECK(gone.out.find("UNKNOWN_TOPIC_OR_PARTITION") != std::string::npos);
  Run usage = sh(cli + " topics create" + b);
  CHECK(usage.status == 2);
  Run usage2 = sh(cli + " groups offsets" + b + " -g x --reset sideways -t y");
  CHECK(usage2.status == 2);
}

TEST_CASE("samples: the C++ wrapper round trip (samples/cpp_roundtrip.cc) gets every message back", "[integration]") {
  REQUIRE_FALSE(env("UVK_CPP_ROUNDTRIP").empty());
  REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
  Run r = sh("'" + env("UVK_CPP_ROUNDTRIP") + "' '" + env("UVK_TEST_BROKERS") + "' 2000");
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("produced 2000 messages") != std::string::npos);
  CHECK(r.out.find("consumed 2000 messages (0 duplicates)") != std::string::npos);
}

namespace {
// The integer after "\"name\":" in a one-line JSON object, or -1.
long json_int(const std::string &json, const std::string &name) {
  size_t at = json.find("\"" + name + "\":");
  if (at == std::string::npos) return -1;
  return strtol(json.c_str() + at + name.size() + 3, nullptr, 10);
}
}  // namespace

TEST_CASE("samples: the game server (60 Hz tick, producer and consumer on one loop) reads back every event once",
          "[integration]") {
  REQUIRE_FALSE(env("UVK_GAME_SERVER").empty());
  REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
  Run r = sh("'" + env("UVK_GAME_SERVER") + "' '" + env("UVK_TEST_BROKERS") + "' 200 180");
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK(json_int(r.out, "ticks") == 180);
  CHECK(json_int(r.out, "produced") == 200 * 120);
  CHECK(json_int(r.out, "acked") == 200 * 120);
  CHECK(json_int(r.out, "consumed") == 200 * 120);
  CHECK(json_int(r.out, "failed") == 0);
  CHECK(r.out.find("\"tick_late_max_ms\":") != std::string::npos);
}

TEST_CASE("uvk: bash completion offers subcommands, flags and the cluster's topics", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  std::string cli = env("UVK_CLI"), b = env("UVK_TEST_BROKERS");
  std::string topic = "uvk-it-cli-complete-" + std::to_string(uv_hrtime());
  Run p = sh("echo x | '" + cli + "' produce -q -b " + b + " -t " + topic);
  REQUIRE(p.status == 0);
  std::string src = std::string("source '") + UVK_SOURCE_ROOT + "/samples/uvk-completion.bash'; ";
  auto complete = [&](const std::string &words, int cword) {
    return sh("bash -c \"" + src + "COMP_WORDS=(" + words + "); COMP_CWORD=" + std::to_string(cword) +
              "; _uvk; echo \\${COMPREPLY[@]}\"")
        .out;
  };
  CHECK(complete("'" + cli + "' con", 1) == "consume\n");
  CHECK(complete("'" + cli + "' consume --from", 2) == "--from-beginning\n");
  CHECK(complete("'" + cli + "' consume -o b", 3) == "beginning\n");
  CHECK(complete("'" + cli + "' consume -b " + b + " -t " + topic, 5) == topic + "\n");
}

TEST_CASE("uvk consume: a progress line on a terminal's stderr while stdout goes to a file", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  REQUIRE(system("command -v script >/dev/null") == 0);  // util-linux script(1)
  std::string cli = "'" + env("UVK_CLI") + "'", b = env("UVK_TEST_BROKERS");
  std::string topic = "uvk-it-cli-progress-" + std::to_string(uv_hrtime());
  Run p = sh("seq 1 1000 | " + cli + " produce -q -b " + b + " -t " + topic);
  REQUIRE(p.status == 0);
  // script(1) gives uvk a terminal. The line comes once a second: the run lasts three, then
  // SIGINT (timeout keeps uvk's exit status).
  std::string out = "/tmp/" + topic + ".out";
  Run t = sh("script -qec \"timeout --preserve-status -s INT 3 " + cli + " consume -b " + b + " -t " + topic +
             " -X logLevel=WARN -f '%s\\n' > " + out + "\" /dev/null");
  INFO(t.out);
  CHECK(t.status == 0);
  CHECK(t.out.find("message(s) written") != std::string::npos);
  Run lines = sh("wc -l < " + out);
  CHECK(lines.out == "1000\n");
  remove(out.c_str());
}
