// The uvk tool (samples/uvk.c) as a user runs it: `uvk produce` from stdin, read back by
// kcat; exit codes 0 (all acknowledged), 1 (failure, cause on stderr), 2 (usage).
// Needs UVK_TEST_BROKERS, kcat, and UVK_CLI (set by meson to the built tool).
#include <catch2/catch.hpp>

#include <stdio.h>
#include <stdlib.h>
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
  CHECK(dead.out.find("FAILED: number of retries exceeded: connection failed") != std::string::npos);
}
