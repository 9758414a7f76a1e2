// Bad input through the C ABI (bad_input.h): the producer's functions, transactions included.
#include "bad_input.h"

using namespace bad_input;

// ---- producer -------------------------------------------------------------------------------

BAD_INPUT(uvk_send_options_init) {
  touches_nothing([] { uvk_send_options_init(nullptr); });
  uvk_send_options o;
  memset(&o, 0xab, sizeof o);
  uvk_send_options_init(&o);
  CHECK(o.struct_size == sizeof o);
}

BAD_INPUT(uvk_producer_new) {
  uvk_producer *p = nullptr;
  expect(uvk_producer_new(nullptr, nullptr, &p), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_new(r.client, nullptr, nullptr), UVK_EINVAL);
  r.disconnect();
  expect(uvk_producer_new(r.client, nullptr, &p), UVK_ECLOSED);
  CHECK(p == nullptr);
}
BAD_INPUT(uvk_producer_set_partitioner) {
  expect(uvk_producer_set_partitioner(nullptr, nullptr, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_producer_set_drain_cb) { expect(uvk_producer_set_drain_cb(nullptr, producer_cb, nullptr), UVK_EINVAL); }
BAD_INPUT(uvk_producer_connect) {
  expect(uvk_producer_connect(nullptr, producer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_connect(r.producer, nullptr, nullptr), UVK_EINVAL);
  r.disconnect();
  expect(uvk_producer_connect(r.producer, producer_cb, nullptr), UVK_ECLOSED);
}

BAD_INPUT(uvk_producer_send) {
  uvk_message m;
  memset(&m, 0, sizeof m);
  m.value = "v";
  m.value_len = 1;
  m.partition = -1;
  m.timestamp = -1;
  expect(uvk_producer_send(nullptr, "t", &m, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  Rig r;
  uvk_producer *p = r.producer;
  expect(uvk_producer_send(p, "t", &m, 1, nullptr, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_producer_send(p, nullptr, &m, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send(p, "", &m, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send(p, "t", nullptr, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send(p, "t", &m, 0, nullptr, send_cb, nullptr), UVK_EINVAL);  // nothing to send
  std::string long_name(250, 'a');
  expect(uvk_producer_send(p, long_name.c_str(), &m, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  // Kafka topic names are ASCII letters, digits, '.', '_' and '-': anything else (bytes
  // that are not UTF-8, spaces, '/') can never name a topic and is refused at the call.
  for (const char *bad : {kBadUtf8, kOverlong, "a b", "a/b", "caf\xc3\xa9"}) {
    INFO(bad);
    expect(uvk_producer_send(p, bad, &m, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  }
  uvk_message neg = m;
  neg.partition = -2;
  expect(uvk_producer_send(p, "t", &neg, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  neg.partition = INT32_MIN;
  expect(uvk_producer_send(p, "t", &neg, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  uvk_message hdrs = m;
  hdrs.n_headers = 2;  // headers NULL
  expect(uvk_producer_send(p, "t", &hdrs, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  uvk_header null_name = {nullptr, "v", 1};
  hdrs.headers = &null_name;
  hdrs.n_headers = 1;
  expect(uvk_producer_send(p, "t", &hdrs, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  uvk_message huge = m;
  huge.value_len = size_t(INT32_MAX) + 1;  // never read: refused by its length
  expect(uvk_producer_send(p, "t", &huge, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  huge = m;
  huge.key = "k";
  huge.key_len = SIZE_MAX;
  expect(uvk_producer_send(p, "t", &huge, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  uvk_send_options o;
  uvk_send_options_init(&o);
  o.acks = 2;
  expect(uvk_producer_send(p, "t", &m, 1, &o, send_cb, nullptr), UVK_EINVAL);
  uvk_send_options_init(&o);
  o.timeout = -1;
  expect(uvk_producer_send(p, "t", &m, 1, &o, send_cb, nullptr), UVK_EINVAL);
  uvk_send_options_init(&o);
  o.compression = -1;
  expect(uvk_producer_send(p, "t", &m, 1, &o, send_cb, nullptr), UVK_EINVAL);
  o.compression = 8;
  expect(uvk_producer_send(p, "t", &m, 1, &o, send_cb, nullptr), UVK_EINVAL);
  CHECK(uvk_producer_buffered_bytes(p) == 0);  // nothing refused was queued
  r.disconnect();
  expect(uvk_producer_send(p, "t", &m, 1, nullptr, send_cb, nullptr), UVK_ECLOSED);
}

BAD_INPUT(uvk_producer_send_batch) {
  uvk_message m;
  memset(&m, 0, sizeof m);
  m.value = "v";
  m.value_len = 1;
  m.partition = -1;
  m.timestamp = -1;
  uvk_topic_messages tm[2] = {{"t", &m, 1}, {nullptr, &m, 1}};
  expect(uvk_producer_send_batch(nullptr, tm, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  Rig r;
  uvk_producer *p = r.producer;
  expect(uvk_producer_send_batch(p, nullptr, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_batch(p, tm, 0, nullptr, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_batch(p, tm, 2, nullptr, send_cb, nullptr), UVK_EINVAL);  // 2nd topic NULL
  tm[1].topic = kBadUtf8;
  expect(uvk_producer_send_batch(p, tm, 2, nullptr, send_cb, nullptr), UVK_EINVAL);
  tm[1].topic = "u";
  tm[1].messages = nullptr;
  expect(uvk_producer_send_batch(p, tm, 2, nullptr, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_batch(p, tm, SIZE_MAX, nullptr, send_cb, nullptr), UVK_EINVAL);
  CHECK(uvk_producer_buffered_bytes(p) == 0);
}

// A message larger than bufferMemory can never be sent: UVK_ETOOLARGE, not a queue-full wait.
TEST_CASE("bad input: a message over the producer's limit", "[capi][bad_input]") {
  Rig r;
  uvk_config *cfg = uvk_config_new();
  REQUIRE(uvk_config_set_int(cfg, "bufferMemory", 1024) == 0);
  uvk_producer *p = nullptr;
  REQUIRE(uvk_producer_new(r.client, cfg, &p) == 0);
  uvk_config_free(cfg);
  std::string big(2048, 'x');
  uvk_message m;
  memset(&m, 0, sizeof m);
  m.value = big.data();
  m.value_len = big.size();
  m.partition = -1;
  m.timestamp = -1;
  expect(uvk_producer_send(p, "t", &m, 1, nullptr, send_cb, nullptr), UVK_ETOOLARGE);
  uvk_header h = {"h", big.data(), big.size()};
  m.value_len = 1;
  m.headers = &h;
  m.n_headers = 1;
  expect(uvk_producer_send(p, "t", &m, 1, nullptr, send_cb, nullptr), UVK_ETOOLARGE);
  CHECK(uvk_producer_buffered_bytes(p) == 0);
  uvk_producer_free(p);
}

BAD_INPUT(uvk_producer_flush) {
  expect(uvk_producer_flush(nullptr, producer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_flush(r.producer, nullptr, nullptr), UVK_EINVAL);
  r.disconnect();
  expect(uvk_producer_flush(r.producer, producer_cb, nullptr), UVK_ECLOSED);
}
BAD_INPUT(uvk_producer_disconnect) {
  expect(uvk_producer_disconnect(nullptr, producer_cb, nullptr), UVK_EINVAL);
  Rig r;
  bool done = false;
  REQUIRE(uvk_producer_disconnect(r.producer, [](uvk_producer *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
  }, &done) == 0);
  expect(uvk_producer_disconnect(r.producer, producer_cb, nullptr), UVK_ESTATE);  // twice
  r.run_until(&done);
  // A disconnected producer refuses sends.
  uvk_message m;
  memset(&m, 0, sizeof m);
  m.partition = -1;
  expect(uvk_producer_send(r.producer, "t", &m, 1, nullptr, send_cb, nullptr), UVK_ECLOSED);
  r.disconnect();
  expect(uvk_producer_disconnect(r.producer, producer_cb, nullptr), UVK_ESTATE);
}

// Transactions on a producer without transactionalId, and out of order on one with it.
BAD_INPUT(uvk_producer_begin_transaction) {
  expect(uvk_producer_begin_transaction(nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_begin_transaction(r.producer), UVK_ESTATE);  // not transactional
  r.disconnect();
  expect(uvk_producer_begin_transaction(r.producer), UVK_ECLOSED);
}
BAD_INPUT(uvk_producer_commit_transaction) {
  expect(uvk_producer_commit_transaction(nullptr, producer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_commit_transaction(r.producer, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_producer_commit_transaction(r.producer, producer_cb, nullptr), UVK_ESTATE);
  uvk_config *cfg = uvk_config_new();
  REQUIRE(uvk_config_set_str(cfg, "transactionalId", "uvk-bad-input-txn") == 0);
  uvk_producer *tp = nullptr;
  REQUIRE(uvk_producer_new(r.client, cfg, &tp) == 0);
  uvk_config_free(cfg);
  expect(uvk_producer_commit_transaction(tp, producer_cb, nullptr), UVK_ESTATE);  // none open
  // Outside a transaction a transactional producer refuses sends.
  uvk_message m;
  memset(&m, 0, sizeof m);
  m.partition = -1;
  expect(uvk_producer_send(tp, "t", &m, 1, nullptr, send_cb, nullptr), UVK_ESTATE);
  uvk_producer_free(tp);
  r.disconnect();
  expect(uvk_producer_commit_transaction(r.producer, producer_cb, nullptr), UVK_ECLOSED);
}
BAD_INPUT(uvk_producer_abort_transaction) {
  expect(uvk_producer_abort_transaction(nullptr, producer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_abort_transaction(r.producer, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_producer_abort_transaction(r.producer, producer_cb, nullptr), UVK_ESTATE);
  r.disconnect();
  expect(uvk_producer_abort_transaction(r.producer, producer_cb, nullptr), UVK_ECLOSED);
}
BAD_INPUT(uvk_producer_send_offsets) {
  uvk_topic_partition_offset o = {"t", 0, 1};
  expect(uvk_producer_send_offsets(nullptr, "g", &o, 1, producer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_send_offsets(r.producer, "g", &o, 1, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_offsets(r.producer, "g", nullptr, 1, producer_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_offsets(r.producer, nullptr, &o, 1, producer_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_offsets(r.producer, "", &o, 1, producer_cb, nullptr), UVK_EINVAL);
  // Without an open transaction the state is refused before the entries are read.
  uvk_topic_partition_offset neg = {"t", -1, 1};
  expect(uvk_producer_send_offsets(r.producer, "g", &neg, 1, producer_cb, nullptr), UVK_ESTATE);
  uvk_topic_partition_offset null_topic = {nullptr, 0, 1};
  expect(uvk_producer_send_offsets(r.producer, "g", &null_topic, 1, producer_cb, nullptr), UVK_ESTATE);
  expect(uvk_producer_send_offsets(r.producer, "g", &o, 1, producer_cb, nullptr), UVK_ESTATE);  // no transaction
  r.disconnect();
  expect(uvk_producer_send_offsets(r.producer, "g", &o, 1, producer_cb, nullptr), UVK_ECLOSED);
}
BAD_INPUT(uvk_producer_send_consumer_offsets) {
  uvk_topic_partition_offset o = {"t", 0, 1};
  uvk_group_metadata g = {"g", "member-1", 3, nullptr};
  expect(uvk_producer_send_consumer_offsets(nullptr, &g, &o, 1, producer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_send_consumer_offsets(r.producer, nullptr, &o, 1, producer_cb, nullptr), UVK_EINVAL);
  uvk_group_metadata no_member = {"g", nullptr, 3, nullptr};
  expect(uvk_producer_send_consumer_offsets(r.producer, &no_member, &o, 1, producer_cb, nullptr), UVK_EINVAL);
  uvk_group_metadata no_group = {nullptr, "member-1", 3, nullptr};
  expect(uvk_producer_send_consumer_offsets(r.producer, &no_group, &o, 1, producer_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_consumer_offsets(r.producer, &g, nullptr, 1, producer_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_consumer_offsets(r.producer, &g, &o, 1, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_consumer_offsets(r.producer, &g, &o, 1, producer_cb, nullptr), UVK_ESTATE);  // no transaction
  r.disconnect();
  expect(uvk_producer_send_consumer_offsets(r.producer, &g, &o, 1, producer_cb, nullptr), UVK_ECLOSED);
}
BAD_INPUT(uvk_producer_free) { touches_nothing([] { uvk_producer_free(nullptr); }); }
BAD_INPUT(uvk_send_queue_options_init) {
  touches_nothing([] { uvk_send_queue_options_init(nullptr); });
  uvk_send_queue_options o;
  uvk_send_queue_options_init(&o);
  CHECK(o.struct_size == sizeof o);
  CHECK(o.max_messages == 100000);
}
BAD_INPUT(uvk_send_queue_new) {
  uvk_send_queue *q = nullptr;
  expect(uvk_send_queue_new(nullptr, nullptr, &q), UVK_EINVAL);
  Rig r;
  expect(uvk_send_queue_new(r.producer, nullptr, nullptr), UVK_EINVAL);
  uvk_send_queue_options o;
  uvk_send_queue_options_init(&o);
  o.max_messages = 0;
  expect(uvk_send_queue_new(r.producer, &o, &q), UVK_EINVAL);
  REQUIRE(uvk_send_queue_new(r.producer, nullptr, &q) == 0);
  uvk_send_queue *second = nullptr;
  expect(uvk_send_queue_new(r.producer, nullptr, &second), UVK_ESTATE);  // one queue per producer
  uvk_send_queue_release(q);
}
BAD_INPUT(uvk_send_queue_send) {
  uvk_message m = {nullptr, 0, "v", 1, -1, -1, nullptr, 0};
  expect(uvk_send_queue_send(nullptr, "t", &m, 1, nullptr, 0, send_cb, nullptr), UVK_EINVAL);
  Rig r;
  uvk_send_queue *q = nullptr;
  REQUIRE(uvk_send_queue_new(r.producer, nullptr, &q) == 0);
  expect(uvk_send_queue_send(q, nullptr, &m, 1, nullptr, 0, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_send_queue_send(q, "", &m, 1, nullptr, 0, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_send_queue_send(q, "t", nullptr, 1, nullptr, 0, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_send_queue_send(q, "t", &m, 0, nullptr, 0, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_send_queue_send(q, "t", &m, 1, nullptr, 0, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_send_queue_send(q, "t", &m, 1, nullptr, 5, send_cb, nullptr), UVK_ESTATE);  // a wait on the loop thread
  uvk_send_queue_release(q);
}
BAD_INPUT(uvk_send_queue_get_stats) {
  uvk_send_queue_stats st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  expect(uvk_send_queue_get_stats(nullptr, &st), UVK_EINVAL);
  Rig r;
  uvk_send_queue *q = nullptr;
  REQUIRE(uvk_send_queue_new(r.producer, nullptr, &q) == 0);
  expect(uvk_send_queue_get_stats(q, nullptr), UVK_EINVAL);
  uvk_send_queue_stats small;
  memset(&small, 0, sizeof small);
  small.struct_size = 1;
  expect(uvk_send_queue_get_stats(q, &small), UVK_EINVAL);
  REQUIRE(uvk_send_queue_get_stats(q, &st) == 0);
  CHECK(st.sends == 0);
  uvk_send_queue_release(q);
}
BAD_INPUT(uvk_send_queue_release) { touches_nothing([] { uvk_send_queue_release(nullptr); }); }
BAD_INPUT(uvk_producer_buffered_bytes) { CHECK(uvk_producer_buffered_bytes(nullptr) == 0); }
