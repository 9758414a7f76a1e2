// The default batching policy (lib/client/producer_batching.cc) against the scripted cluster:
// a partition's batches grow (doubling from batchSize up to batchSizeMax) while earlier ones
// wait for the broker or more than a batch is queued at a seal, shrink back once it keeps up, and stop growing where the broker said
// MESSAGE_TOO_LARGE. What is checked is the record count of each batch the broker stored.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "client/producer.h"
#include "fake_cluster.h"

using namespace uvk;

namespace {

struct Sent {
  int calls = 0;
  int code = 1;
};

void on_sent(void *ud, const uvk_error *err, const uvk_record_metadata *, size_t) {
  Sent *s = static_cast<Sent *>(ud);
  s->calls++;
  s->code = err ? uvk_error_code(err) : 0;
}

// n messages of about 1 KB each (1010 bytes as records) to one partition.
struct Messages {
  std::vector<std::string> values;
  std::vector<uvk_message> msgs;
  explicit Messages(int n, int32_t partition = 0) {
    for (int i = 0; i < n; i++) values.push_back(std::to_string(i % 10) + std::string(999, 'x'));
    for (const std::string &v : values)
      msgs.push_back(uvk_message{nullptr, 0, v.data(), v.size(), partition, -1, nullptr, 0});
  }
};

struct Rig {
  fake::Cluster c;
  Producer *p = nullptr;
  std::vector<Sent *> sent;

  Rig(size_t batch_size, size_t batch_size_max, int partitions = 1, uint64_t linger_ms = 0) {
    c.brokers.push_back(fake::Broker{1, "b1", 9092});
    c.topics["t"] = fake::topic(std::vector<int32_t>(size_t(partitions), 1));
    c.start(fake::Cluster::default_config(), {"b1:9092"});
    ProducerConfig pc;
    pc.batch_size = batch_size;
    pc.batch_size_max = batch_size_max;
    pc.linger_ms = linger_ms;
    p = producer_new(c.e, pc, nullptr);
  }
  ~Rig() {
    producer_free(p);
    for (Sent *s : sent) delete s;
  }
  // Sends n messages and runs until the broker stored (or refused) what they sealed into;
  // returns the record counts of the batches stored meanwhile.
  std::vector<int32_t> send(int n, size_t expect_batches) {
    Messages m(n);
    uvk_topic_messages tm{"t", m.msgs.data(), m.msgs.size()};
    uvk_send_options o;
    uvk_send_options_init(&o);
    sent.push_back(new Sent);
    size_t before = c.batch_records.size();
    REQUIRE(producer_send(p, &tm, 1, o, on_sent, sent.back(), c.now) == 0);
    c.run_until([&] { return c.batch_records.size() >= before + expect_batches; });
    return std::vector<int32_t>(c.batch_records.begin() + long(before), c.batch_records.end());
  }
  bool all_done() const {
    for (const Sent *s : sent)
      if (s->calls != 1 || s->code != 0) return false;
    return true;
  }
};

using V = std::vector<int32_t>;

}  // namespace

TEST_CASE("batching: batches grow while the partition's earlier batches wait, up to batchSizeMax",
          "[producer][batching]") {
  Rig r(4096, 16384);
  r.c.hold_produce = true;  // the broker is behind: nothing is answered yet
  CHECK(r.send(4, 1) == V{4});       // nothing in flight: batchSize (4 records of 1010 bytes)
  CHECK(r.send(5, 1) == V{5});       // filled up while a batch waits: 8 KB
  CHECK(r.send(9, 1) == V{9});       // 16 KB
  CHECK(r.send(20, 1) == V{16});     // capped at batchSizeMax; the 4 left wait behind it
  CHECK(r.c.held_produce.size() == 4);
  r.c.hold_produce = false;
  r.c.release_produce();             // the answers: the 4 leave
  r.c.run_until([&] { return r.all_done(); });
  CHECK(r.c.batch_records == V{4, 5, 9, 16, 4});
  CHECK(r.c.topics["t"].log[0].size() == 38);
}

TEST_CASE("batching: a queue longer than a batch at a seal goes out in as few batches as batchSizeMax allows",
          "[producer][batching]") {
  Rig r(4096, 16384);  // nothing in flight at any seal
  CHECK(r.send(5, 1) == V{5});
  CHECK(r.send(40, 3) == V{16, 16, 8});
  CHECK(r.all_done());
  Rig off(4096, 4096);  // batchSizeMax at batchSize: cut at batchSize as before
  CHECK(off.send(5, 2) == V{4, 1});
  CHECK(off.all_done());
}

TEST_CASE("batching: what a seal of full batches leaves below the limit waits for its linger",
          "[producer][batching]") {
  Rig r(4096, 16384, 1, 1000);  // linger 1 s
  uint64_t t = r.c.now;
  CHECK(r.send(20, 1) == V{16});  // 16 KB full: leaves at once, not with a small batch behind it
  CHECK(r.c.now == t);
  r.c.run_until([&] { return r.c.batch_records.size() == 2; });
  CHECK(r.c.batch_records == V{16, 4});
  CHECK(r.c.now >= t + 1000);     // the 4 left (4 KB, below the limit) waited for their linger
  CHECK(r.all_done());
}

TEST_CASE("batching: the limit halves back once the broker keeps up and batches stay small",
          "[producer][batching]") {
  Rig r(4096, 16384, 1, 1000);  // linger 1 s: a batch below the limit waits for it
  r.c.hold_produce = true;
  CHECK(r.send(4, 1) == V{4});
  CHECK(r.send(9, 1) == V{9});  // filled up while a batch waits: 8 KB, then 16 KB
  CHECK(r.send(9, 1) == V{9});
  r.c.release_produce();
  CHECK(r.all_done());
  r.c.hold_produce = false;
  uint64_t t = r.c.now;
  CHECK(r.send(5, 1) == V{5});  // below 16 KB: waited for linger; the limit halves to 8 KB
  CHECK(r.c.now >= t + 1000);
  CHECK(r.send(1, 1) == V{1});  // -> 4 KB
  t = r.c.now;
  CHECK(r.send(5, 1) == V{5});  // at 4 KB a 5 KB send is full: it leaves at once
  CHECK(r.c.now == t);
  CHECK(r.all_done());
}

TEST_CASE("batching: a partition the broker keeps up with keeps batchSize", "[producer][batching]") {
  Rig r(4096, 1000000, 1, 1000);
  for (int i = 0; i < 5; i++) {
    uint64_t t = r.c.now;
    CHECK(r.send(5, 1) == V{5});  // answered before the next send; full at 4 KB: leaves at once
    CHECK(r.c.now == t);
  }
  CHECK(r.all_done());
}

TEST_CASE("batching: batchSizeMax at batchSize turns growing off", "[producer][batching]") {
  Rig r(4096, 4096);
  r.c.hold_produce = true;
  CHECK(r.send(5, 2) == V{4, 1});  // nothing in flight at the seal: the rest leaves too
  CHECK(r.send(5, 1) == V{4});     // not grown; the 1 left waits behind the batches in flight
  CHECK(r.send(5, 1) == V{4});     // 1 + 3; 2 wait
  r.c.hold_produce = false;
  r.c.release_produce();
  r.c.run_until([&] { return r.all_done(); });
  CHECK(r.c.batch_records == V{4, 1, 4, 4, 2});
}

TEST_CASE("batching: MESSAGE_TOO_LARGE stops the partition's batches growing past half of it",
          "[producer][batching]") {
  Rig r(4096, 1000000);
  r.c.max_batch_bytes = 9000;  // the topic's max.message.bytes, below batchSizeMax
  r.c.hold_produce = true;
  CHECK(r.send(4, 1) == V{4});
  CHECK(r.send(5, 1) == V{5});
  CHECK(r.send(9, 0).empty());  // 9 records (9 KB) in one batch: refused once answered
  r.c.run_until([&] { return r.c.held_produce.size() == 3; });
  r.c.hold_produce = false;
  r.c.release_produce();        // the refused batch goes again one record per batch
  r.c.run_until([&] { return r.c.batch_records.size() == 2 + 9; });
  CHECK(r.c.batch_records == V{4, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1});
  CHECK(r.all_done());
  r.c.hold_produce = true;
  CHECK(r.send(5, 2) == V{4, 1});
  CHECK(r.send(9, 2) == V{4, 4});  // in flight, but capped at 4.5 KB now; 1 waits
  r.c.hold_produce = false;
  r.c.release_produce();
  r.c.run_until([&] { return r.all_done(); });
  CHECK(r.c.topics["t"].log[0].size() == 32);
}

TEST_CASE("batching: a Produce request carries at most 1 MiB of batches (one batch at least)",
          "[producer][batching]") {
  Rig r(700000, 700000, 3, 10000);  // batches of 600 KB wait for linger on three partitions
  std::vector<Messages> ms;
  for (int32_t part = 0; part < 3; part++) ms.emplace_back(600, part);
  Sent s[3];
  uvk_send_options o;
  uvk_send_options_init(&o);
  for (int32_t part = 0; part < 3; part++) {
    uvk_topic_messages tm{"t", ms[size_t(part)].msgs.data(), ms[size_t(part)].msgs.size()};
    REQUIRE(producer_send(r.p, &tm, 1, o, on_sent, &s[part], r.c.now) == 0);
  }
  r.c.run_until([&] { return s[0].calls + s[1].calls + s[2].calls == 3; });
  for (const Sent &x : s) CHECK(x.code == 0);
  CHECK(r.c.batch_records == V{600, 600, 600});
  CHECK(r.c.requests[proto::kProduce] == 3);  // together 1.8 MB: one request each
}

TEST_CASE("batching: a batch past its linger waits while its partition has one in flight",
          "[producer][batching]") {
  Rig r(4096, 16384);  // linger 0
  r.c.hold_produce = true;
  CHECK(r.send(1, 1) == V{1});  // nothing in flight: leaves at once
  CHECK(r.send(1, 0).empty());  // held behind the unanswered batch
  CHECK(r.send(1, 0).empty());
  r.c.run_until([&] { return r.c.held_produce.size() == 1; });
  CHECK(r.c.batch_records == V{1});
  r.c.hold_produce = false;
  r.c.release_produce();  // the answer: the two held messages leave together
  r.c.run_until([&] { return r.all_done(); });
  CHECK(r.c.batch_records == V{1, 2});
  r.c.hold_produce = true;
  CHECK(r.send(1, 1) == V{1});
  CHECK(r.send(5, 1) == V{5});  // a full batch never waits
  r.c.release_produce();
  CHECK(r.all_done());
}
