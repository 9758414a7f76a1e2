// A scripted Kafka cluster for engine tests: it plays the driver (EngineIo) with a fake
// clock, accepts or refuses connections per broker, and answers ApiVersions, Metadata and
// FindCoordinator from a script the test controls. No sockets, no real time: a test runs
// the engine until a condition holds, jumping the clock to the engine's next deadline.
#pragma once
#include <catch2/catch.hpp>

#include <stdint.h>
#include <string.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "proto/gen/api_table.h"
#include "proto/gen/api_versions.h"
#include "proto/gen/find_coordinator.h"
#include "proto/gen/headers.h"
#include "proto/gen/init_producer_id.h"
#include "proto/gen/metadata.h"
#include "proto/gen/produce.h"
#include "proto/records.h"
#include "uvkafka/uvkafka.h"

namespace fake {

using namespace uvk;

struct Broker {
  int32_t node_id;
  std::string host;
  uint16_t port;
  int refuse = 0;       // refuse this many connection attempts (-1: always)
  bool silent = false;  // accept, then never answer
  bool hidden = false;  // left out of Metadata answers (down, as the controller sees it)
  // api key -> throttle_time_ms of its next answers, front first (Metadata, Produce)
  std::map<int, std::vector<int32_t>> throttles = {};

  int32_t take_throttle(int key) {
    std::vector<int32_t> &v = throttles[key];
    if (v.empty()) return 0;
    int32_t ms = v.front();
    v.erase(v.begin());
    return ms;
  }
};

// A request as the broker read it: when (fake clock), where, which API.
struct Seen {
  uint64_t at;
  std::string addr;
  int16_t api_key;
  int16_t version = -1;
};

struct Topic {
  std::vector<int32_t> leaders;  // partition i's leader
  int16_t error = 0;
  int error_responses = 0;       // answer LEADER_NOT_AVAILABLE this many times first
  // Produce: what each partition stored (values in order) and errors to answer first.
  std::map<int32_t, std::vector<std::string>> log;
  std::map<int32_t, int32_t> next_seq;                 // idempotence: expected sequence
  std::map<int32_t, int16_t> seq_epoch;                // ... under this epoch
  std::map<int32_t, std::vector<int32_t>> base_seqs;   // every base sequence stored
  // Cluster::kafka_idempotence: per partition and producer id, the epoch, the next sequence
  // and the last 5 batches stored (first and last sequence, offset), as a Kafka broker keeps them.
  struct Appended {
    int16_t epoch;
    int32_t first, last;
    int64_t offset;
  };
  struct PidState {
    int16_t epoch = -1;
    int32_t next = 0;
    std::vector<Appended> last;
  };
  std::map<std::pair<int32_t, int64_t>, PidState> pids;
  int16_t produce_error = 0;
  int produce_errors = 0;        // answer produce_error this many times (-1: always)
  // KIP-951: NOT_LEADER_OR_FOLLOWER answers name the leader with this epoch (-1: they do not)
  // and list its endpoint.
  int32_t named_leader_epoch = -1;
  // The topic's id (16 bytes) in Metadata answers; empty: none (Metadata before v10). Produce
  // v13 finds the topic by it and answers UNKNOWN_TOPIC_ID for an id no topic has.
  std::string id;
};

inline Topic topic(std::vector<int32_t> leaders, int16_t error = 0, int error_responses = 0) {
  Topic t;
  t.leaders = std::move(leaders);
  t.error = error;
  t.error_responses = error_responses;
  return t;
}

struct Attempt {
  uint64_t at;
  std::string addr;
  int32_t failures_before;  // the address's failures when this attempt started
  uint64_t retry_at;        // its backoff end at that time (0: none)
};

struct Conn {
  ConnId id;
  std::string host;
  uint16_t port;
  bool pending = true;  // connect not answered yet
  bool open = false;
  bool closed = false;
};

struct Cluster {
  Engine *e = nullptr;
  uint64_t now = 1000;  // not 0: a deadline of 0 would look unset
  uint64_t timer = UINT64_MAX;
  bool deferred = false;
  std::vector<Broker> brokers;
  std::map<std::string, Topic> topics;
  std::vector<Conn> conns;
  std::vector<Attempt> attempts;
  std::vector<EngineEvent> events;
  std::vector<int32_t> queue_sizes;
  std::map<int, int> requests;  // api key -> requests answered or swallowed
  std::vector<Seen> seen;       // every request, in the order the brokers read them
  int32_t answer_throttle = 0;  // throttle_time_ms of the answer being built
  int16_t find_coordinator_max = proto::FindCoordinatorRequest::kMaxVersion;
  int32_t coordinator_node = 1;
  int32_t group_coordinator_node = -1;  // groups' coordinator (-1: coordinator_node)
  int coordinator_errors = 0;   // answer COORDINATOR_NOT_AVAILABLE this many times first
  std::vector<std::vector<std::string>> coordinator_keys;  // per request, the keys asked
  int drop_produce_answers = 0;
  // Produce answers wait here while hold_produce is set (a broker behind), until release_produce().
  bool hold_produce = false;
  std::vector<std::pair<ConnId, std::vector<uint8_t>>> held_produce;
  std::vector<int32_t> batch_records;  // records of each stored batch, in the order stored
  size_t max_batch_bytes = SIZE_MAX;  // a larger record batch gets MESSAGE_TOO_LARGE  // store the records, then lose the connection, this many times
  int64_t producer_id = 1000;
  int16_t producer_epoch = 0;
  // Idempotence as Kafka does it: InitProducerId without a transactional id hands out a new
  // producer id with epoch 0 (not the same id with a bumped epoch); a new id's first batch may
  // start at any sequence; a batch repeating one of the id's last 5 batches (epoch, first and
  // last sequence) is answered as a success with that batch's offset, and not stored.
  bool kafka_idempotence = false;
  std::vector<std::pair<int64_t, int16_t>> init_pid_requests;  // (id, epoch) each asked with
  // More APIs for a test to answer itself: offered in ApiVersions as (key, max version), and
  // answered by `other` (returns false to leave a request unanswered).
  std::vector<std::pair<int16_t, int16_t>> extra_apis;
  std::function<bool(int16_t key, int32_t corr, int16_t version, Reader *body, std::vector<uint8_t> *resp)> other;

  Cluster() = default;
  Cluster(const Cluster &) = delete;
  Cluster &operator=(const Cluster &) = delete;

  static EngineConfig default_config() {
    EngineConfig c;
    c.conn.client_id = "test-client";
    c.rng_seed = 42;
    return c;
  }

  void start(const EngineConfig &cfg, const std::vector<std::string> &seeds) {
    EngineIo io;
    io.ud = this;
    io.connect = [](void *ud, ConnId id, const char *host, uint16_t port) {
      Cluster *c = static_cast<Cluster *>(ud);
      std::string addr = std::string(host) + ":" + std::to_string(port);
      const AddrHealth *h = engine_addr_health(c->e, host, port);
      c->attempts.push_back(Attempt{c->now, addr, h ? h->failures : 0, h ? h->retry_at : 0});
      c->conns.push_back(Conn{id, host, port});
    };
    io.want_write = [](void *, ConnId) {};
    io.close = [](void *ud, ConnId id) {
      for (Conn &k : static_cast<Cluster *>(ud)->conns)
        if (k.id == id) k.closed = true;
    };
    io.set_timer = [](void *ud, uint64_t d) { static_cast<Cluster *>(ud)->timer = d; };
    io.defer = [](void *ud) { static_cast<Cluster *>(ud)->deferred = true; };
    e = engine_new(cfg, io, nullptr);
    REQUIRE(e);
    e->hooks.event = [](void *ud, const EngineEvent *ev) {
      Cluster *c = static_cast<Cluster *>(ud);
      c->events.push_back(*ev);
      if (ev->kind == kEngineEventRequestQueueSize) c->queue_sizes.push_back(ev->queue_size);
    };
    e->hooks.ud = this;
    for (const std::string &s : seeds) {
      size_t colon = s.rfind(':');
      REQUIRE(engine_add_seed(e, s.substr(0, colon).c_str(), uint16_t(std::stoi(s.substr(colon + 1)))) == 0);
    }
  }

  ~Cluster() { engine_free(e); }

  Broker *broker_at(const std::string &host, uint16_t port) {
    for (Broker &b : brokers)
      if (b.host == host && b.port == port) return &b;
    return nullptr;
  }

  int count(EngineEventKind kind) const {
    int n = 0;
    for (const EngineEvent &ev : events) n += ev.kind == kind;
    return n;
  }

  // ---- answers -------------------------------------------------------------------------

  template <class T>
  static std::vector<uint8_t> frame(int32_t correlation, int16_t key, int16_t version, const T &body) {
    Buf b;
    put_i32(&b, 0);
    proto::ResponseHeader h;
    h.correlation_id = correlation;
    REQUIRE(proto::encode(&b, h, proto::response_header_version(key, version)) == 0);
    REQUIRE(proto::encode(&b, body, version) == 0);
    patch_be32(&b, 0, uint32_t(b.len - 4));
    std::vector<uint8_t> out(b.data, b.data + b.len);
    buf_free(&b);
    return out;
  }

  std::vector<uint8_t> api_versions(int32_t corr, int16_t version) {
    std::vector<proto::ApiVersionsResponse::ApiVersion> keys;
    auto add = [&](int16_t k, int16_t max) {
      proto::ApiVersionsResponse::ApiVersion v;
      v.api_key = k, v.min_version = 0, v.max_version = max;
      keys.push_back(v);
    };
    add(proto::kApiVersions, 3);
    add(proto::kMetadata, proto::MetadataRequest::kMaxVersion);
    add(proto::kFindCoordinator, find_coordinator_max);
    add(proto::kProduce, proto::ProduceRequest::kMaxVersion);
    add(proto::kInitProducerId, proto::InitProducerIdRequest::kMaxVersion);
    for (const auto &x : extra_apis) add(x.first, x.second);
    proto::ApiVersionsResponse r;
    r.api_keys.items = keys.data();
    r.api_keys.count = int32_t(keys.size());
    return frame(corr, proto::kApiVersions, version, r);
  }

  std::vector<uint8_t> metadata(int32_t corr, int16_t version, Reader *body) {
    Arena a;
    proto::MetadataRequest req;
    REQUIRE(proto::decode(body, &a, &req, version) == 0);
    std::vector<std::string> asked;
    if (req.topics.count > 0)
      for (int32_t i = 0; i < req.topics.count; i++)
        asked.emplace_back(req.topics.items[i].name.data, size_t(req.topics.items[i].name.len));
    else
      for (auto &t : topics) asked.push_back(t.first);
    arena_free(&a);
    std::vector<proto::MetadataResponse::MetadataResponseBroker> bs;
    for (const Broker &b : brokers) {
      if (b.hidden) continue;
      proto::MetadataResponse::MetadataResponseBroker mb;
      mb.node_id = b.node_id;
      mb.host = proto::Str{b.host.c_str(), int32_t(b.host.size())};
      mb.port = b.port;
      bs.push_back(mb);
    }
    std::vector<proto::MetadataResponse::MetadataResponseTopic> ts(asked.size());
    std::vector<std::vector<proto::MetadataResponse::MetadataResponsePartition>> ps(asked.size());
    for (size_t i = 0; i < asked.size(); i++) {
      ts[i].name = proto::Str{asked[i].c_str(), int32_t(asked[i].size())};
      auto it = topics.find(asked[i]);
      if (it == topics.end()) {
        ts[i].error_code = 3;  // UNKNOWN_TOPIC_OR_PARTITION
        continue;
      }
      Topic &t = it->second;
      if (t.error_responses > 0) {
        t.error_responses--;
        ts[i].error_code = 5;  // LEADER_NOT_AVAILABLE: being created
        continue;
      }
      ts[i].error_code = t.error;
      if (t.id.size() == 16) memcpy(ts[i].topic_id.b, t.id.data(), 16);
      for (size_t p = 0; p < t.leaders.size(); p++) {
        proto::MetadataResponse::MetadataResponsePartition mp;
        mp.partition_index = int32_t(p);
        mp.leader_id = t.leaders[p];
        ps[i].push_back(mp);
      }
      ts[i].partitions.items = ps[i].data();
      ts[i].partitions.count = int32_t(ps[i].size());
    }
    proto::MetadataResponse r;
    r.brokers.items = bs.data();
    r.brokers.count = int32_t(bs.size());
    r.controller_id = brokers.empty() ? -1 : brokers[0].node_id;
    r.topics.items = ts.data();
    r.topics.count = int32_t(ts.size());
    r.throttle_time_ms = answer_throttle;
    return frame(corr, proto::kMetadata, version, r);
  }

  std::vector<uint8_t> find_coordinator(int32_t corr, int16_t version, Reader *body) {
    Arena a;
    proto::FindCoordinatorRequest req;
    REQUIRE(proto::decode(body, &a, &req, version) == 0);
    std::vector<std::string> keys;
    if (version >= 4)
      for (int32_t i = 0; i < req.coordinator_keys.count; i++)
        keys.emplace_back(req.coordinator_keys.items[i].data, size_t(req.coordinator_keys.items[i].len));
    else
      keys.emplace_back(req.key.data, size_t(req.key.len));
    arena_free(&a);
    coordinator_keys.push_back(keys);
    int16_t err = 0;
    if (coordinator_errors > 0) {
      coordinator_errors--;
      err = 15;  // COORDINATOR_NOT_AVAILABLE
    }
    int32_t node = req.key_type == 0 && group_coordinator_node >= 0 ? group_coordinator_node : coordinator_node;
    const Broker *b = nullptr;
    for (const Broker &x : brokers)
      if (x.node_id == node) b = &x;
    REQUIRE(b);
    if (b->hidden) err = 15;  // its coordinator is down: not available until it is back or moved
    proto::FindCoordinatorResponse r;
    std::vector<proto::FindCoordinatorResponse::Coordinator> cs(keys.size());
    if (version >= 4) {
      for (size_t i = 0; i < keys.size(); i++) {
        cs[i].key = proto::Str{keys[i].c_str(), int32_t(keys[i].size())};
        cs[i].node_id = err ? -1 : b->node_id;
        cs[i].host = proto::Str{b->host.c_str(), int32_t(b->host.size())};
        cs[i].port = err ? -1 : b->port;
        cs[i].error_code = err;
      }
      r.coordinators.items = cs.data();
      r.coordinators.count = int32_t(cs.size());
    } else {
      r.error_code = err;
      r.node_id = err ? -1 : b->node_id;
      r.host = proto::Str{b->host.c_str(), int32_t(b->host.size())};
      r.port = err ? -1 : b->port;
    }
    return frame(corr, proto::kFindCoordinator, version, r);
  }

  // Produce: the leader stores the records; another broker answers NOT_LEADER_OR_FOLLOWER.
  std::vector<uint8_t> produce(int32_t corr, int16_t version, Reader *body, const Broker *b, bool *reply) {
    Arena a;
    proto::ProduceRequest req;
    const uint8_t *wire = body->p;
    size_t wire_len = rd_left(body);
    REQUIRE(proto::decode(body, &a, &req, version) == 0);
    {
      // The producer writes Produce bodies itself (lib/client/producer_encode.cc): they must be
      // the generated codec's bytes, which the Java oracle checks.
      Buf again;
      REQUIRE(proto::encode(&again, req, version) == 0);
      bool same = again.len == wire_len && memcmp(again.data, wire, wire_len) == 0;
      buf_free(&again);
      REQUIRE(same);
    }
    *reply = req.acks != 0;
    std::vector<proto::ProduceResponse::TopicProduceResponse> ts(size_t(req.topic_data.count));
    std::vector<std::vector<proto::ProduceResponse::PartitionProduceResponse>> ps(ts.size());
    std::vector<std::string> names(ts.size());
    std::vector<proto::ProduceResponse::NodeEndpoint> endpoints;
    for (size_t i = 0; i < ts.size(); i++) {
      const auto &td = req.topic_data.items[i];
      names[i] = std::string(td.name.data, size_t(td.name.len));
      ts[i].name = proto::Str{names[i].c_str(), int32_t(names[i].size())};
      ts[i].topic_id = td.topic_id;
      Topic none;
      Topic *found = &none;
      if (version >= 13) {
        for (auto &kv : topics)
          if (kv.second.id.size() == 16 && memcmp(kv.second.id.data(), td.topic_id.b, 16) == 0) found = &kv.second;
      } else {
        found = &topics[names[i]];
      }
      Topic &t = *found;
      for (int32_t k = 0; k < td.partition_data.count; k++) {
        const auto &pd = td.partition_data.items[k];
        proto::ProduceResponse::PartitionProduceResponse pr;
        pr.index = pd.index;
        if (found == &none) {
          pr.error_code = 100;  // UNKNOWN_TOPIC_ID
        } else if (pd.index < 0 || size_t(pd.index) >= t.leaders.size()) {
          pr.error_code = 3;
        } else if (t.leaders[size_t(pd.index)] != b->node_id) {
          pr.error_code = 6;  // NOT_LEADER_OR_FOLLOWER
          if (t.named_leader_epoch >= 0) {
            pr.current_leader.leader_id = t.leaders[size_t(pd.index)];
            pr.current_leader.leader_epoch = t.named_leader_epoch;
            for (const Broker &x : brokers)
              if (x.node_id == pr.current_leader.leader_id && endpoints.empty())
                endpoints.push_back(proto::ProduceResponse::NodeEndpoint{x.node_id, proto::Str{x.host.c_str(), int32_t(x.host.size())},
                                                                         int32_t(x.port), proto::Str{}});
          }
        } else if (size_t(pd.records.len) > max_batch_bytes) {
          pr.error_code = 10;  // MESSAGE_TOO_LARGE
        } else if (t.produce_errors != 0) {
          if (t.produce_errors > 0) t.produce_errors--;
          pr.error_code = t.produce_error;
        } else {
          std::vector<std::string> &log = t.log[pd.index];
          pr.base_offset = int64_t(log.size());
          BatchReader br;
          batch_reader_init(&br, pd.records.data, size_t(pd.records.len));
          BatchView bv;
          while (batch_next(&br, &bv) == 1) {
            batch_records.push_back(bv.count);
            if (bv.producer_id >= 0 && kafka_idempotence) {
              Topic::PidState &st = t.pids[{pd.index, bv.producer_id}];
              int32_t last_seq = bv.base_sequence + bv.count - 1;
              const Topic::Appended *dup = nullptr;
              for (const Topic::Appended &x : st.last)
                if (x.epoch == bv.producer_epoch && x.first == bv.base_sequence && x.last == last_seq) dup = &x;
              if (dup) {
                pr.base_offset = dup->offset;  // a duplicate: its first write's offset
                break;
              }
              bool in_seq = st.epoch < 0 || (bv.producer_epoch > st.epoch ? bv.base_sequence == 0
                                                                          : bv.producer_epoch == st.epoch &&
                                                                                bv.base_sequence == st.next);
              if (!in_seq) {
                pr.error_code = 45;  // OUT_OF_ORDER_SEQUENCE_NUMBER
                break;
              }
              st.epoch = bv.producer_epoch;
              st.next = last_seq + 1;
              st.last.push_back(Topic::Appended{bv.producer_epoch, bv.base_sequence, last_seq, int64_t(log.size())});
              if (st.last.size() > 5) st.last.erase(st.last.begin());
              t.base_seqs[pd.index].push_back(bv.base_sequence);
            } else if (bv.producer_id >= 0) {
              // Idempotence as a broker keeps it: per partition, the next sequence.
              int32_t &expect = t.next_seq[pd.index];
              int16_t &ep = t.seq_epoch[pd.index];
              if (bv.producer_epoch > ep) {
                ep = bv.producer_epoch;
                expect = 0;
              }
              if (bv.base_sequence < expect) {
                pr.error_code = 46;  // DUPLICATE_SEQUENCE_NUMBER
                break;
              }
              if (bv.base_sequence > expect || bv.producer_epoch < ep) {
                pr.error_code = 45;  // OUT_OF_ORDER_SEQUENCE_NUMBER
                break;
              }
              expect += bv.count;
              t.base_seqs[pd.index].push_back(bv.base_sequence);
            }
            RecordIter it;
            record_iter_init(&it, &bv);
            RecordView rv;
            while (record_next(&it, &rv) == 1)
              log.push_back(rv.value ? std::string(reinterpret_cast<const char *>(rv.value), size_t(rv.value_len)) : "<null>");
          }
          batch_reader_free(&br);
        }
        ps[i].push_back(pr);
      }
      ts[i].partition_responses.items = ps[i].data();
      ts[i].partition_responses.count = int32_t(ps[i].size());
    }
    arena_free(&a);
    proto::ProduceResponse r;
    r.responses.items = ts.data();
    r.responses.count = int32_t(ts.size());
    r.throttle_time_ms = answer_throttle;
    r.node_endpoints.items = endpoints.data();
    r.node_endpoints.count = int32_t(endpoints.size());
    return frame(corr, proto::kProduce, version, r);
  }

  // One pass over everything that can move without the clock; true if something did.
  bool pump_once() {
    bool moved = false;
    if (deferred) {
      deferred = false;
      engine_run_deferred(e, now);
      moved = true;
    }
    for (size_t i = 0; i < conns.size(); i++) {
      if (conns[i].closed) continue;
      if (conns[i].pending) {
        conns[i].pending = false;
        moved = true;
        Broker *b = broker_at(conns[i].host, conns[i].port);
        if (!b || b->refuse != 0) {
          if (b && b->refuse > 0) b->refuse--;
          conns[i].closed = true;
          engine_on_conn_error(e, conns[i].id, UVK_ECONNECT, now);
          continue;
        }
        conns[i].open = true;
        engine_on_connected(e, conns[i].id, now);
        continue;
      }
      const uint8_t *p;
      size_t n = engine_conn_output(e, conns[i].id, &p);
      if (n == 0) continue;
      moved = true;
      std::vector<uint8_t> bytes(p, p + n);
      engine_conn_output_done(e, conns[i].id, n, now);
      Broker *b = broker_at(conns[i].host, conns[i].port);
      ConnId id = conns[i].id;
      Reader r = reader_make(bytes.data(), bytes.size());
      while (rd_left(&r) >= 4) {
        int32_t size = get_i32(&r);
        REQUIRE(size_t(size) <= rd_left(&r));
        Reader f = reader_make(rd_take(&r, size_t(size)), size_t(size));
        int16_t key = int16_t(f.p[0] << 8 | f.p[1]), version = int16_t(f.p[2] << 8 | f.p[3]);
        proto::RequestHeader h;
        Arena a;
        REQUIRE(proto::decode(&f, &a, &h, proto::request_header_version(key, version)) == 0);
        arena_free(&a);
        requests[key]++;
        seen.push_back(Seen{now, conns[i].host + ":" + std::to_string(conns[i].port), key, version});
        if (b && b->silent) continue;
        answer_throttle = b ? b->take_throttle(key) : 0;
        std::vector<uint8_t> resp;
        if (key == proto::kApiVersions) resp = api_versions(h.correlation_id, version);
        else if (key == proto::kMetadata) resp = metadata(h.correlation_id, version, &f);
        else if (key == proto::kFindCoordinator) resp = find_coordinator(h.correlation_id, version, &f);
        else if (key == proto::kProduce) {
          bool reply = true;
          resp = produce(h.correlation_id, version, &f, b, &reply);
          if (!reply) continue;
          if (hold_produce) {
            held_produce.emplace_back(id, std::move(resp));
            continue;
          }
          if (drop_produce_answers > 0) {
            // Stored, but the answer is lost with the connection.
            drop_produce_answers--;
            for (Conn &k : conns)
              if (k.id == id) k.closed = true;
            engine_on_conn_error(e, id, UVK_ECLOSED, now);
            break;
          }
        } else if (key == proto::kInitProducerId) {
          Arena ia;
          proto::InitProducerIdRequest ireq;
          REQUIRE(proto::decode(&f, &ia, &ireq, version) == 0);
          arena_free(&ia);
          init_pid_requests.emplace_back(ireq.producer_id, ireq.producer_epoch);
          if (kafka_idempotence) {
            if (init_pid_requests.size() > 1) producer_id++;  // a new id each time, epoch 0
            producer_epoch = 0;
          } else if (ireq.producer_id == producer_id) producer_epoch++;  // KIP-360 bump
          proto::InitProducerIdResponse ir;
          ir.producer_id = producer_id;
          ir.producer_epoch = producer_epoch;
          resp = frame(h.correlation_id, key, version, ir);
        } else if (other) {
          if (!other(key, h.correlation_id, version, &f, &resp)) continue;
        } else FAIL("the fake cluster got api key " << key);
        engine_on_read(e, id, resp.data(), resp.size(), now);
      }
    }
    return moved;
  }

  // Delivers the Produce answers held so far, in order.
  void release_produce() {
    std::vector<std::pair<ConnId, std::vector<uint8_t>>> held;
    held.swap(held_produce);
    for (auto &h : held) engine_on_read(e, h.first, h.second.data(), h.second.size(), now);
    pump();
  }

  void pump() {
    while (pump_once()) {
    }
  }

  // Runs until pred() holds, jumping the clock to each engine deadline. Fails when the
  // engine has nothing left to do first, or after `max_steps` clock jumps.
  template <class Pred>
  void run_until(Pred pred, int max_steps = 10000) {
    pump();
    for (int step = 0; !pred(); step++) {
      REQUIRE(step < max_steps);
      REQUIRE(timer != UINT64_MAX);  // nothing would ever happen
      uint64_t t = timer;
      timer = UINT64_MAX;
      if (t > now) now = t;
      engine_on_timer(e, now);
      pump();
    }
  }

  // Moves the clock forward by ms, firing whatever falls due on the way.
  void advance(uint64_t ms) {
    uint64_t until = now + ms;
    pump();
    while (timer <= until) {
      uint64_t t = timer;
      timer = UINT64_MAX;
      if (t > now) now = t;
      engine_on_timer(e, now);
      pump();
    }
    now = until;
  }
};

}  // namespace fake
