// What a pending send holds (lib/client/producer.cc), counted by an allocator that tracks
// live bytes: a one-message send must not hold a 4 KB arena chunk for its 72-byte record.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <map>
#include <string>

#include "client/producer.h"
#include "fake_cluster.h"

using namespace uvk;

namespace {

struct Counting {
  std::map<void *, size_t> live;
  size_t bytes = 0;
};

Allocator counting_allocator(Counting *c) {
  Allocator a;
  a.ud = c;
  a.malloc_fn = [](void *ud, size_t n) -> void * {
    Counting *k = static_cast<Counting *>(ud);
    void *p = malloc(n);
    if (p) k->live[p] = n, k->bytes += n;
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
