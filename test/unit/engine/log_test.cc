#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string>
#include <vector>

#include "engine/log.h"

using namespace uvk;

namespace {

struct Sink {
  std::string out;
  int writes = 0;
};
void sink_write(void *ud, const char *d, size_t n) {
  auto *s = static_cast<Sink *>(ud);
  s->out.append(d, n);
  s->writes++;
}
int64_t fixed_clock(void *) { return 1514554794575;  /* 2017-12-29T13:39:54.575Z */ }

struct Entry {
  std::string ns, label, ts, msg;
  int level;
  std::vector<std::string> extra;
};
void cb(void *ud, const char *ns, int level, const char *label, const char *ts, const char *msg,
        const char *const *extra, size_t n) {
  Entry e{ns, label, ts, msg, level, {}};
  for (size_t i = 0; i < 2 * n; i++) e.extra.push_back(extra[i]);
  static_cast<std::vector<Entry> *>(ud)->push_back(e);
}

struct EnvGuard {
  EnvGuard(const char *v) {
    if (v)
      setenv("UVKAFKA_LOG_LEVEL", v, 1);
    else
      unsetenv("UVKAFKA_LOG_LEVEL");
  }
  ~EnvGuard() { unsetenv("UVKAFKA_LOG_LEVEL"); }
};

// Counts allocations so a test can prove the filtered path allocates nothing.
size_t g_allocs = 0;
void *count_malloc(void *, size_t n) { g_allocs++; return malloc(n); }
void *count_realloc(void *, void *p, size_t n) { g_allocs++; return realloc(p, n); }
void count_free(void *, void *p) { free(p); }

int g_evaluated = 0;
const char *side_effect() { g_evaluated++; return "x"; }

}  // namespace

TEST_CASE("log: levels and names are KafkaJS's", "[log]") {
  CHECK(UVK_LOG_NOTHING == 0);
  CHECK(UVK_LOG_ERROR == 1);
  CHECK(UVK_LOG_WARN == 2);
  CHECK(UVK_LOG_INFO == 4);
  CHECK(UVK_LOG_DEBUG == 5);
  int lv = -1;
  CHECK(log_level_parse("debug", &lv));
  CHECK(lv == UVK_LOG_DEBUG);
  CHECK(log_level_parse("Warn", &lv));
  CHECK(lv == UVK_LOG_WARN);
  CHECK(log_level_parse("0", &lv));
  CHECK(lv == UVK_LOG_NOTHING);
  CHECK_FALSE(log_level_parse("3", &lv));
  CHECK_FALSE(log_level_parse("verbose", &lv));
  CHECK_FALSE(log_level_parse("", &lv));
  CHECK_FALSE(log_level_parse(nullptr, &lv));
  CHECK(std::string(log_level_label(UVK_LOG_INFO)) == "INFO");
  CHECK(log_level_label(3) == nullptr);
}

TEST_CASE("log: the default sink writes one KafkaJS-style JSON line", "[log]") {
  EnvGuard env(nullptr);
  Logger l;
  log_init(&l, UVK_LOG_INFO, nullptr, nullptr, nullptr);
  Sink s;
  l.write = sink_write;
  l.wud = &s;
  l.clock = fixed_clock;
  LogField f[] = {{"broker", "k1:9092", false}, {"retryCount", "3", true}};
  UVK_LOG_FIELDS(&l, UVK_LOG_INFO, "Connection", f, 2, "connected in %d ms", 12);
  CHECK(s.out ==
        "{\"level\":\"INFO\",\"timestamp\":\"2017-12-29T13:39:54.575Z\",\"logger\":\"uvkafka\","
        "\"namespace\":\"Connection\",\"message\":\"connected in 12 ms\",\"broker\":\"k1:9092\","
        "\"retryCount\":3}\n");
  CHECK(s.writes == 1);
}

TEST_CASE("log: entries below the level are dropped without evaluating or allocating", "[log]") {
  EnvGuard env(nullptr);
  Allocator a{count_malloc, count_realloc, count_free, nullptr};
  Logger l;
  log_init(&l, UVK_LOG_WARN, nullptr, nullptr, &a);
  Sink s;
  l.write = sink_write;
  l.wud = &s;
  g_allocs = 0;
  g_evaluated = 0;
  UVK_LOG(&l, UVK_LOG_INFO, "Cluster", "%s", side_effect());
  UVK_LOG(&l, UVK_LOG_DEBUG, "Cluster", "%s", side_effect());
  CHECK(g_evaluated == 0);
  CHECK(g_allocs == 0);
  CHECK(s.out.empty());
  UVK_LOG(&l, UVK_LOG_ERROR, "Cluster", "%s", side_effect());
  CHECK(g_evaluated == 1);
  CHECK(g_allocs == 0);  // short messages use the stack
  CHECK(s.out.find("\"level\":\"ERROR\"") != std::string::npos);

  log_init(&l, UVK_LOG_NOTHING, nullptr, nullptr, &a);
  s.out.clear();
  UVK_LOG(&l, UVK_LOG_ERROR, "Cluster", "nothing");
  CHECK(s.out.empty());
}

TEST_CASE("log: UVKAFKA_LOG_LEVEL overrides the configured level", "[log]") {
  Logger l;
  {
    EnvGuard env("debug");
    log_init(&l, UVK_LOG_ERROR, nullptr, nullptr, nullptr);
    CHECK(l.level == UVK_LOG_DEBUG);
  }
  {
    EnvGuard env("NOTHING");
    log_init(&l, UVK_LOG_INFO, nullptr, nullptr, nullptr);
    CHECK(l.level == UVK_LOG_NOTHING);
  }
  {
    EnvGuard env("2");
    log_init(&l, UVK_LOG_INFO, nullptr, nullptr, nullptr);
    CHECK(l.level == UVK_LOG_WARN);
  }
  {
    EnvGuard env("loud");  // not a level: ignored
    log_init(&l, UVK_LOG_ERROR, nullptr, nullptr, nullptr);
    CHECK(l.level == UVK_LOG_ERROR);
  }
}

TEST_CASE("log: the callback gets namespace, level, label, message and extra pairs", "[log]") {
  EnvGuard env(nullptr);
  std::vector<Entry> got;
  Logger l;
  log_init(&l, UVK_LOG_DEBUG, cb, &got, nullptr);
  l.clock = fixed_clock;
  LogField f[] = {{"topic", "t1", false}, {"partition", "4", true}};
  UVK_LOG_FIELDS(&l, UVK_LOG_WARN, "Consumer", f, 2, "lag %d", 7);
  REQUIRE(got.size() == 1);
  CHECK(got[0].ns == "Consumer");
  CHECK(got[0].level == UVK_LOG_WARN);
  CHECK(got[0].label == "WARN");
  CHECK(got[0].ts == "2017-12-29T13:39:54.575Z");
  CHECK(got[0].msg == "lag 7");
  CHECK(got[0].extra == std::vector<std::string>{"topic", "t1", "partition", "4"});
}

TEST_CASE("log: JSON escaping covers quotes, controls and invalid UTF-8", "[log]") {
  EnvGuard env(nullptr);
  Logger l;
  log_init(&l, UVK_LOG_INFO, nullptr, nullptr, nullptr);
  Sink s;
  l.write = sink_write;
  l.wud = &s;
  l.clock = fixed_clock;
  LogField f[] = {{"k\"ey", "a\\b\n\x01", false}};
  UVK_LOG_FIELDS(&l, UVK_LOG_INFO, "N\ts", f, 1, "%s", "q\"\r\b\f caf\xc3\xa9 \xe2\x82\xac \xff\xc3 end");
  CHECK(s.out.find("\"namespace\":\"N\\ts\"") != std::string::npos);
  CHECK(s.out.find("\"message\":\"q\\\"\\r\\b\\f caf\xc3\xa9 \xe2\x82\xac \\ufffd\\ufffd end\"") !=
        std::string::npos);
  CHECK(s.out.find("\"k\\\"ey\":\"a\\\\b\\n\\u0001\"") != std::string::npos);
  // Overlong encodings and surrogates are not valid UTF-8 either.
  JsonOut o;
  std::string out;
  o.write = [](void *ud, const char *d, size_t n) { static_cast<std::string *>(ud)->append(d, n); };
  o.wud = &out;
  const char bad[] = "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xf0\x9f\x98\x80";
  json_put_escaped(&o, bad, sizeof bad - 1);
  json_flush(&o);
  CHECK(out == "\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd|\xf0\x9f\x98\x80");
}

TEST_CASE("log: long messages and long lines are complete", "[log]") {
  EnvGuard env(nullptr);
  Allocator a{count_malloc, count_realloc, count_free, nullptr};
  Logger l;
  log_init(&l, UVK_LOG_INFO, nullptr, nullptr, &a);
  Sink s;
  l.write = sink_write;
  l.wud = &s;
  std::string big(10000, 'x');
  g_allocs = 0;
  UVK_LOG(&l, UVK_LOG_INFO, "ns", "%s!", big.c_str());
  CHECK(g_allocs == 1);
  CHECK(s.out.find(big + "!\"") != std::string::npos);
  CHECK(s.out.back() == '\n');
  CHECK(s.writes > 1);  // streamed in pieces through the fixed buffer
}

TEST_CASE("log: timestamps are ISO-8601 UTC with milliseconds", "[log]") {
  char buf[32];
  log_format_timestamp(0, buf, sizeof buf);
  CHECK(std::string(buf) == "1970-01-01T00:00:00.000Z");
  log_format_timestamp(951782400999, buf, sizeof buf);
  CHECK(std::string(buf) == "2000-02-29T00:00:00.999Z");
}
