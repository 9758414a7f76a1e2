// The producer against the real cluster, checked by a client nobody here wrote: Debian's
// kcat (librdkafka) reads back what we produced, byte for byte, and librdkafka's murmur2
// partitioner says where each key belongs. Needs UVK_TEST_BROKERS and kcat.
#include <catch2/catch.hpp>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "uvkafka/uvkafka.h"
#include "cluster_ctl.h"

namespace {

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

struct Rig {
  uv_loop_t loop;
  uvk_client *client = nullptr;
  uvk_producer *producer = nullptr;
  bool done = false;

  explicit Rig(const char *linger = "0", const char *batch_size = "16384", const char *retries = "5") {
    INFO("UVK_TEST_BROKERS must point at the test cluster (test/kafka/cluster.sh up)");
    REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
    REQUIRE(uv_loop_init(&loop) == 0);
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "clientId", "uvk-producer-it", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "retry.initialRetryTime", "100", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "retry.retries", retries, err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "linger", linger, err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "batchSize", batch_size, err, sizeof err) == 0);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    REQUIRE(uvk_producer_new(client, cfg, &producer) == 0);
    uvk_config_free(cfg);
  }

  // Runs the loop until *flag; completions call uv_stop (see docs/client.md).
  void run_until(const bool *flag) {
    while (!*flag) {
      int alive = uv_run(&loop, UV_RUN_DEFAULT);
      if (!*flag && !alive) FAIL("the loop ran out of work before the callback came");
    }
  }

  ~Rig() {
    struct D {
      bool done = false;
    } d;
    uvk_producer_free(producer);
    REQUIRE(uvk_client_disconnect(client, [](uvk_client *c, const uvk_error *, void *ud) {
      static_cast<D *>(ud)->done = true;
      uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
    }, &d) == 0);
    run_until(&d.done);
    uvk_client_free(client);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
};

struct SendResult {
  bool done = false;
  int code = 1;
  int retries = -1;  // the retry count of the error, when it is "retries exceeded"
  std::vector<uvk_record_metadata> md;
  std::vector<std::string> topics;
  uv_loop_t *loop = nullptr;
};

void on_sent(uvk_producer *, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  SendResult *r = static_cast<SendResult *>(ud);
  r->done = true;
  r->code = err ? uvk_error_code(err) : 0;
  if (err) r->retries = uvk_error_retry_count(err);
  for (size_t i = 0; i < n; i++) {
    r->md.push_back(md[i]);
    r->topics.push_back(md[i].topic);
  }
  uv_stop(r->loop);
}

std::string uniq(const std::string &prefix) { return prefix + "-" + std::to_string(uv_hrtime()); }

struct Read {
  int partition;
  long long offset;
  std::string key, value, headers;
  long value_len;
};

// Every message of `topic`, read by kcat from the beginning to the end.
std::vector<Read> kcat_read(const std::string &topic) {
  std::string cmd = "kcat -C -q -e -Z -b '" + env("UVK_TEST_BROKERS") + "' -t '" + topic +
                    "' -f '%p\\t%o\\t%k\\t%S\\t%s\\t%h\\n' 2>&1";
  FILE *f = popen(cmd.c_str(), "r");
  REQUIRE(f);
  std::vector<Read> out;
  char *line = nullptr;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) > 0) {
    std::string s(line, size_t(n));
    if (!s.empty() && s.back() == '\n') s.pop_back();
    std::vector<std::string> parts;
    size_t start = 0;
    for (int i = 0; i < 5; i++) {
      size_t tab = s.find('\t', start);
      if (tab == std::string::npos) break;
      parts.push_back(s.substr(start, tab - start));
      start = tab + 1;
    }
    parts.push_back(s.substr(start));
    INFO("kcat printed: " << s);
    REQUIRE(parts.size() == 6);
    out.push_back(Read{atoi(parts[0].c_str()), atoll(parts[1].c_str()), parts[2], parts[4], parts[5],
                       atol(parts[3].c_str())});
  }
  free(line);
  CHECK(pclose(f) == 0);
  return out;
}

// Where librdkafka's murmur2 partitioner puts each key: kcat produces the keys to a fresh
// topic (same partition count: the cluster's num.partitions) and reads them back.
std::map<std::string, int> librdkafka_partitions(const std::vector<std::string> &keys) {
  std::string topic = uniq("uvk-it-rdkafka-keys");
  std::string cmd = "kcat -P -q -b '" + env("UVK_TEST_BROKERS") + "' -t '" + topic +
                    "' -K '\\t' -X partitioner=murmur2_random";
  FILE *f = popen(cmd.c_str(), "w");
  REQUIRE(f);
  for (const std::string &k : keys) fprintf(f, "%s\tx\n", k.c_str());
  REQUIRE(pclose(f) == 0);
  std::map<std::string, int> where;
  for (const Read &r : kcat_read(topic)) where[r.key] = r.partition;
  return where;
}

const int kKeys = 1000;

std::string key_of(int i) { return "key-" + std::to_string(i % kKeys); }
std::string value_of(int i) { return "value-" + std::to_string(i) + "-" + std::string(size_t(40 + i % 50), 'v'); }

// Sends n keyed messages with headers (a repeated name among them) in sends of 1000.
// One acks=-1 message to every partition, acknowledged: see produce().
void fence(Rig &rig, const std::string &topic) {
  uvk_send_options all;
  uvk_send_options_init(&all);
  std::vector<uvk_message> msgs;
  for (int32_t part = 0; part < 4; part++) msgs.push_back(uvk_message{"fence", 5, "f", 1, part, -1, nullptr, 0});
  SendResult f;
  f.loop = &rig.loop;
  REQUIRE(uvk_producer_send(rig.producer, topic.c_str(), msgs.data(), msgs.size(), &all, on_sent, &f) == 0);
  rig.run_until(&f.done);
  REQUIRE(f.code == 0);
}

void produce(Rig &rig, const std::string &topic, int n, int acks, int codec, std::vector<SendResult> *results) {
  // acks=0 has no answer: a broker that refuses a request (a fresh topic whose leaders are
  // still being set up answers NOT_LEADER) just closes the connection, and what was on it
  // is gone; that is what acks=0 means. Creating the topic first, with an acknowledged
  // fence, keeps the check about our encoding rather than about the broker's start-up.
  if (acks != -1) fence(rig, topic);
  uvk_send_options opts;
  uvk_send_options_init(&opts);
  opts.acks = acks;
  opts.compression = codec;
  results->resize(size_t((n + 999) / 1000));
  int sent = 0;
  for (size_t s = 0; s < results->size(); s++) {
    int count = std::min(1000, n - sent);
    size_t cnt = static_cast<size_t>(count);
    std::vector<std::string> keys(cnt), values(cnt), idx(cnt);
    std::vector<uvk_header> headers(cnt * 3);
    std::vector<uvk_message> msgs(cnt);
    for (int i = 0; i < count; i++) {
      int id = sent + i;
      keys[size_t(i)] = key_of(id);
      values[size_t(i)] = value_of(id);
      idx[size_t(i)] = std::to_string(id);
      uvk_header *h = &headers[size_t(i) * 3];
      h[0] = uvk_header{"h1", idx[size_t(i)].data(), idx[size_t(i)].size()};
      h[1] = uvk_header{"h1", "dup", 3};
      h[2] = uvk_header{"h2", "x", 1};
      msgs[size_t(i)] = uvk_message{keys[size_t(i)].data(), keys[size_t(i)].size(), values[size_t(i)].data(),
                                    values[size_t(i)].size(), -1, -1, h, 3};
    }
    (*results)[s].loop = &rig.loop;
    REQUIRE(uvk_producer_send(rig.producer, topic.c_str(), msgs.data(), msgs.size(), &opts, on_sent, &(*results)[s]) == 0);
    sent += count;  // copied: the vectors may go now
  }
  for (SendResult &r : *results) rig.run_until(&r.done);
  if (acks != -1) {
    // acks=0 has no answer to wait for, and acks=1 returns before followers have the data
    // (a consumer sees it only once the high watermark moves). A broker handles one
    // connection's requests in order, so once an acks=-1 "fence" to every partition is
    // acknowledged, every earlier message is in the log and below the high watermark.
    fence(rig, topic);
  }
}

void check_topic(const std::string &topic, int n, bool offsets, const std::vector<SendResult> &results,
                 const std::map<std::string, int> &rdkafka) {
  for (const SendResult &r : results) {
    CHECK(r.code == 0);
    for (const uvk_record_metadata &m : r.md) {
      CHECK(m.error == 0);
      CHECK(m.partition >= 0);
      if (offsets) CHECK(m.base_offset >= 0);
      else CHECK(m.base_offset == -1);
    }
  }
  std::vector<Read> got;
  for (const Read &r : kcat_read(topic))
    if (r.key != "fence") got.push_back(r);
  REQUIRE(int(got.size()) == n);
  std::vector<int> seen(size_t(n), 0);
  int misplaced = 0, wrong = 0;
  for (const Read &r : got) {
    // value-<id>-vvv...
    int id = atoi(r.value.c_str() + 6);
    REQUIRE(id >= 0);
    REQUIRE(id < n);
    seen[size_t(id)]++;
    if (r.key != key_of(id) || r.value != value_of(id) || r.headers != "h1=" + std::to_string(id) + ",h1=dup,h2=x")
      wrong++;
    auto it = rdkafka.find(r.key);
    if (it == rdkafka.end() || it->second != r.partition) misplaced++;
  }
  CHECK(wrong == 0);
  CHECK(misplaced == 0);
  for (int i = 0; i < n; i++)
    if (seen[size_t(i)] != 1) FAIL_CHECK("message " << i << " read " << seen[size_t(i)] << " times");
}

int messages_per_topic() {
  std::string v = env("UVK_TEST_PRODUCE_MESSAGES");
  return v.empty() ? 100000 : atoi(v.c_str());
}

}  // namespace

TEST_CASE("producer: keyed messages with headers under every codec and acks, read back by kcat",
          "[integration]") {
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; i++) keys.push_back(key_of(i));
  std::map<std::string, int> rdkafka = librdkafka_partitions(keys);
  REQUIRE(int(rdkafka.size()) == kKeys);
  std::vector<int> codecs = {UVK_COMPRESSION_NONE, UVK_COMPRESSION_GZIP};
  for (int c : {UVK_COMPRESSION_SNAPPY, UVK_COMPRESSION_LZ4, UVK_COMPRESSION_ZSTD})
    if (uvk_codec_available(c)) codecs.push_back(c);
  int n = messages_per_topic();
  Rig rig;
  for (int codec : codecs)
    for (int acks : {-1, 1, 0}) {
      DYNAMIC_SECTION("codec " << codec << " acks " << acks) {
        std::string topic = uniq("uvk-it-produce-c" + std::to_string(codec) + "-a" + std::to_string(acks + 1));
        std::vector<SendResult> results;
        produce(rig, topic, n, acks, codec, &results);
        check_topic(topic, n, acks != 0, results, rdkafka);
      }
    }
}

TEST_CASE("producer: custom partitioner, tombstones, explicit partitions", "[integration]") {
  Rig rig;
  REQUIRE(uvk_producer_set_partitioner(rig.producer, [](void *, const char *, const uvk_partition_info *parts, size_t n,
                                                        const uvk_message *m) -> int32_t {
    if (m->partition >= 0) return -1;  // explicit partitions stay
    return n > 2 ? parts[2].partition_id : -1;
  }, nullptr) == 0);
  std::string topic = uniq("uvk-it-produce-custom");
  uvk_message msgs[3] = {
      {"a", 1, "one", 3, -1, -1, nullptr, 0},
      {"b", 1, nullptr, 0, -1, -1, nullptr, 0},  // a tombstone
      {"c", 1, "three", 5, 0, 1700000000000, nullptr, 0},
  };
  SendResult r;
  r.loop = &rig.loop;
  REQUIRE(uvk_producer_send(rig.producer, topic.c_str(), msgs, 3, nullptr, on_sent, &r) == 0);
  rig.run_until(&r.done);
  REQUIRE(r.code == 0);
  REQUIRE(r.md.size() == 2);  // partitions 2 and 0
  std::vector<Read> got = kcat_read(topic);
  REQUIRE(got.size() == 3);
  std::map<std::string, Read> by_key;
  for (const Read &g : got) by_key[g.key] = g;
  CHECK(by_key["a"].partition == 2);
  CHECK(by_key["a"].value == "one");
  CHECK(by_key["b"].partition == 2);
  CHECK(by_key["b"].value_len == -1);  // null, not empty
  CHECK(by_key["c"].partition == 0);
  // Bad input is refused by the call itself.
  SendResult bad;
  CHECK(uvk_producer_send(rig.producer, "", msgs, 1, nullptr, on_sent, &bad) == UVK_EINVAL);
  CHECK(uvk_producer_send(rig.producer, topic.c_str(), msgs, 0, nullptr, on_sent, &bad) == UVK_EINVAL);
  uvk_message beyond = {"k", 1, "v", 1, 99, -1, nullptr, 0};
  SendResult missing;
  missing.loop = &rig.loop;
  REQUIRE(uvk_producer_send(rig.producer, topic.c_str(), &beyond, 1, nullptr, on_sent, &missing) == 0);
  rig.run_until(&missing.done);
  CHECK(missing.code == UVK_ERR_KAFKA(3));  // UNKNOWN_TOPIC_OR_PARTITION, without a request
}

TEST_CASE("producer: a message bigger than the broker allows fails alone", "[integration]") {
  Rig rig("50", "8388608");  // linger and a large batchSize: all three share one batch
  std::string topic = uniq("uvk-it-produce-big");
  std::string big(2u << 20, 'B');  // over the broker's message.max.bytes (1 MiB)
  uvk_message msgs[3] = {
      {"k", 1, "before", 6, 0, -1, nullptr, 0},
      {"k", 1, big.data(), big.size(), 0, -1, nullptr, 0},
      {"k", 1, "after", 5, 0, -1, nullptr, 0},
  };
  SendResult first, second, third;
  first.loop = second.loop = third.loop = &rig.loop;
  REQUIRE(uvk_producer_send(rig.producer, topic.c_str(), &msgs[0], 1, nullptr, on_sent, &first) == 0);
  REQUIRE(uvk_producer_send(rig.producer, topic.c_str(), &msgs[1], 1, nullptr, on_sent, &second) == 0);
  REQUIRE(uvk_producer_send(rig.producer, topic.c_str(), &msgs[2], 1, nullptr, on_sent, &third) == 0);
  rig.run_until(&first.done);
  rig.run_until(&second.done);
  rig.run_until(&third.done);
  CHECK(first.code == 0);
  CHECK(second.code == UVK_ERR_KAFKA(10));  // MESSAGE_TOO_LARGE
  CHECK(third.code == 0);
  // Both neighbours are there. (Their order is not asserted: on a fresh replicated topic a
  // retriable error on one of the split batches may let the other land first, the documented
  // reordering of a non-idempotent producer with several requests in flight.)
  std::vector<Read> got = kcat_read(topic);
  REQUIRE(got.size() == 2);
  std::vector<std::string> values = {got[0].value, got[1].value};
  std::sort(values.begin(), values.end());
  CHECK(values == std::vector<std::string>({"after", "before"}));
}

TEST_CASE("producer: its own retry option replaces the client's; without one the client's applies",
          "[integration]") {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  uvk_config *cfg = uvk_config_new();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", env("UVK_TEST_BROKERS").c_str(), err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "allowAutoTopicCreation", "false", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "retry.initialRetryTime", "20", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "retry.retries", "3", err, sizeof err) == 0);
  uvk_client *client = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_config_free(cfg);
  // A topic that does not exist (and is not created): every attempt fails, retriably.
  std::string topic = uniq("uvk-it-produce-missing");
  uvk_message msg = {"k", 1, "v", 1, 0, -1, nullptr, 0};
  auto send_once = [&](uvk_config *pcfg) {
    uvk_producer *p = nullptr;
    REQUIRE(uvk_producer_new(client, pcfg, &p) == 0);
    SendResult r;
    r.loop = &loop;
    REQUIRE(uvk_producer_send(p, topic.c_str(), &msg, 1, nullptr, on_sent, &r) == 0);
    while (!r.done) REQUIRE(uv_run(&loop, UV_RUN_DEFAULT) != 0);
    uvk_producer_free(p);
    return r;
  };
  uvk_config *plain = uvk_config_new();  // no retry.* keys
  REQUIRE(uvk_config_set(plain, "linger", "0", err, sizeof err) == 0);
  SendResult a = send_once(plain);
  uvk_config_free(plain);
  uvk_config *own = uvk_config_new();
  REQUIRE(uvk_config_set(own, "retry.retries", "1", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(own, "retry.initialRetryTime", "20", err, sizeof err) == 0);
  SendResult b = send_once(own);
  uvk_config_free(own);
  CHECK(a.code != 0);
  CHECK(a.retries == 3);  // the client's retry.retries
  CHECK(b.code != 0);
  CHECK(b.retries == 1);  // the producer's own
  bool closed = false;
  REQUIRE(uvk_client_disconnect(client, [](uvk_client *c, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
    uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
  }, &closed) == 0);
  while (!closed && uv_run(&loop, UV_RUN_DEFAULT)) {
  }
  uvk_client_free(client);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

namespace {

struct Stream {
  uv_loop_t *loop;
  long pending = 0, failed = 0;
  int first_error = 0;
  bool room = true;
};

void on_stream_sent(uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
  Stream *s = static_cast<Stream *>(ud);
  s->pending--;
  if (err) {
    s->failed++;
    if (!s->first_error) s->first_error = uvk_error_code(err);
  }
  uv_stop(s->loop);  // the test looks at pending after every completion
}

void on_room(uvk_producer *, const uvk_error *, void *ud) {
  Stream *s = static_cast<Stream *>(ud);
  s->room = true;
  uv_stop(s->loop);
}

int32_t leader_of(Rig &rig, const std::string &topic, int32_t partition) {
  struct M {
    bool done = false;
    int32_t leader = -1;
    int32_t partition;
  } m;
  m.partition = partition;
  const char *topics[] = {topic.c_str()};
  REQUIRE(uvk_client_metadata(rig.client, topics, 1, [](uvk_client *c, const uvk_error *, const uvk_metadata *md, void *ud) {
    M *x = static_cast<M *>(ud);
    x->done = true;
    for (size_t p = 0; md && p < uvk_metadata_partition_count(md, 0); p++)
      if (uvk_metadata_partition_id(md, 0, p) == x->partition) x->leader = uvk_metadata_partition_leader(md, 0, p);
    uv_stop(static_cast<uv_loop_t *>(uvk_client_loop(c)));
  }, &m) == 0);
  rig.run_until(&m.done);
  return m.leader;
}

}  // namespace

TEST_CASE("producer: idempotent stream survives its partition leader being killed: exactly once, in order",
          "[integration3]") {
  std::string cluster = env("UVK_TEST_CLUSTER_SH");
  REQUIRE_FALSE(cluster.empty());
  const int total = 200000, per_send = 1000;
  std::string topic = uniq("uvk-it-idempotent-kill");
  // A client that waits out a leader election (the test cluster fences a dead broker after
  // 4 s): more retries than the default.
  Rig rig("0", "16384", "15");
  uvk_producer_free(rig.producer);
  {
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "idempotent", "true", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "linger", "5", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "batchSize", "65536", err, sizeof err) == 0);
    REQUIRE(uvk_producer_new(rig.client, cfg, &rig.producer) == 0);
    uvk_config_free(cfg);
  }
  Stream st;
  st.loop = &rig.loop;
  REQUIRE(uvk_producer_set_drain_cb(rig.producer, on_room, &st) == 0);
  uvk_send_options opts;
  uvk_send_options_init(&opts);
  {
    // Create the topic first (a marker message, skipped when reading back), so its leaders
    // are known when the kill comes.
    uvk_message marker = {"marker", 6, "marker", 6, -1, -1, nullptr, 0};
    st.pending = 1;
    REQUIRE(uvk_producer_send(rig.producer, topic.c_str(), &marker, 1, &opts, on_stream_sent, &st) == 0);
    while (st.pending > 0) uv_run(&rig.loop, UV_RUN_DEFAULT);
    REQUIRE(st.failed == 0);
  }
  int32_t victim = -1;
  for (int sent = 0; sent < total; sent += per_send) {
    if (sent == total / 4) {
      // Let what is queued go out, then kill the leader of partition 0 mid-stream.
      victim = leader_of(rig, topic, 0);
      REQUIRE(victim >= 1);
      std::string out;
      int rc = cluster_ctl("kill " + std::to_string(victim), out);
      INFO("cluster.sh kill " << victim << ": " << out);
      REQUIRE(rc == 0);
    }
    std::vector<std::string> keys, values;
    std::vector<uvk_message> msgs;
    for (int i = sent; i < sent + per_send; i++) {
      keys.push_back("k" + std::to_string(i % 97));
      values.push_back(std::to_string(i));
    }
    for (int i = 0; i < per_send; i++)
      msgs.push_back(uvk_message{keys[size_t(i)].data(), keys[size_t(i)].size(), values[size_t(i)].data(),
                                 values[size_t(i)].size(), -1, -1, nullptr, 0});
    int rc;
    while ((rc = uvk_producer_send(rig.producer, topic.c_str(), msgs.data(), msgs.size(), &opts, on_stream_sent, &st)) ==
           UVK_EQUEUEFULL) {
      st.room = false;
      while (!st.room) uv_run(&rig.loop, UV_RUN_DEFAULT);
    }
    REQUIRE(rc == 0);
    st.pending++;
    // Keep the stream flowing: at most 8 sends (8,000 messages) in flight, so the kill
    // lands on requests that are on the wire.
    while (st.pending > 8) uv_run(&rig.loop, UV_RUN_DEFAULT);
  }
  while (st.pending > 0) uv_run(&rig.loop, UV_RUN_DEFAULT);
  // Bring the node back for whoever runs next, whatever happened.
  {
    std::string out;
    int rc = cluster_ctl("start " + std::to_string(victim), out);
    INFO("cluster.sh start " << victim << ": " << out);
    CHECK(rc == 0);
  }
  INFO("killed node " << victim << "; failed sends " << st.failed << ", first error " << st.first_error);
  CHECK(st.failed == 0);
  CHECK(st.first_error == 0);
  // Every message exactly once; within each partition in the order sent.
  std::vector<Read> got;
  for (const Read &r : kcat_read(topic))
    if (r.key != "marker") got.push_back(r);
  std::vector<int> seen(size_t(total), 0);
  std::map<int, long> last;
  int out_of_order = 0;
  for (const Read &r : got) {
    long v = atol(r.value.c_str());
    REQUIRE(v >= 0);
    REQUIRE(v < total);
    seen[size_t(v)]++;
    auto it = last.find(r.partition);
    if (it != last.end() && v <= it->second && out_of_order++ == 0)
      UNSCOPED_INFO("first out of order: partition " << r.partition << " offset " << r.offset << " value " << v
                                                      << " after " << it->second);
    last[r.partition] = v;
  }
  CHECK(got.size() == size_t(total));
  CHECK(out_of_order == 0);
  int missing = 0, duplicated = 0;
  for (size_t i = 0; i < seen.size(); i++) {
    if ((seen[i] == 0 && missing++ == 0) || (seen[i] > 1 && duplicated++ == 0))
      UNSCOPED_INFO("message " << i << " read " << seen[i] << " times");
  }
  CHECK(missing == 0);
  CHECK(duplicated == 0);
}

TEST_CASE("producer: producing far faster than the broker takes keeps memory within bufferMemory",
          "[integration]") {
  const long budget = 4 << 20;  // bufferMemory for this test
  Rig rig("0", "65536");
  uvk_producer_free(rig.producer);
  {
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "bufferMemory", std::to_string(budget).c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_producer_new(rig.client, cfg, &rig.producer) == 0);
    uvk_config_free(cfg);
  }
  Stream st;
  st.loop = &rig.loop;
  REQUIRE(uvk_producer_set_drain_cb(rig.producer, on_room, &st) == 0);
  std::string topic = uniq("uvk-it-produce-bounded");
  std::string value(200, 'm');
  const int total = 300000, per_send = 500;  // ~60 MB of values: 15x the budget
  rusage before;
  getrusage(RUSAGE_SELF, &before);
  size_t peak = 0;
  long refused = 0;
  std::vector<uvk_message> msgs(per_send, uvk_message{nullptr, 0, value.data(), value.size(), -1, -1, nullptr, 0});
  for (int sent = 0; sent < total; sent += per_send) {
    int rc;
    while ((rc = uvk_producer_send(rig.producer, topic.c_str(), msgs.data(), msgs.size(), nullptr, on_stream_sent, &st)) ==
           UVK_EQUEUEFULL) {
      refused++;
      st.room = false;
      while (!st.room) uv_run(&rig.loop, UV_RUN_DEFAULT);
    }
    REQUIRE(rc == 0);
    st.pending++;
    size_t now = uvk_producer_buffered_bytes(rig.producer);
    if (now > peak) peak = now;
  }
  while (st.pending > 0) uv_run(&rig.loop, UV_RUN_DEFAULT);
  rusage after;
  getrusage(RUSAGE_SELF, &after);
  CHECK(st.failed == 0);
  CHECK(refused > 0);                  // the producer did push back
  CHECK(peak <= size_t(budget));       // and never held more than its budget
  CHECK(uvk_producer_buffered_bytes(rig.producer) == 0);
  // The process grew by far less than the 60 MB it produced (ru_maxrss is in KiB).
  long grown_kib = after.ru_maxrss - before.ru_maxrss;
  INFO("peak buffered " << peak << " bytes, max RSS grew " << grown_kib << " KiB, refused " << refused);
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UVK_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(UVK_TEST_ASAN)
  // AddressSanitizer keeps freed memory in quarantine, so RSS says nothing about our use
  // there; the sanitizer build checks the buffered bytes above, the normal build also RSS.
  (void)grown_kib;
#else
  CHECK(grown_kib < 32 * 1024);
#endif
}
