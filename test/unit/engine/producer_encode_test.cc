// The producer writes Produce request bodies itself, batches in place in the connection's
// output (lib/client/producer_encode.cc). The scripted broker (fake_cluster.h) re-encodes
// every Produce body it reads with the generated codec, which the Java oracle checks, and
// requires the same bytes; here every Produce version the client sends is exercised that way:
// classic and compact lengths, topics by name and by id, null and set keys, headers, and
// compressed batches whose length prefix is narrower than their uncompressed estimate.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "client/producer.h"
#include "client/producer_internal.h"
#include "engine/version_table.h"
#include "fake_cluster.h"

using namespace uvk;

namespace {

void on_sent(void *ud, const uvk_error *err, const uvk_record_metadata *, size_t) {
  int *ok = static_cast<int *>(ud);
  if (!err) ++*ok;
}

// One run against a broker capped at `rel`; the Produce versions the broker read.
std::set<int16_t> produce_at(const KafkaRelease *rel) {
  fake::Cluster c;
  c.brokers.push_back(fake::Broker{1, "b1", 9092});
  c.topics["plain"] = fake::topic({1, 1});
  c.topics["packed"] = fake::topic({1});
  c.topics["packed"].id = std::string(15, '\0') + "P";
  c.topics["plain"].id = std::string(15, '\0') + "Q";
  EngineConfig cfg = fake::Cluster::default_config();
  cfg.conn.cap = rel;
  c.start(cfg, {"b1:9092"});
  Producer *p = producer_new(c.e, ProducerConfig(), nullptr);
  std::vector<std::string> values;
  for (int i = 0; i < 40; i++) values.push_back(std::string(size_t(50 + i), char('a' + i % 26)));
  uvk_header h{"h", "v", 1};
  std::vector<uvk_message> plain, packed;
  for (size_t i = 0; i < values.size(); i++) {
    uvk_message m{nullptr, 0, values[i].data(), values[i].size(), int32_t(i % 2), -1, nullptr, 0};
    if (i % 3 == 0) m.key = "k", m.key_len = 1;
    if (i % 5 == 0) m.headers = &h, m.n_headers = 1;
    plain.push_back(m);
    m.partition = 0;
    packed.push_back(m);
  }
  uvk_send_options o;
  uvk_send_options_init(&o);
  o.acks = 1;
  int ok = 0;
  // Two topics in one turn: one request with two topic blocks, the first with two partitions.
  uvk_topic_messages both[2] = {{"plain", plain.data(), plain.size()}, {"packed", packed.data(), 1}};
  REQUIRE(producer_send(p, both, 2, o, on_sent, &ok, c.now) == 0);
  c.run_until([&] { return ok == 1; });
  // gzip: ~2 KB of records (a two-byte length estimate) shrink to well under 128 bytes.
  o.compression = UVK_COMPRESSION_GZIP;
  uvk_topic_messages gz{"packed", packed.data(), packed.size()};
  REQUIRE(producer_send(p, &gz, 1, o, on_sent, &ok, c.now) == 0);
  c.run_until([&] { return ok == 2; });
  CHECK(c.topics["packed"].log[0].size() == 1 + values.size());
  CHECK(c.topics["plain"].log[1].size() == values.size() / 2);
  producer_free(p);
  std::set<int16_t> versions;
  for (const fake::Seen &s : c.seen)
    if (s.api_key == proto::kProduce) versions.insert(s.version);
  return versions;
}

}  // namespace

TEST_CASE("producer: Produce bodies are the generated codec's bytes at every version sent", "[producer]") {
  // The newest release's versions with Produce held at each version in turn.
  for (int16_t v = kMinProduceVersion; v <= proto::ProduceRequest::kMaxVersion; v++) {
    KafkaRelease rel = kVersionTable[kVersionTableReleases - 1];
    rel.max_version[proto::kProduce] = v;
    INFO("Produce v" << v);
    CHECK(produce_at(&rel) == std::set<int16_t>{v});
  }
}
