// What a pending send holds (lib/client/producer.cc), counted by an allocator that tracks
// live bytes: a one-message send must not hold a 4 KB arena chunk for its 72-byte record.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <map>
#include <string>
#include <vector>

#include "client/producer.h"
#include "fake_cluster.h"

using namespace uvk;

namespace {

struct Counting {
  std::map<void *, size_t> live;
  size_t bytes = 0;
  size_t peak = 0;
};

Allocator counting_allocator(Counting *c) {
  Allocator a;
  a.ud = c;
  a.malloc_fn = [](void *ud, size_t n) -> void * {
    Counting *k = static_cast<Counting *>(ud);
    void *p = malloc(n);
    if (p) k->live[p] = n, k->bytes += n;
    if (k->bytes > k->peak) k->peak = k->bytes;
    return p;
  };
  a.realloc_fn = [](void *ud, void *old, size_t n) -> void * {
    Counting *k = static_cast<Counting *>(ud);
    size_t was = 0;
    if (old) {  // forget the old block first: it is gone once realloc succeeds
      was = k->live[old];
      k->live.erase(old);
    }
    void *p = realloc(old, n);
    if (!p) {
      if (old) k->live[old] = was;
      return nullptr;
    }
    k->bytes = k->bytes - was + n;
    k->live[p] = n;
    if (k->bytes > k->peak) k->peak = k->bytes;
    return p;
  };
  a.free_fn = [](void *ud, void *p) {
    Counting *k = static_cast<Counting *>(ud);
    if (!p) return;
    k->bytes -= k->live[p];
    k->live.erase(p);
    free(p);
  };
  return a;
}

void on_sent(void *ud, const uvk_error *err, const uvk_record_metadata *, size_t) {
  int *ok = static_cast<int *>(ud);
  if (!err) ++*ok;
}

}  // namespace

TEST_CASE("producer memory: a pending one-message send holds well under 1 KB", "[producer][memory]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1, 1, 1, 1});
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Counting count;
  Allocator a = counting_allocator(&count);
  ProducerConfig pc;
  Producer *p = producer_new(c.e, pc, &a);
  std::string value(100, 'v');
  uvk_message m{nullptr, 0, value.data(), value.size(), -1, -1, nullptr, 0};
  uvk_topic_messages tm{"t", &m, 1};
  uvk_send_options o;
  uvk_send_options_init(&o);  // copies the value
  int ok = 0;
  REQUIRE(producer_send(p, &tm, 1, o, on_sent, &ok, c.now) == 0);  // metadata, connection
  c.run_until([&] { return ok == 1; });
  c.hold_produce = true;  // the broker stops answering: every send below stays pending
  size_t before = count.bytes;
  const int n = 2000;
  for (int i = 0; i < n; i++) REQUIRE(producer_send(p, &tm, 1, o, on_sent, &ok, c.now) == 0);
  c.run_until([&] { return !c.held_produce.empty(); });
  size_t per_send = (count.bytes - before) / n;
  INFO("bytes held per pending one-message send: " << per_send);
  CHECK(per_send < 1024);  // a 4 KB arena chunk each before
  c.release_produce();
  c.hold_produce = false;
  c.run_until([&] { return ok == n + 1; });
  producer_free(p);
}

namespace {

// Bytes the producer's allocator holds per message while `sends` sends of `per_send`
// 100-byte messages wait for a broker that does not answer, and what bufferMemory counts.
struct Held {
  size_t held_per_msg;  // while queued
  size_t counted;       // producer_buffered, once the sends are queued
  size_t held;          // what the producer's allocator held then
};

Held hold_sends(int sends, int per_send, bool borrow) {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1, 1, 1, 1});
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Counting count;
  Allocator a = counting_allocator(&count);
  ProducerConfig pc;
  pc.buffer_memory = size_t(1) << 30;
  Producer *p = producer_new(c.e, pc, &a);
  std::string value(100, 'v');
  std::vector<uvk_message> msgs(size_t(per_send), uvk_message{nullptr, 0, value.data(), value.size(), -1, -1, nullptr, 0});
  uvk_topic_messages tm{"t", msgs.data(), msgs.size()};
  uvk_send_options o;
  uvk_send_options_init(&o);
  o.borrow = borrow;
  int ok = 0;
  REQUIRE(producer_send(p, &tm, 1, o, on_sent, &ok, c.now) == 0);  // metadata, connection
  c.run_until([&] { return ok == 1; });
  c.hold_produce = true;
  size_t before = count.bytes;
  for (int i = 0; i < sends; i++) REQUIRE(producer_send(p, &tm, 1, o, on_sent, &ok, c.now) == 0);
  // Queued (routed inside the send calls, not yet sealed): what the sends hold, the part
  // bufferMemory counts. Batches and requests in flight add the producer's own per batch.
  size_t queued = count.bytes - before, counted = producer_buffered(p);
  Held h{queued / (size_t(sends) * size_t(per_send)), counted, queued};
  c.run_until([&] { return !c.held_produce.empty(); });
  c.release_produce();
  c.hold_produce = false;
  c.run_until([&] { return ok == sends + 1; });
  CHECK(producer_buffered(p) == 0);
  producer_free(p);
  return h;
}

}  // namespace

TEST_CASE("producer memory: a queued message costs at most 16 bytes besides its payload", "[producer][memory]") {
  // Sends of 1000 messages (the sticky / round-robin partitioners spread them over 4
  // partitions): one entry per message in one block per send, a run per partition.
  Held copied = hold_sends(20, 1000, false);
  INFO("copied: bytes held per message " << copied.held_per_msg << ", counted " << copied.counted << " held "
                                         << copied.held);
  CHECK(copied.held_per_msg <= 100 + 16);
  CHECK(copied.counted >= copied.held);  // bufferMemory counts what is really held
  Held borrowed = hold_sends(20, 1000, true);
  INFO("borrowed: bytes held per message " << borrowed.held_per_msg << ", counted " << borrowed.counted << " held "
                                           << borrowed.held);
  CHECK(borrowed.held_per_msg <= 16);
  CHECK(borrowed.counted >= borrowed.held);
}

TEST_CASE("producer memory: bufferMemory counts what a one-message send holds", "[producer][memory]") {
  Held one = hold_sends(2000, 1, false);
  INFO("bytes held per one-message send " << one.held / 2000 << ", counted " << one.counted / 2000);
  CHECK(one.counted >= one.held);
  CHECK(one.counted <= one.held * 2);  // and not far more
}

// A Produce request's batches are encoded straight into the connection's output
// (lib/client/producer_encode.cc): the producer itself holds no encoded copy of a batch, at
// any moment. Before, it encoded each request into a buffer of its own (as large as the
// request) and the request encoder copied that into the output.
TEST_CASE("producer memory: a batch is never encoded into the producer's own memory", "[producer][memory]") {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["t"] = fake::topic({1});
  c.start(fake::Cluster::default_config(), {"b1:9092"});
  Counting count;
  Allocator a = counting_allocator(&count);
  ProducerConfig pc;
  pc.batch_size = 1 << 20;
  Producer *p = producer_new(c.e, pc, &a);
  std::string value(100, 'v');
  std::vector<uvk_message> msgs(5000, uvk_message{nullptr, 0, value.data(), value.size(), 0, -1, nullptr, 0});
  uvk_topic_messages tm{"t", msgs.data(), 1};
  uvk_send_options o;
  uvk_send_options_init(&o);
  o.borrow = 1;
  int ok = 0;
  REQUIRE(producer_send(p, &tm, 1, o, on_sent, &ok, c.now) == 0);  // metadata, connection
  c.run_until([&] { return ok == 1; });
  size_t base = count.bytes;
  count.peak = 0;
  tm.n_messages = msgs.size();
  REQUIRE(producer_send(p, &tm, 1, o, on_sent, &ok, c.now) == 0);
  size_t queued = count.bytes - base;  // the send's entries, ~10 bytes a message
  c.run_until([&] { return ok == 2; });
  REQUIRE(c.batch_records.back() == 5000);  // one batch of ~560 KB
  INFO("queued " << queued << " bytes, peak above the start " << count.peak - base);
  CHECK(count.peak - base < queued + 64 * 1024);
  producer_free(p);
}
