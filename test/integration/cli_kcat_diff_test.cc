// kcat and uvk side by side: the same flags against the same topics, the outputs compared
// (sorted where several partitions make the order undefined). kcat consumes in assign mode,
// uvk through a fresh group (both from the beginning unless -o says otherwise); kcat's -J "broker" (uvk does not know it) is left out.
// Needs UVK_TEST_BROKERS (the PLAINTEXT listener), kcat and UVK_CLI.
#include <catch2/catch.hpp>

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <string>
#include <vector>

namespace {

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

std::string sh(const std::string &cmd, int *status = nullptr) {
  FILE *f = popen(cmd.c_str(), "r");
  REQUIRE(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int st = pclose(f);
  if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

size_t count_lines_of(const std::string &s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

std::string unique(const char *what) { return std::string("uvk-it-kcat-") + what + "-" + std::to_string(uv_hrtime()); }

struct Both {
  std::string kcat, uvk;
  int kcat_status = -1, uvk_status = -1;
};

// Consumes `topic` to its end with `flags` through both tools; `post` (a shell filter) after each.
Both consume(const std::string &topic, const std::string &flags, const std::string &post) {
  const std::string b = env("UVK_TEST_BROKERS");
  Both r;
  r.kcat = sh("kcat -C -q -e -b " + b + " -t " + topic + " " + flags + " | " + post, &r.kcat_status);
  r.uvk = sh("'" + env("UVK_CLI") + "' consume -q -e -b " + b + " -t " + topic + " " + flags + " | " + post,
             &r.uvk_status);
  return r;
}

}  // namespace

TEST_CASE("kcat and uvk consume: the same output for every flag both support", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  const std::string b = env("UVK_TEST_BROKERS");
  const std::string topic = unique("consume"), single = unique("single");
  int st = -1;
  // Keys, null keys and values (-Z), headers with a null value, three partitions; written by kcat.
  for (int p = 0; p < 3; p++) {
    sh("seq 1 200 | sed 's/^/k/;s/$/|v/' | kcat -P -b " + b + " -t " + topic + " -p " + std::to_string(p) +
           " -K '|' -H origin=kcat -H empty 2>&1",
       &st);
    REQUIRE(st == 0);
  }
  sh("printf '|only-value\\nonly-key|\\n|\\nq\"uote\\\\back|tab\\there\\n' | kcat -P -b " + b + " -t " + topic +
         " -p 1 -K '|' -Z 2>&1",
     &st);
  REQUIRE(st == 0);
  sh("seq 1 50 | kcat -P -b " + b + " -t " + single + " -p 0 2>&1", &st);
  REQUIRE(st == 0);
  const char *sorted_cases[] = {
      "",
      "-K :",
      "-K '\\t' -D '\\r\\n'",
      "-D '|\\n'",
      "-f 'K=%k KS=%K V=%s VS=%S H=%h O=%o P=%p t=%t %% \\x41 \\\\ \\t|\\n'",
      "-Z -f '%k|%s %h\\n'",
      "-Z -K '='",
      "-u -f '%p %o %T\\n'",
  };
  for (const char *flags : sorted_cases) {
    Both r = consume(topic, flags, "LC_ALL=C sort");
    INFO("flags: " << flags);
    CHECK(r.kcat_status == 0);
    CHECK(r.uvk_status == 0);
    CHECK(r.kcat.size() > 1000);
    CHECK(r.uvk == r.kcat);
  }
  Both j = consume(topic, "-J", "sed 's/\"broker\":[-0-9]*,//' | LC_ALL=C sort");
  CHECK(j.kcat.size() > 1000);
  CHECK(j.uvk == j.kcat);
  // One partition: the order is defined, -c takes the same first messages.
  for (const char *flags : {"-c 7", "-c 7 -f '%o:%s\\n'", "-f '%o %s\\n'"}) {
    Both r = consume(single, flags, "cat");
    INFO("flags: " << flags);
    CHECK(r.uvk_status == 0);
    CHECK_FALSE(r.kcat.empty());
    CHECK(r.uvk == r.kcat);
  }
}

TEST_CASE("kcat and uvk produce: the same messages for every flag both support", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  const std::string b = env("UVK_TEST_BROKERS");
  const std::string input = "/tmp/" + unique("input");
  sh("printf 'a|1\\n|2\\nc|\\n\\nplain\\nd|x|y\\n' > " + input);
  const char *cases[] = {
      "-p 0",
      "-p 1 -K '|'",
      "-p 2 -K '|' -Z",
      "-p 0 -k fixed-key",
      "-p 0 -H a=1 -H b -H a=2",
      "-p 0 -D '|'",
      "-p 1 -K '|' -T",
      "-p 0 -K '|' -X transactional.id=ID",  // one transaction, read back read_committed below
  };
  // What a partition holds, with where and when left out: keys, values, headers, order.
  const std::string read_back = "kcat -C -q -e -J -X isolation.level=read_committed -b " + b + " -t ";
  const std::string strip = " | sed 's/\"topic\":\"[^\"]*\",//;s/\"ts\":[0-9]*,//;s/\"broker\":[-0-9]*,//'";
  for (const char *flags : cases) {
    INFO("flags: " << flags);
    std::string tk = unique("pk"), tu = unique("pu");
    int sk = -1, su = -1;
    std::string fk = flags, fu = flags;
    size_t id = fk.find("=ID");
    if (id != std::string::npos) {
      fk.replace(id + 1, 2, tk);
      fu.replace(id + 1, 2, tu);
    }
    std::string ek = sh("kcat -P -b " + b + " -t " + tk + " " + fk + " -l " + input + " 2>/dev/null", &sk);
    std::string eu = sh("'" + env("UVK_CLI") + "' produce -q -b " + b + " -t " + tu + " " + fu + " -l " + input +
                            " 2>/dev/null",
                        &su);
    CHECK(sk == 0);
    CHECK(su == 0);
    // -T: kcat 1.7 echoes the messages back to back, uvk ends each with the delimiter.
    CHECK(eu.size() == ek.size() + (eu.empty() ? 0 : 5));
    std::string k = sh(read_back + tk + strip), u = sh(read_back + tu + strip);
    CHECK_FALSE(k.empty());
    CHECK(u == k);
  }
  // Files named on the command line: each one whole is a message, -K does not split it.
  std::string tk = unique("fk"), tu = unique("fu");
  int sk = -1, su = -1;
  sh("kcat -P -b " + b + " -t " + tk + " -p 0 -K '|' " + input + " " + input + " 2>/dev/null", &sk);
  sh("'" + env("UVK_CLI") + "' produce -q -b " + b + " -t " + tu + " -p 0 -K '|' " + input + " " + input, &su);
  CHECK(sk == 0);
  CHECK(su == 0);
  std::string k = sh(read_back + tk + strip), u = sh(read_back + tu + strip);
  CHECK(count_lines_of(k) == 2);
  CHECK(u == k);
  remove(input.c_str());
}

TEST_CASE("kcat and uvk consume: the same start with -o N, -N, s@TS, end and one partition with -p", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  const std::string b = env("UVK_TEST_BROKERS"), cli = "'" + env("UVK_CLI") + "'";
  const std::string topic = unique("start");
  int st = -1;
  sh(cli + " topics create -b " + b + " -t " + topic + " --partitions 3", &st);
  REQUIRE(st == 0);
  // Two rounds a moment apart, so a timestamp splits them.
  for (int round = 0; round < 2; round++) {
    for (int p = 0; p < 3; p++) {
      sh("seq 1 20 | sed 's/^/r" + std::to_string(round) + "-/' | kcat -P -b " + b + " -t " + topic + " -p " +
             std::to_string(p) + " 2>&1",
         &st);
      REQUIRE(st == 0);
    }
    if (round == 0) usleep(20000);
  }
  std::string ts = sh("kcat -C -q -b " + b + " -t " + topic + " -p 0 -o 20 -c 1 -f '%T'");
  REQUIRE_FALSE(ts.empty());
  for (const std::string &flags : std::vector<std::string>{"-o 5", "-o -3", "-o -100", "-o s@" + ts, "-o end", "-o beginning", "-p 1",
                            "-p 2 -o -3", "-p 0 -o s@" + ts, "-p 1 -o 35",
                                                            "-o e@" + ts, "-o 3 -o e@" + ts, "-p 1 -o e@" + ts}) {
    Both r = consume(topic, flags + " -f '%p %o %s\\n'", "LC_ALL=C sort");
    INFO("flags: " << flags);
    CHECK(r.kcat_status == 0);
    CHECK(r.uvk_status == 0);
    CHECK(r.uvk == r.kcat);
  }  // -Q / uvk query: offsets for a time, in text and JSON; -1 past the last message; exit 1
  // for a partition that does not exist.
  const std::string t = " -t " + topic + ":";
  for (const std::string &args : std::vector<std::string>{t + "0:" + ts + t + "1:" + ts + t + "2:0",
                                                          t + "0:" + ts + t + "2:5 -J", t + "1:99999999999999",
                                                          t + "7:0"}) {
    int sk = -1, su = -1;
    std::string k = sh("kcat -Q -b " + b + args + " 2>/dev/null", &sk);
    std::string u = sh(cli + " query -b " + b + args + " 2>/dev/null", &su);
    INFO("args: " << args);
    CHECK(su == sk);
    CHECK(u == k);
  }
}

TEST_CASE("kcat and uvk: one properties file (-F, librdkafka's key names) serves both; UVK_CONFIG", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  const std::string cli = "'" + env("UVK_CLI") + "'", topic = unique("props");
  const std::string props = "/tmp/" + unique("props") + ".properties";
  FILE *f = fopen(props.c_str(), "w");
  REQUIRE(f);
  fprintf(f, "# as kcat reads it\nbootstrap.servers=%s\nclient.id=props-test\nlinger.ms=5\nfetch.wait.max.ms=100\n",
          env("UVK_TEST_BROKERS").c_str());
  fclose(f);
  int st = -1;
  sh("seq 1 30 | kcat -P -F " + props + " -t " + topic + " -p 0 2>&1", &st);
  REQUIRE(st == 0);
  sh("seq 31 60 | " + cli + " produce -q -F " + props + " -t " + topic + " -p 0 2>&1", &st);
  REQUIRE(st == 0);
  std::string k = sh("kcat -C -q -e -F " + props + " -t " + topic + " -f '%o %s\\n' 2>/dev/null");
  std::string u = sh(cli + " consume -q -e -o beginning -F " + props + " -t " + topic + " -f '%o %s\\n'");
  CHECK(count_lines_of(k) == 60);
  CHECK(u == k);
  std::string e = sh("UVK_CONFIG=" + props + " " + cli + " consume -q -e -o beginning -t " + topic + " -f '%o %s\\n'");
  CHECK(e == k);
  // SASL in librdkafka's spelling (uvk only: Debian's kcat fails SCRAM against Kafka 4).
  if (!env("UVK_TEST_SASL_PLAINTEXT_BROKERS").empty()) {
    std::string sasl = sh(cli + " consume -q -e -o beginning -t " + topic + " -f '%o %s\\n' -X bootstrap.servers=" +
                          env("UVK_TEST_SASL_PLAINTEXT_BROKERS") +
                          " -X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=SCRAM-SHA-256 -X sasl.username=" +
                          env("UVK_TEST_USER") + " -X sasl.password=" + env("UVK_TEST_PASSWORD"));
    CHECK(sasl == k);
  }
  remove(props.c_str());
}

TEST_CASE("kcat -L and uvk metadata: the same brokers, topics, partitions, leaders, replicas and ISRs", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  const std::string b = env("UVK_TEST_BROKERS"), cli = "'" + env("UVK_CLI") + "'", topic = unique("meta");
  int st = -1;
  sh(cli + " topics create -b " + b + " -t " + topic + " --partitions 5", &st);
  REQUIRE(st == 0);
  // uvk does not know which broker answered: kcat's "(from broker ...)" / "originating_broker" go.
  // Nor is the controller compared: a KRaft broker names a random live broker in each answer.
  const std::string no_ctl = " | sed -e 's/ (controller)//' -e 's/\"controllerid\":[-0-9]*,//'";
  std::string k = sh("kcat -L -b " + b + " -t " + topic + " | sed 's/ (from broker [^)]*)//'" + no_ctl);
  std::string u = sh(cli + " metadata -b " + b + " -t " + topic + no_ctl, &st);
  CHECK(st == 0);
  CHECK(k.find("partition 4, leader") != std::string::npos);
  CHECK(u == k);
  k = sh("kcat -L -J -b " + b + " -t " + topic + " | sed 's/\"originating_broker\":{[^}]*},//'" + no_ctl);
  u = sh(cli + " metadata -J -b " + b + " -t " + topic + no_ctl);
  CHECK(u == k);
  // Every topic (other tests create topics meanwhile): the same brokers, and this topic.
  k = sh("kcat -L -b " + b + " | grep -e '^  broker' -e '\"" + topic + "\"'" + no_ctl);
  u = sh(cli + " metadata -b " + b + " | grep -e '^  broker' -e '\"" + topic + "\"'" + no_ctl);
  CHECK(k.find(topic) != std::string::npos);
  CHECK(u == k);
}
