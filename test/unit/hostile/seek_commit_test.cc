// Seeks and commits around the consumer's handlers, found through the Node package's suite:
// isStale() sees a seek made while a partition's handler runs or is held; a committed offset
// loaded after a seek does not move the sought position back; an auto-commit that a
// threshold asked for while another was in flight follows it. The public client against two
// fake brokers (test/lib/consumer_rig.h); partition 0 lives on b1.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "consumer_rig.h"
#include "fake_broker.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

TEST_CASE("isStale: a seek inside the running handler makes its batch stale", "[seek_commit]") {
  ConsumerRig r;
  r.b1.log[0] = values("v", 4);
  int before = -1, after = -1;
  r.on_batch = [&](ConsumerRig *rig, const uvk_batch *b) {
    if (rig->batches == 1) {
      before = uvk_consumer_is_stale(rig->consumer, b->topic, 0);
      REQUIRE(uvk_consumer_seek(rig->consumer, b->topic, 0, 1) == 0);
      after = uvk_consumer_is_stale(rig->consumer, b->topic, 0);
    }
    return 0;
  };
  r.start();
  REQUIRE(r.run_until([&] { return r.batches >= 1; }));
  CHECK(before == 0);
  CHECK(after == 1);
}

TEST_CASE("isStale: a seek while the handler's batch is held makes it stale", "[seek_commit]") {
  ConsumerRig r;
  r.b1.log[0] = values("v", 4);
  std::string topic;
  r.on_batch = [&](ConsumerRig *rig, const uvk_batch *b) {
    if (rig->batches == 1) {
      topic = b->topic;
      return int(UVK_PENDING);
    }
    return 0;
  };
  r.start();
  REQUIRE(r.run_until([&] { return r.batches == 1; }));
  CHECK(uvk_consumer_is_stale(r.consumer, topic.c_str(), 0) == 0);
  REQUIRE(uvk_consumer_seek(r.consumer, topic.c_str(), 0, 1) == 0);
  CHECK(uvk_consumer_is_stale(r.consumer, topic.c_str(), 0) == 1);
  REQUIRE(uvk_consumer_done(r.consumer, topic.c_str(), 0, 0) == 0);
}

TEST_CASE("OffsetFetch: the committed offset does not override a seek made while it loaded", "[seek_commit]") {
  ConsumerRig r;
  r.b1.log[0] = values("v", 6);
  r.cluster.offset_fetch_committed = true;
  r.cluster.committed[0] = 2;
  // The join event comes before the committed offsets are asked for: the seek is first.
  r.before_run = [](ConsumerRig *rig) {
    REQUIRE(uvk_consumer_on(rig->consumer, UVK_EVENT_GROUP_JOIN,
                            [](void *ud, const uvk_event *) {
                              ConsumerRig *g = static_cast<ConsumerRig *>(ud);
                              REQUIRE(uvk_consumer_seek(g->consumer, g->cluster.topic.c_str(), 0, 4) == 0);
                            },
                            rig) > 0);
  };
  r.start();
  REQUIRE(r.run_until([&] { return r.seen.size() >= 2; }));
  CHECK(r.seen == std::vector<std::string>{"v4", "v5"});
}

TEST_CASE("auto-commit: a threshold reached while a commit is in flight commits when it completes", "[seek_commit]") {
  ConsumerRig r;
  r.b1.log[0] = values("v", 4);
  r.auto_commit = 1;
  r.auto_commit_threshold = 1;
  r.auto_resolve = 0;
  // Every Fetch answer checks the threshold too: long polls keep them away, so only the
  // completed commit can send the next one.
  r.max_wait = "10000";
  r.on_batch = [](ConsumerRig *rig, const uvk_batch *b) {
    if (rig->batches == 1) {
      // The first resolve sends a commit (offset 1); the second finds it in flight.
      REQUIRE(uvk_consumer_resolve_offset(rig->consumer, b->topic, 0, b->messages[0].offset) == 0);
      REQUIRE(uvk_consumer_commit_offsets_if_necessary(rig->consumer) == 0);
      REQUIRE(uvk_consumer_resolve_offset(rig->consumer, b->topic, 0, b->last_offset) == 0);
      REQUIRE(uvk_consumer_commit_offsets_if_necessary(rig->consumer) == 0);
    }
    return 0;
  };
  r.start();
  auto committed = [&](const std::string &what) {
    for (const std::string &e : r.cluster.journal)
      if (e.find(what) != std::string::npos) return true;
    return false;
  };
  REQUIRE(r.run_until([&] { return committed(" 0=1"); }));
  // No interval is set and no Fetch answers for 10 s: only the re-check commits offset 4.
  REQUIRE(r.run_until([&] { return committed(" 0=4"); }, 3000));
  CHECK(r.cluster.committed[0] == 4);
}

namespace {

// A consumer with autoCommit that has read and committed partition 0's ten messages, then
// pauses it (nothing more is processed until resume) and can seek, commit by hand and stop.
struct SeekCommitRig : ConsumerRig {
  std::vector<int64_t> seen_committed;  // partition 0's offsets in completed commits (the event)

  SeekCommitRig() {
    b1.log[0] = values("v", 10);
    auto_commit = 1;
    before_run = [](ConsumerRig *rig) {
      REQUIRE(uvk_consumer_on(rig->consumer, UVK_EVENT_COMMIT_OFFSETS,
                              [](void *ud, const uvk_event *ev) {
                                const auto *c = static_cast<const uvk_event_commit_offsets *>(ev->payload);
                                for (size_t i = 0; i < c->n_offsets; i++)
                                  if (c->offsets[i].partition == 0)
                                    static_cast<SeekCommitRig *>(ud)->seen_committed.push_back(c->offsets[i].offset);
                              },
                              rig) > 0);
    };
    start();
    REQUIRE(run_until([&] { return seen.size() == 10 && completed(10); }));
    const int32_t p0 = 0;
    REQUIRE(uvk_consumer_pause(consumer, cluster.topic.c_str(), &p0, 1) == 0);
  }

  bool completed(int64_t offset) const {
    for (int64_t o : seen_committed)
      if (o == offset) return true;
    return false;
  }

  // Partition 0's offsets in the OffsetCommit requests the coordinator got, in order.
  std::vector<int64_t> commits() const {
    std::vector<int64_t> out;
    for (const std::string &e : cluster.journal) {
      size_t at = e.find(" 0=");
      if (e.rfind("commit ", 0) == 0 && at != std::string::npos) out.push_back(std::stoll(e.substr(at + 3)));
    }
    return out;
  }

  void seek_and_wait(int64_t offset) {
    seen_committed.clear();
    REQUIRE(uvk_consumer_seek(consumer, cluster.topic.c_str(), 0, offset) == 0);
    REQUIRE(run_until([&] { return completed(offset); }));
  }

  void commit_by_hand(int64_t offset) {
    int done = 0;  // 1: succeeded, 2: failed (no REQUIRE inside the library's callback)
    uvk_topic_partition_offset tpo{cluster.topic.c_str(), 0, offset};
    REQUIRE(uvk_consumer_commit_offsets(consumer, &tpo, 1, [](uvk_consumer *, const uvk_error *e, void *ud) {
      *static_cast<int *>(ud) = e ? 2 : 1;
    }, &done) == 0);
    REQUIRE(run_until([&] { return done != 0; }));
    REQUIRE(done == 1);
  }

  void stop() {
    int stopped = 0;  // 1: stopped, 2: with an error
    REQUIRE(uvk_consumer_stop(consumer, [](uvk_consumer *, const uvk_error *e, void *ud) {
      *static_cast<int *>(ud) = e ? 2 : 1;
    }, &stopped) == 0);
    REQUIRE(run_until([&] { return stopped != 0; }));
    REQUIRE(stopped == 1);
  }
};

}  // namespace

TEST_CASE("seek, then a higher offset committed by hand: stopping does not commit the sought offset again",
          "[seek_commit]") {
  SeekCommitRig r;
  r.seek_and_wait(3);
  r.commit_by_hand(7);
  r.stop();
  std::vector<int64_t> sent = r.commits();
  REQUIRE(!sent.empty());
  CHECK(sent.back() == 7);
  CHECK(r.cluster.committed[0] == 7);
}

TEST_CASE("seek, a commit by hand, then messages resolved: stopping commits where they got to", "[seek_commit]") {
  SeekCommitRig r;
  r.seek_and_wait(3);
  r.commit_by_hand(7);
  const int32_t p0 = 0;
  REQUIRE(uvk_consumer_resume(r.consumer, r.cluster.topic.c_str(), &p0, 1) == 0);
  REQUIRE(r.run_until([&] { return r.seen.size() == 17; }));  // v3..v9 again
  CHECK(r.seen.back() == "v9");
  r.stop();
  std::vector<int64_t> sent = r.commits();
  REQUIRE(!sent.empty());
  CHECK(sent.back() == 10);
  CHECK(r.cluster.committed[0] == 10);
}

TEST_CASE("a lower offset committed by hand stands until more messages are resolved", "[seek_commit]") {
  SeekCommitRig r;
  r.commit_by_hand(4);  // resolved is 10: nothing new since the commit of 10
  r.stop();
  std::vector<int64_t> sent = r.commits();
  REQUIRE(!sent.empty());
  CHECK(sent.back() == 4);
  CHECK(r.cluster.committed[0] == 4);
}
