// Commit metadata (uvk_consumer_commit_offsets_with_metadata): what the coordinator gets on
// the wire, null against empty, the caller's string copied, the cap at the classic string's
// limit, the broker's OFFSET_METADATA_TOO_LARGE, and what a later auto-commit stores. The
// public client against two fake brokers (test/lib/consumer_rig.h); partition 0 lives on b1.
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>

#include "consumer_rig.h"
#include "fake_broker.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

namespace {

using Meta = std::optional<std::string>;

// A consumer with autoCommit that has read and committed partition 0's ten messages, then
// paused it, so that only the test's commits and seeks reach the coordinator.
struct MetaRig : ConsumerRig {
  // The commit_offsets events' partition -> metadata, per completed commit.
  std::vector<std::map<int32_t, Meta>> events;

  explicit MetaRig(const char *version_cap = nullptr) {
    b1.log[0] = values("v", 10);
    auto_commit = 1;
    if (version_cap) extra_config.emplace_back("protocolVersionCap", version_cap);
    before_run = [](ConsumerRig *rig) {
      REQUIRE(uvk_consumer_on(rig->consumer, UVK_EVENT_COMMIT_OFFSETS,
                              [](void *ud, const uvk_event *ev) {
                                const auto *c = static_cast<const uvk_event_commit_offsets *>(ev->payload);
                                std::map<int32_t, Meta> m;
                                for (size_t i = 0; i < c->n_offsets; i++)
                                  m[c->offsets[i].partition] =
                                      c->metadata && c->metadata[i] ? Meta(c->metadata[i]) : std::nullopt;
                                static_cast<MetaRig *>(ud)->events.push_back(m);
                              },
                              rig) > 0);
    };
    start();
    REQUIRE(run_until([&] { return seen.size() == 10 && cluster.committed[0] == 10; }));
    const int32_t p0 = 0;
    REQUIRE(uvk_consumer_pause(consumer, cluster.topic.c_str(), &p0, 1) == 0);
  }

  struct Result {
    bool done = false;
    int code = 0, kafka = 0, retriable = -1;
    std::string name;  // the Kafka error's name
  };
  // Commits by hand and waits for the answer.
  Result commit(const uvk_topic_partition_offset_metadata *o, size_t n) {
    Result res;
    REQUIRE(uvk_consumer_commit_offsets_with_metadata(consumer, o, n, [](uvk_consumer *, const uvk_error *e, void *ud) {
      Result *r = static_cast<Result *>(ud);
      r->done = true;
      r->code = uvk_error_code(e);
      r->kafka = uvk_error_kafka_code(e);
      r->retriable = uvk_error_is_retriable(e);
      if (e && uvk_error_kafka_name(e)) r->name = uvk_error_kafka_name(e);
    }, &res) == 0);
    REQUIRE(run_until([&] { return res.done; }));
    return res;
  }
};

}  // namespace

TEST_CASE("commit metadata: the coordinator stores each partition's string, null stays null", "[commit_metadata]") {
  MetaRig r;
  const char *t = r.cluster.topic.c_str();
  uvk_topic_partition_offset_metadata o[] = {{t, 0, 7, "event-id-3"}, {t, 1, 2, nullptr}};
  REQUIRE(r.commit(o, 2).code == 0);
  CHECK(r.cluster.committed[0] == 7);
  CHECK(r.cluster.committed_metadata[0] == Meta("event-id-3"));
  CHECK(r.cluster.committed[1] == 2);
  CHECK(r.cluster.committed_metadata[1] == std::nullopt);
  // The commit_offsets event says what was committed, metadata included.
  REQUIRE(!r.events.empty());
  CHECK(r.events.back() == std::map<int32_t, Meta>{{0, Meta("event-id-3")}, {1, std::nullopt}});
  // The empty string is not null.
  uvk_topic_partition_offset_metadata empty{t, 0, 6, ""};
  REQUIRE(r.commit(&empty, 1).code == 0);
  CHECK(r.cluster.committed_metadata[0] == Meta(""));
  // The commit without metadata sends null, as it always did.
  int done = 0;
  uvk_topic_partition_offset plain{t, 0, 8};
  REQUIRE(uvk_consumer_commit_offsets(r.consumer, &plain, 1, [](uvk_consumer *, const uvk_error *e, void *ud) {
    *static_cast<int *>(ud) = e ? 2 : 1;
  }, &done) == 0);
  REQUIRE(r.run_until([&] { return done != 0; }));
  REQUIRE(done == 1);
  CHECK(r.cluster.committed[0] == 8);
  CHECK(r.cluster.committed_metadata[0] == std::nullopt);
  CHECK(r.events.back() == std::map<int32_t, Meta>{{0, std::nullopt}});
}

TEST_CASE("commit metadata: the caller's string is borrowed only for the call", "[commit_metadata]") {
  MetaRig r;
  std::string mine = "first";
  uvk_topic_partition_offset_metadata o{r.cluster.topic.c_str(), 0, 4, mine.c_str()};
  int done = 0;
  REQUIRE(uvk_consumer_commit_offsets_with_metadata(r.consumer, &o, 1, [](uvk_consumer *, const uvk_error *e, void *ud) {
    *static_cast<int *>(ud) = e ? 2 : 1;
  }, &done) == 0);
  // Overwritten and freed before the request is encoded (that happens on the loop).
  mine.assign(mine.size(), 'X');
  mine = std::string(64, 'Y');
  REQUIRE(r.run_until([&] { return done != 0; }));
  REQUIRE(done == 1);
  CHECK(r.cluster.committed_metadata[0] == Meta("first"));
}

TEST_CASE("commit metadata: at the cap it fits the classic string of OffsetCommit v7, past it UVK_ETOOLARGE",
          "[commit_metadata]") {
  MetaRig r("2.3");  // OffsetCommit v7: int16 string lengths
  std::string at_cap(UVK_COMMIT_METADATA_MAX, 'm');
  at_cap[0] = 'a';
  at_cap.back() = 'z';
  uvk_topic_partition_offset_metadata o{r.cluster.topic.c_str(), 0, 3, at_cap.c_str()};
  REQUIRE(r.commit(&o, 1).code == 0);
  REQUIRE(r.cluster.committed_metadata[0].has_value());
  CHECK(r.cluster.committed_metadata[0]->size() == size_t(UVK_COMMIT_METADATA_MAX));
  CHECK(*r.cluster.committed_metadata[0] == at_cap);
  // One byte more: refused at once, no callback, nothing sent.
  std::string over(UVK_COMMIT_METADATA_MAX + 1, 'o');
  o.metadata = over.c_str();
  o.offset = 9;
  size_t journal = r.cluster.journal.size();
  bool called = false;
  REQUIRE(uvk_consumer_commit_offsets_with_metadata(r.consumer, &o, 1, [](uvk_consumer *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
  }, &called) == UVK_ETOOLARGE);
  // A commit after it is answered: the refused one would have been answered before it.
  uvk_topic_partition_offset_metadata next{r.cluster.topic.c_str(), 0, 5, "after"};
  REQUIRE(r.commit(&next, 1).code == 0);
  CHECK_FALSE(called);
  CHECK(r.cluster.journal.size() == journal + 1);
  CHECK(r.cluster.committed[0] == 5);
}

TEST_CASE("commit metadata: the broker's OFFSET_METADATA_TOO_LARGE reaches the callback by name",
          "[commit_metadata]") {
  MetaRig r;
  r.cluster.inject_errors[uvk::proto::kOffsetCommit].push_back(12);
  uvk_topic_partition_offset_metadata o{r.cluster.topic.c_str(), 0, 4, "too big for this broker"};
  MetaRig::Result res = r.commit(&o, 1);
  CHECK(res.code == UVK_EKAFKA);
  CHECK(res.kafka == 12);
  CHECK(res.name == "OFFSET_METADATA_TOO_LARGE");
  CHECK(res.retriable == 0);
  CHECK(r.cluster.committed[0] == 10);  // the broker kept what it had
  CHECK(r.cluster.committed_metadata[0] == std::nullopt);
}

TEST_CASE("commit metadata: an auto-commit finding nothing new keeps it, one that moves the offset stores null",
          "[commit_metadata]") {
  MetaRig r;
  const char *t = r.cluster.topic.c_str();
  // Seek back (its auto-commit stores 3 with null metadata), then commit 3 with metadata.
  REQUIRE(uvk_consumer_seek(r.consumer, t, 0, 3) == 0);
  REQUIRE(r.run_until([&] { return r.cluster.committed[0] == 3; }));
  uvk_topic_partition_offset_metadata o{t, 0, 3, "kept"};
  REQUIRE(r.commit(&o, 1).code == 0);
  size_t journal = r.cluster.journal.size();
  REQUIRE(uvk_consumer_commit_offsets_if_necessary(r.consumer) == 0);  // nothing resolved since
  // A commit of partition 1 after it: the coordinator answers in order, so once it is
  // answered an auto-commit sent before it would have arrived.
  uvk_topic_partition_offset_metadata p1{t, 1, 0, nullptr};
  REQUIRE(r.commit(&p1, 1).code == 0);
  CHECK(r.cluster.journal.size() == journal + 1);
  CHECK(r.cluster.committed[0] == 3);
  CHECK(r.cluster.committed_metadata[0] == Meta("kept"));
  // v3..v9 again: their auto-commit stores offset 10 and null metadata (KafkaJS does the same).
  const int32_t p0 = 0;
  REQUIRE(uvk_consumer_resume(r.consumer, t, &p0, 1) == 0);
  REQUIRE(r.run_until([&] { return r.seen.size() == 17 && r.cluster.committed[0] == 10; }));
  CHECK(r.cluster.committed_metadata[0] == std::nullopt);
}
