// Where each assigned partition starts when the group has no offset for it (ListOffsets
// earliest / latest; the committed ones: consumer_offsets_load.cc), and Fetch: one request in
// flight per leader, covering every partition it leads that is neither paused nor backing off.
#include <string.h>

#include "client/consumer_internal.h"
#include "engine/coordinator.h"
#include "engine/kafka_errors.h"
#include "engine/metadata.h"
#include "engine/metadata_cache.h"
#include "engine/node_endpoint.h"
#include "proto/gen/api_table.h"
#include "proto/gen/fetch.h"
#include "proto/gen/list_offsets.h"
#include "uvkafka/uvk_errors.h"
#include "proto/client_versions.h"

namespace uvk {

namespace {

enum PendingKind { kEnsure = 21, kListOffsets, kFetch };  // 20: consumer_offsets_load.cc

const int16_t kOffsetOutOfRange = 1;
const int16_t kFetchSessionIdNotFound = 70;
const int16_t kInvalidFetchSessionEpoch = 71;
const int16_t kMaxFetchNameVersion = 12;  // 13+ names topics by id only
const int16_t kMaxFetchVersion = 18;      // when every topic of the request has a known id


bool same(const proto::Str &a, const char *b) {
  return int32_t(strlen(b)) == a.len && memcmp(a.data, b, size_t(a.len)) == 0;
}

void back_off(Consumer *c, PartState *ps, uint64_t now) {
  int64_t wait = 0;
  if (retry_on_error(&ps->retry, c->cfg.retry, &c->e->rng, UVK_ETIMEDOUT, &wait) != RetryVerdict::kRetry) {
    // Keep trying a partition forever, at the longest wait: the consumer never gives one up.
    wait = c->cfg.retry.max_retry_time;
  }
  ps->not_before = now + uint64_t(wait);
}

void retry_soon(void *ud, uint64_t now) { fetch_schedule(static_cast<Consumer *>(ud), now); }

// Allocation failed on the way to a request: nothing is in flight to call us back, so try
// again after the retry backoff (an earlier wake already armed is kept).
void fetch_retry_later(Consumer *c, uint64_t now) {
  // The client is disconnecting: its shutdown fires every timer at once, so one set here
  // would fire (and be set) again forever.
  if (c->e->shutting_down) return;
  uint64_t at = now + uint64_t(c->cfg.retry.initial_retry_time);
  if (engine_timer_pending(c->e, &c->fetch_timer) && c->fetch_timer.deadline <= at) return;
  engine_add_timer(c->e, &c->fetch_timer, at, retry_soon, c);
}

void set_name(proto::FetchRequest::FetchTopic *t, proto::Str s) { t->topic = s; }
void set_name(proto::ListOffsetsRequest::ListOffsetsTopic *t, proto::Str s) { t->name = s; }

// Groups the request's partitions (sel[0..n_sel), indexes into p->parts; all of them when
// sel is null) per topic into a request's topic array.
template <typename Topic, typename Part, typename Fill>
int group_by_topic(Pending *p, Consumer *c, const int32_t *sel, int32_t n_sel, Topic **out_topics, int32_t *out_n,
                   Fill fill) {
  if (!sel) n_sel = p->n_parts;
  auto at = [p, c, sel](int32_t k) -> const PartState * { return &c->parts[p->parts[sel ? sel[k] : k]]; };
  Topic *ts = arena_construct_array<Topic>(&p->arena, size_t(n_sel) + 1);
  Part *ps = arena_construct_array<Part>(&p->arena, size_t(n_sel) + 1);
  if (!ts || !ps) return UVK_ENOMEM;
  int32_t nt = 0, np = 0;
  for (int32_t i = 0; i < n_sel; i++) {
    const char *topic = at(i)->topic;
    bool seen = false;
    for (int32_t j = 0; j < i && !seen; j++) seen = at(j)->topic == topic;
    if (seen) continue;
    set_name(&ts[nt], proto::cstr(topic));
    ts[nt].partitions.items = &ps[np];
    for (int32_t j = i; j < n_sel; j++) {
      if (at(j)->topic != topic) continue;
      fill(&ps[np], at(j), sel ? sel[j] : j);
      np++;
      ts[nt].partitions.count++;
    }
    nt++;
  }
  *out_topics = ts;
  *out_n = nt;
  return 0;
}

// ---- metadata, ListOffsets --------------------------------------------------------------

void on_ensured(void *ud, const uvk_error *err) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  pending_free(p);
  if (!c) return;
  c->ensuring = false;
  uint64_t now = c->e->now;
  if (err) {
    engine_add_timer(c->e, &c->fetch_timer, now + uint64_t(c->cfg.retry.initial_retry_time), retry_soon, c);
    return;
  }
  c->metadata_ready = true;
  fetch_schedule(c, now);
}

int encode_list_offsets(void *ud, Buf *out, int16_t version) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  proto::ListOffsetsRequest req;
  req.replica_id = -1;
  if (!c || p->gen != c->assign_gen) return proto::encode(out, req, version);
  req.isolation_level = c->cfg.read_uncommitted ? 0 : 1;
  using T = proto::ListOffsetsRequest::ListOffsetsTopic;
  using P = proto::ListOffsetsRequest::ListOffsetsPartition;
  T *ts = nullptr;
  int32_t nt = 0;
  int rc = group_by_topic<T, P>(p, c, nullptr, 0, &ts, &nt, [](P *out_p, const PartState *ps, int32_t) {
    out_p->partition_index = ps->partition;
    out_p->timestamp = ps->from_beginning || ps->recreated ? -2 : -1;  // earliest : latest
  });
  if (rc != 0) return rc;
  req.topics.items = ts;
  req.topics.count = nt;
  return proto::encode(out, req, version);
}

void on_list_offsets(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = pending_claim(p, p->c && p->gen == p->c->assign_gen);
  if (!c) return;
  uint64_t now = c->e->now;
  proto::ListOffsetsResponse resp;
  if (err == 0) err = proto::decode(body, &p->arena, &resp, version);
  for (int32_t j = 0; j < p->n_parts; j++) c->parts[p->parts[j]].resetting = false;
  if (err != 0) consumer_log(c, UVK_LOG_WARN, "ListOffsets failed: %s", uvk_err_name(err));
  if (err != 0) {
    for (int32_t j = 0; j < p->n_parts; j++) back_off(c, &c->parts[p->parts[j]], now);
    c->metadata_ready = false;
  } else {
    for (int32_t t = 0; t < resp.topics.count; t++)
      for (int32_t i = 0; i < resp.topics.items[t].partitions.count; i++) {
        const auto &pr = resp.topics.items[t].partitions.items[i];
        for (int32_t j = 0; j < p->n_parts; j++) {
          PartState *ps = &c->parts[p->parts[j]];
          if (ps->partition != pr.partition_index || !same(resp.topics.items[t].name, ps->topic)) continue;
          if (pr.error_code != 0) {
            consumer_log(c, UVK_LOG_WARN, "ListOffsets %s/%d: %s", ps->topic, int(ps->partition),
                         uvk_err_name(UVK_ERR_KAFKA(pr.error_code)));
            if (metadata_cache_on_error(&c->e->mcache, ps->topic, pr.error_code)) c->metadata_ready = false;
            back_off(c, ps, now);
            continue;
          }
          if (ps->seq != p->seqs[j]) continue;  // a seek overtook the reset
          ps->position = pr.offset;
          ps->recreated = false;
          ps->seq++;
        }
      }
  }
  pending_free(p);
  fetch_schedule(c, now);
}

// ---- Fetch ------------------------------------------------------------------------------

// What a Fetch pending carries besides its partitions: the session plan it was encoded with.
struct FetchExtra {
  FetchPlan plan;
  FetchSessionPart *want;  // p->parts as the session sees them
  bool planned;
};

const int16_t kFirstSessionVersion = 7;

// How long a Fetch may wait for data. A node serves one Fetch of ours at a time, so a long
// poll for idle partitions would keep a partition whose handler finishes later (UVK_PENDING)
// waiting that long once it is done: while any partition is held, the poll stays short.
const int32_t kHeldMaxWaitMs = 100;

int32_t fetch_max_wait(const Consumer *c) {
  for (int32_t i = 0; i < c->n_parts; i++)
    if (c->parts[i].held) return c->cfg.max_wait_ms < kHeldMaxWaitMs ? c->cfg.max_wait_ms : kHeldMaxWaitMs;
  return c->cfg.max_wait_ms;
}

int encode_fetch(void *ud, Buf *out, int16_t version) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  proto::FetchRequest req;
  FetchExtra *x = static_cast<FetchExtra *>(p->extra);
  if (!c || p->gen != c->assign_gen || !x) return proto::encode(out, req, version);
  req.replica_id = -1;
  req.max_wait_ms = p->ahead ? 0 : fetch_max_wait(c);
  req.min_bytes = c->cfg.min_bytes;
  req.max_bytes = c->cfg.max_bytes;
  req.isolation_level = c->cfg.read_uncommitted ? 0 : 1;
  req.rack_id = proto::cstr(c->rack_id);
  // The session decides which partitions go on the wire (all of them in a full request).
  FetchSession *s = fetch_session_of(c, p->node, true);
  FetchSession none;
  x->planned = false;
  int rc = fetch_session_plan(s ? s : &none, x->want, p->n_parts, s && version >= kFirstSessionVersion, &p->arena,
                              &x->plan);
  if (rc != 0) return rc;
  x->planned = true;
  req.session_id = x->plan.session_id;
  req.session_epoch = x->plan.epoch;
  using T = proto::FetchRequest::FetchTopic;
  using P = proto::FetchRequest::FetchPartition;
  T *ts = nullptr;
  int32_t nt = 0;
  int32_t max_part = c->cfg.max_bytes_per_partition;
  const int64_t *offsets = p->offsets;
  rc = group_by_topic<T, P>(p, c, x->plan.send, x->plan.n_send, &ts, &nt,
                            [max_part, offsets](P *out_p, const PartState *ps, int32_t j) {
                              out_p->partition = ps->partition;
                              out_p->fetch_offset = offsets[j];
                              out_p->partition_max_bytes = max_part;
                            });
  if (rc != 0) return rc;
  if (version >= 13) {  // topics by id: each one's is in its partitions' state
    for (int32_t k = 0; k < nt; k++)
      for (int32_t j = 0; j < p->n_parts; j++)
        if (c->parts[p->parts[j]].topic == ts[k].topic.data) {
          memcpy(ts[k].topic_id.b, c->parts[p->parts[j]].topic_id, 16);
          break;
        }
  }
  req.topics.items = ts;
  req.topics.count = nt;
  // Forgotten partitions, per topic.
  using F = proto::FetchRequest::ForgottenTopic;
  int32_t nf = x->plan.n_forget;
  F *fs = arena_construct_array<F>(&p->arena, size_t(nf) + 1);
  int32_t *ids = arena_new_array<int32_t>(&p->arena, size_t(nf) + 1);
  bool *done = arena_new_array<bool>(&p->arena, size_t(nf) + 1);
  if (!fs || !ids || !done) return UVK_ENOMEM;
  int32_t nft = 0, nid = 0;
  for (int32_t i = 0; i < nf; i++) {
    if (done[i]) continue;
    const char *topic = x->plan.forget[i].topic;
    fs[nft].topic = proto::cstr(topic);
    if (version >= 13) {  // the id the session knows: the cached one (sessions restart when it changes)
      const CachedTopic *ct = metadata_cache_topic(&c->e->mcache, topic);
      if (ct) memcpy(fs[nft].topic_id.b, ct->topic_id, 16);
    }
    fs[nft].partitions.items = &ids[nid];
    for (int32_t j = i; j < nf; j++) {
      if (done[j] || strcmp(x->plan.forget[j].topic, topic) != 0) continue;
      done[j] = true;
      ids[nid++] = x->plan.forget[j].partition;
      fs[nft].partitions.count++;
    }
    nft++;
  }
  req.forgotten_topics_data.items = fs;
  req.forgotten_topics_data.count = nft;
  return proto::encode(out, req, version);
}

// The offset after a fetched partition's last complete record batch, from the batch headers
// alone (no CRC or record is read); 0 when unknown (an older message format, nothing whole).
int64_t records_end(const uint8_t *data, size_t len) {
  const size_t kHeader = 61;  // a v2 batch header, up to the record count
  int64_t end = 0;
  size_t at = 0;
  while (len - at >= kHeader) {
    const uint8_t *b = data + at;
    uint64_t base = 0;
    for (int i = 0; i < 8; i++) base = base << 8 | b[i];
    uint32_t size = uint32_t(b[8]) << 24 | uint32_t(b[9]) << 16 | uint32_t(b[10]) << 8 | b[11];
    if (b[16] != 2 || size < kHeader - 12 || size > len - at - 12) break;
    int32_t delta = int32_t(uint32_t(b[23]) << 24 | uint32_t(b[24]) << 16 | uint32_t(b[25]) << 8 | b[26]);
    int64_t last = int64_t(base) + delta;
    if (int64_t(base) < 0 || delta < 0 || last < int64_t(base)) break;
    end = last + 1;
    at += 12 + size_t(size);
  }
  return end;
}

// The index in p of the partition an answer names (by name, or by id from v13), or -1 when
// p did not ask for it.
int32_t asked_index(const Consumer *c, const Pending *p, const proto::FetchResponse::FetchableTopicResponse &tr,
                    int32_t partition, int16_t version) {
  for (int32_t j = 0; j < p->n_parts; j++) {
    if (p->parts[j] < 0) continue;  // left the assignment while in flight
    const PartState *ps = &c->parts[p->parts[j]];
    if (ps->partition != partition) continue;
    if (version >= 13 ? memcmp(tr.topic_id.b, ps->topic_id, 16) == 0 : same(tr.topic, ps->topic)) return j;
  }
  return -1;
}

// KIP-951: NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH naming the partition's current leader
// (Fetch v12+), with its endpoint (v16+): the cache takes a newer leader, so the partition is
// fetched from there at once instead of after a Metadata round trip.
bool is_leader_error(int16_t code) { return code == 6 || code == 74; }

void take_named_leaders(Consumer *c, const Pending *p, const proto::FetchResponse &resp, int16_t version) {
  bool named = false;
  for (int32_t t = 0; t < resp.responses.count; t++) {
    const auto &tr = resp.responses.items[t];
    for (int32_t i = 0; i < tr.partitions.count; i++) {
      const auto &pr = tr.partitions.items[i];
      if (!is_leader_error(pr.error_code) || pr.current_leader.leader_id < 0) continue;
      int32_t j = asked_index(c, p, tr, pr.partition_index, version);
      if (j < 0) continue;
      const PartState *ps = &c->parts[p->parts[j]];
      named = metadata_cache_set_leader(&c->e->mcache, ps->topic, ps->partition, pr.current_leader.leader_id,
                                        pr.current_leader.leader_epoch) || named;
    }
  }
  if (!named) return;
  for (int32_t i = 0; i < resp.node_endpoints.count; i++) {
    const auto &n = resp.node_endpoints.items[i];
    engine_take_node_endpoint(c->e, n.node_id, n.host, n.port);
  }
}

// Whether a leader error needs nothing more: the partition's leader is now another node (named
// by the answer), where the next fetch_schedule sends it without a backoff.
bool leader_moved_on(Consumer *c, const PartState *ps, int32_t node, int16_t code) {
  int32_t leader = -1;
  if (!is_leader_error(code) || engine_leader(c->e, ps->topic, ps->partition, &leader) != 0 || leader == node)
    return false;
  consumer_log(c, UVK_LOG_INFO, "Fetch %s/%d: leader moved from node %d to %d (named by the broker)", ps->topic,
               int(ps->partition), int(node), int(leader));
  return true;
}

// Asks each node for what follows this answer before it is handed to the handlers, so the
// next answer travels while they run. A prediction the handlers do not meet (a seek, an
// unresolved eachBatch, a failure) makes that answer stale: on_fetch drops it as overtaken.
// A handler that finishes later (UVK_PENDING) holds its partition: the answer asked ahead for
// it is parked until uvk_consumer_done (consumer_fetch_park.cc). A Fetch asked ahead does not
// wait for data: built before the handlers ran, it would otherwise keep the node busy with a
// long poll while the handlers pause, resume or finish partitions that then wait for it.
void fetch_ahead(Consumer *c, Pending *p, const proto::FetchResponse &resp, int16_t version, uint64_t now) {
  bool any = false;
  for (int32_t t = 0; t < resp.responses.count; t++) {
    const auto &tr = resp.responses.items[t];
    for (int32_t i = 0; i < tr.partitions.count; i++) {
      const auto &pr = tr.partitions.items[i];
      int32_t j = asked_index(c, p, tr, pr.partition_index, version);
      if (j < 0 || pr.error_code != 0 || pr.records.len <= 0) continue;
      PartState *ps = &c->parts[p->parts[j]];
      if (ps->seq != p->seqs[j] || ps->position != p->offsets[j] || ps->held || part_paused(c, ps))
        continue;
      int64_t end = records_end(pr.records.data, size_t(pr.records.len));
      if (end > ps->position) {
        ps->ahead = end;
        any = true;
      }
    }
  }
  if (!any) return;
  p->answered = true;
  c->asking_ahead = true;
  fetch_schedule(c, now);
  c->asking_ahead = false;
  for (int32_t i = 0; i < c->n_parts; i++) c->parts[i].ahead = 0;  // only that Fetch asks from there
}

// Aborted transactions (read_committed) of a partition's answer: their producer ids and
// first offsets, in p's arena. False when there is no memory.
bool aborted_of(Pending *p, const proto::FetchResponse::PartitionData &pr, int64_t **pids, int64_t **firsts,
                int32_t *n) {
  int32_t na = pr.aborted_transactions.count > 0 ? pr.aborted_transactions.count : 0;
  *pids = arena_new_array<int64_t>(&p->arena, size_t(na) + 1);
  *firsts = arena_new_array<int64_t>(&p->arena, size_t(na) + 1);
  if (!*pids || !*firsts) return false;
  for (int32_t a = 0; a < na; a++) {
    (*pids)[a] = pr.aborted_transactions.items[a].producer_id;
    (*firsts)[a] = pr.aborted_transactions.items[a].first_offset;
  }
  *n = na;
  return true;
}

// A held partition's answer (asked ahead of its held batch) that starts where that batch
// ends, as its handler left it (no seek, pause or failure since): parked for uvk_consumer_done.
// Without auto-resolve (held_next -1: the Node binding's eachMessage) where the batch ends
// is known at uvk_consumer_done: parked, and handed over only if everything was resolved.
void park_if_next(Consumer *c, Pending *p, int32_t j, const proto::FetchResponse::PartitionData &pr) {
  PartState *ps = &c->parts[p->parts[j]];
  if (pr.error_code != 0 || pr.records.len <= 0 || ps->held_stale || ps->seq != p->seqs[j] ||
      ps->seeks != ps->held_seeks || (ps->held_next != p->offsets[j] && ps->held_next >= 0) || part_paused(c, ps))
    return;
  int64_t *pids = nullptr, *firsts = nullptr;
  int32_t na = 0;
  if (!aborted_of(p, pr, &pids, &firsts, &na)) return;
  if (!fetch_park(c, p->parts[j], p->node, ps->seq, p->offsets[j], pr.high_watermark, pr.records.data,
                  size_t(pr.records.len), pids, firsts, na))
    return;
  ps->high_watermark = pr.high_watermark;
  retry_start(&ps->retry, c->cfg.retry, &c->e->rng);
}

void on_fetch(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Pending *p = static_cast<Pending *>(ud);
  if (p->c && p->gen != p->c->assign_gen) {
    // A stale answer is dropped, but the broker moved its session on: start it over.
    if (FetchSession *s = fetch_session_of(p->c, p->node, false)) fetch_session_reset(s);
  }
  Consumer *c = pending_claim(p, p->c && p->gen == p->c->assign_gen);
  if (!c) return;
  uint64_t now = c->e->now;
  for (int32_t j = 0; j < p->n_parts; j++)
    if (p->parts[j] >= 0) c->parts[p->parts[j]].fetching = false;
  proto::FetchResponse resp;
  if (err == 0) err = proto::decode(body, &p->arena, &resp, version);
  if (err == 0 && resp.error_code != 0) err = UVK_ERR_KAFKA(resp.error_code);
  int32_t batches = 0;
  FetchSession *session = fetch_session_of(c, p->node, false);
  const FetchExtra *x = static_cast<const FetchExtra *>(p->extra);
  if (session && err != 0) fetch_session_reset(session);  // the next request starts over, full
  if (session && err == 0 && x && x->planned)
    fetch_session_commit(session, x->plan, version >= kFirstSessionVersion ? resp.session_id : 0, x->want,
                         p->n_parts, c->alloc);
  bool session_lost = err == UVK_ERR_KAFKA(kFetchSessionIdNotFound) || err == UVK_ERR_KAFKA(kInvalidFetchSessionEpoch);
  if (session_lost) {
    // The broker evicted or no longer recognizes our session: a full request right away.
    consumer_log(c, UVK_LOG_INFO, "Fetch session with node %d lost (%s): starting a new one", int(p->node),
                 uvk_err_name(err));
  } else if (err != 0) {
    consumer_log(c, UVK_LOG_WARN, "Fetch from node %d failed: %s", int(p->node), uvk_err_name(err));
    for (int32_t j = 0; j < p->n_parts; j++) {
      if (p->parts[j] < 0) continue;
      back_off(c, &c->parts[p->parts[j]], now);
      // The node may be gone (killed, fenced): the cluster is asked where its partitions
      // went, not the cache, which would send them back to it until its metadata expired.
      metadata_cache_mark_stale(&c->e->mcache, c->parts[p->parts[j]].topic);
    }
    c->metadata_ready = false;
  } else {
    uint32_t gen = c->assign_gen;
    take_named_leaders(c, p, resp, version);  // before fetch_ahead, which may send to them
    fetch_ahead(c, p, resp, version, now);
    for (int32_t t = 0; t < resp.responses.count && gen == c->assign_gen; t++) {
      const auto &tr = resp.responses.items[t];
      for (int32_t i = 0; i < tr.partitions.count && gen == c->assign_gen; i++) {
        const auto &pr = tr.partitions.items[i];
        int32_t j = asked_index(c, p, tr, pr.partition_index, version);
        if (j < 0) continue;  // not asked for
        PartState *ps = &c->parts[p->parts[j]];
        if (ps->held) {  // its handler is not done: what follows its batch waits for it
          park_if_next(c, p, j, pr);
          continue;
        }
        if (ps->seq != p->seqs[j] || ps->position != p->offsets[j]) continue;  // overtaken
        if (pr.error_code == kOffsetOutOfRange) {
          ps->position = -1;  // reset by the from-beginning policy
          ps->seq++;
          continue;
        }
        if (pr.error_code != 0 && leader_moved_on(c, ps, p->node, pr.error_code)) continue;
        if (pr.error_code != 0) {
          consumer_log(c, UVK_LOG_WARN, "Fetch %s/%d: %s", ps->topic, int(ps->partition),
                       uvk_err_name(UVK_ERR_KAFKA(pr.error_code)));
          if (metadata_cache_on_error(&c->e->mcache, ps->topic, pr.error_code)) c->metadata_ready = false;
          back_off(c, ps, now);
          continue;
        }
        retry_start(&ps->retry, c->cfg.retry, &c->e->rng);
        ps->high_watermark = pr.high_watermark;
        if (pr.records.len <= 0 || part_paused(c, ps)) continue;
        int64_t *pids = nullptr, *firsts = nullptr;
        int32_t na = 0;
        if (!aborted_of(p, pr, &pids, &firsts, &na)) {
          back_off(c, ps, now);
          continue;
        }
        batches++;
        int bad = deliver(c, ps, pr.records.data, size_t(pr.records.len), pr.high_watermark, pids, firsts, na);
        if (bad < 0) {
          back_off(c, ps, now);  // not again at once: the same bytes would come back
          rd_fail(body, bad);    // the connection closes with it (conn_read)
        }
      }
    }
  }
  uvk_event_fetch ev{p->node, batches, int64_t(now - p->started)};
  pending_free(p);
  consumer_emit(c, UVK_EVENT_FETCH, &ev);
  if (c->run.auto_commit) consumer_commit_if_necessary(c, now);
  fetch_schedule(c, now);
}

bool node_busy(const Consumer *c, int32_t node) {
  for (const Pending *p = c->pending; p; p = p->next)
    if ((p->kind == kFetch || p->kind == kListOffsets) && p->node == node && p->gen == c->assign_gen && !p->answered)
      return true;
  return false;
}

// One request of `kind` to `node` for the marked partitions (mark[i] == node).
void send_to_node(Consumer *c, int kind, int32_t node, const int32_t *leaders, const bool *want, uint64_t now) {
  Pending *p = pending_new(c, kind);
  if (!p) return fetch_retry_later(c, now);  // allocation failed: try again after the retry backoff
  int32_t n = 0;
  for (int32_t i = 0; i < c->n_parts; i++) n += want[i] && leaders[i] == node;
  p->parts = arena_new_array<int32_t>(&p->arena, size_t(n) + 1);
  p->seqs = arena_new_array<uint32_t>(&p->arena, size_t(n) + 1);
  p->offsets = arena_new_array<int64_t>(&p->arena, size_t(n) + 1);
  if (!p->parts || !p->seqs || !p->offsets) {
    pending_free(p);
    return fetch_retry_later(c, now);  // allocation failed: try again after the retry backoff
  }
  for (int32_t i = 0; i < c->n_parts; i++) {
    if (!want[i] || leaders[i] != node) continue;
    PartState *ps = &c->parts[i];
    p->parts[p->n_parts] = i;
    p->seqs[p->n_parts] = ps->seq;
    p->offsets[p->n_parts] = kind == kFetch && ps->ahead > 0 ? ps->ahead : ps->position;
    p->n_parts++;
    if (kind == kFetch) ps->fetching = true;
    else ps->resetting = true;
  }
  p->gen = c->assign_gen;
  p->node = node;
  p->started = now;
  p->ahead = kind == kFetch && c->asking_ahead;
  if (kind == kFetch) {
    FetchExtra *x = arena_new_array<FetchExtra>(&p->arena, 1);
    FetchSessionPart *as_session = arena_new_array<FetchSessionPart>(&p->arena, size_t(n) + 1);
    if (!x || !as_session) {
      for (int32_t j = 0; j < p->n_parts; j++) c->parts[p->parts[j]].fetching = false;
      pending_free(p);
      return fetch_retry_later(c, now);  // allocation failed: try again after the retry backoff
    }
    for (int32_t j = 0; j < p->n_parts; j++) {
      const PartState *ps = &c->parts[p->parts[j]];
      as_session[j] = FetchSessionPart{ps->topic, ps->partition, p->offsets[j]};
    }
    x->want = as_session;
    p->extra = x;
    p->req.api_key = proto::kFetch;
    p->req.min_version = 4;
    // v13+ names topics by id: only when every topic of the request has one.
    bool ids = true;
    for (int32_t j = 0; j < p->n_parts && ids; j++) {
      const uint8_t *id = c->parts[p->parts[j]].topic_id;
      bool zero = true;
      for (int b = 0; b < 16 && zero; b++) zero = id[b] == 0;
      ids = !zero;
    }
    p->req.max_version = ids ? kMaxFetchVersion : kMaxFetchNameVersion;
    p->req.encode = encode_fetch;
    p->req.done = on_fetch;
    // The broker may hold it maxWaitTimeInMs before it answers: that time is not the timeout's.
    p->req.min_timeout_ms = uint64_t(c->cfg.max_wait_ms) + c->e->cfg.conn.request_timeout_ms;
  } else {
    p->req.api_key = proto::kListOffsets;
    p->req.min_version = 1;
    p->req.max_version = proto::kUseListOffsets;
    p->req.encode = encode_list_offsets;
    p->req.done = on_list_offsets;
  }
  p->req.ud = p;
  consumer_log(c, UVK_LOG_DEBUG, "%s to node %d for %d partitions", kind == kFetch ? "Fetch" : "ListOffsets",
               int(node), int(p->n_parts));
  if (kind == kFetch) {
    uvk_event_fetch ev{node, 0, 0};
    consumer_emit(c, UVK_EVENT_FETCH_START, &ev);
  }
  // Fetches hold their connection for up to maxWaitTimeInMs: they get their own lane.
  int rc = engine_send_lane(c->e, node, kind == kFetch ? c->fetch_lane : 0, &p->req, now);  // p may be gone at 0
  if (rc != 0) {
    for (int32_t j = 0; j < p->n_parts; j++) {
      PartState *ps = &c->parts[p->parts[j]];
      ps->fetching = ps->resetting = false;
      back_off(c, ps, now);
    }
    c->metadata_ready = false;
    pending_free(p);
  }
}

}  // namespace

FetchSession *fetch_session_of(Consumer *c, int32_t node, bool create) {
  for (int32_t i = 0; i < c->n_fsessions; i++)
    if (c->fsessions[i].node == node) return &c->fsessions[i];
  if (!create || c->n_fsessions >= 4096) return nullptr;
  void *grown = mem_realloc(c->alloc, c->fsessions, sizeof(FetchSession) * size_t(c->n_fsessions + 1));
  if (!grown) return nullptr;
  c->fsessions = static_cast<FetchSession *>(grown);
  FetchSession *s = new (&c->fsessions[c->n_fsessions++]) FetchSession();
  s->node = node;
  return s;
}

void fetch_follow(Consumer *c, const int32_t *moved_to, uint32_t new_gen) {
  fetch_park_follow(c, moved_to, new_gen);
  for (Pending *p = c->pending; p; p = p->next) {
    if (p->kind != kFetch || p->gen != c->assign_gen) continue;
    FetchExtra *x = static_cast<FetchExtra *>(p->extra);
    bool on_wire = !x || x->planned;
    int32_t k = 0;
    for (int32_t j = 0; j < p->n_parts; j++) {
      // -1: it left at an earlier reassignment while this Fetch was on the wire.
      int32_t to = p->parts[j] < 0 ? -1 : moved_to[p->parts[j]];
      if (on_wire) {  // the session plan names what was sent: keep the slot, its answer is skipped
        p->parts[j] = to;
        continue;
      }
      if (to < 0) continue;  // not encoded yet: it never goes on the wire
      p->parts[k] = to;
      p->seqs[k] = p->seqs[j];
      p->offsets[k] = p->offsets[j];
      x->want[k] = x->want[j];
      k++;
    }
    if (!on_wire) p->n_parts = k;
    p->gen = new_gen;
  }
}

int64_t fetch_records_end(const uint8_t *data, size_t len) { return records_end(data, len); }

void fetch_back_off(Consumer *c, PartState *ps, uint64_t now) { back_off(c, ps, now); }

bool fetch_leaders_known(Consumer *c) {
  for (int32_t i = 0; i < c->n_parts; i++) {
    int32_t leader = -1;
    if (engine_leader(c->e, c->parts[i].topic, c->parts[i].partition, &leader) != 0) return false;
  }
  return true;
}

void fetch_sessions_reset(Consumer *c) {
  for (int32_t i = 0; i < c->n_fsessions; i++) fetch_session_reset(&c->fsessions[i]);
}

void fetch_sessions_free(Consumer *c) {
  for (int32_t i = 0; i < c->n_fsessions; i++) fetch_session_free(&c->fsessions[i], c->alloc);
  mem_free(c->alloc, c->fsessions);
  c->fsessions = nullptr;
  c->n_fsessions = 0;
}

// Takes the topic's id from the metadata the first time; a different one later means the
// topic was deleted and created again under the same name: the old topic's position (and what
// was resolved or committed there) means nothing in the new one, which is read from its start.
static void note_topic_id(Consumer *c, PartState *ps) {
  const CachedTopic *ct = metadata_cache_topic(&c->e->mcache, ps->topic);
  static const uint8_t kZero[16] = {0};
  if (!ct || memcmp(ct->topic_id, kZero, 16) == 0 || memcmp(ct->topic_id, ps->topic_id, 16) == 0) return;
  bool had = memcmp(ps->topic_id, kZero, 16) != 0;
  memcpy(ps->topic_id, ct->topic_id, 16);
  if (!had) return;
  consumer_log(c, UVK_LOG_WARN, "Topic %s was deleted and created again (a new topic id): partition %d is read "
               "from the beginning of the new topic", ps->topic, int(ps->partition));
  ps->position = -1;
  ps->resolved = ps->committed = ps->resolved_at_commit = -1;
  ps->ahead = 0;
  ps->recreated = true;
  ps->seq++;
  fetch_sessions_reset(c);  // the brokers' sessions name the old topic
}

void fetch_schedule(Consumer *c, uint64_t now) {
  fetch_park_check(c, now);
  // While committed offsets load, the partitions whose offsets are known go on (the ones an
  // incremental assignment kept); the others wait for them.
  if (!c->running || !group_owns(c) || c->delivering || c->n_parts == 0 || c->listener_pending) return;
  if (!c->metadata_ready) {
    if (c->ensuring) return;
    const char *topics[256];
    int n = 0;
    for (int32_t i = 0; i < c->n_parts && n < 256; i++) {
      bool seen = false;
      for (int k = 0; k < n && !seen; k++) seen = topics[k] == c->parts[i].topic;
      if (!seen) topics[n++] = c->parts[i].topic;
    }
    Pending *p = pending_new(c, kEnsure);
    if (!p) return fetch_retry_later(c, now);  // allocation failed: try again after the retry backoff
    c->ensuring = true;
    if (metadata_ensure(c->e, topics, n, on_ensured, p, now, &c->cfg.retry) != 0) {
      c->ensuring = false;
      pending_free(p);
      fetch_retry_later(c, now);  // no memory (or shutting down): on_ensured will not come
    }
    return;
  }
  int32_t *leaders = static_cast<int32_t *>(mem_alloc(c->alloc, sizeof(int32_t) * size_t(c->n_parts)));
  bool *reset = static_cast<bool *>(mem_alloc(c->alloc, size_t(c->n_parts)));
  bool *fetch = static_cast<bool *>(mem_alloc(c->alloc, size_t(c->n_parts)));
  if (!leaders || !reset || !fetch) {
    mem_free(c->alloc, leaders);
    mem_free(c->alloc, reset);
    mem_free(c->alloc, fetch);
    return fetch_retry_later(c, now);  // allocation failed: try again after the retry backoff
  }
  uint64_t next_wake = 0;
  for (int32_t i = 0; i < c->n_parts; i++) {
    PartState *ps = &c->parts[i];
    reset[i] = fetch[i] = false;
    leaders[i] = -1;
    if (ps->not_before > now) {
      if (!next_wake || ps->not_before < next_wake) next_wake = ps->not_before;
      continue;
    }
    if (ps->fetching || ps->resetting || ps->held || ps->revoking || fetch_parked(c, i)) continue;
    if (!c->offsets_loaded && !ps->offsets_known) continue;
    if (engine_leader(c->e, ps->topic, ps->partition, &leaders[i]) != 0) {
      metadata_cache_mark_stale(&c->e->mcache, ps->topic);
      c->metadata_ready = false;
      back_off(c, ps, now);
      continue;
    }
    note_topic_id(c, ps);
    if (ps->position < 0) reset[i] = true;
    else if (!part_paused(c, ps)) fetch[i] = true;
  }
  for (int32_t i = 0; i < c->n_parts; i++) {
    if (reset[i]) {
      int32_t node = leaders[i];
      send_to_node(c, kListOffsets, node, leaders, reset, now);
      for (int32_t k = i; k < c->n_parts; k++)
        if (leaders[k] == node) reset[k] = false;
    }
  }
  // No Fetch while a partition's start is unknown (KafkaJS resolves every offset first): a
  // record produced once the consumer fetches must not fall before the start that partition's
  // ListOffsets (latest) gets later, when its leader settles (a just-created topic).
  bool starting = false;
  for (int32_t i = 0; i < c->n_parts && !starting; i++) {
    const PartState *ps = &c->parts[i];
    starting = ps->position < 0 && !ps->held && !ps->revoking && (c->offsets_loaded || ps->offsets_known);
  }
  for (int32_t i = 0; i < c->n_parts && !starting; i++) {
    if (fetch[i]) {
      int32_t node = leaders[i];
      if (!node_busy(c, node)) send_to_node(c, kFetch, node, leaders, fetch, now);
      for (int32_t k = i; k < c->n_parts; k++)
        if (leaders[k] == node) fetch[k] = false;
    }
  }
  mem_free(c->alloc, leaders);
  mem_free(c->alloc, reset);
  mem_free(c->alloc, fetch);
  if (!c->metadata_ready && !c->ensuring) {
    engine_add_timer(c->e, &c->fetch_timer, now + uint64_t(c->cfg.retry.initial_retry_time), retry_soon, c);
  } else if (next_wake && (!engine_timer_pending(c->e, &c->fetch_timer) || c->fetch_timer.deadline > next_wake)) {
    engine_cancel_timer(c->e, &c->fetch_timer);
    engine_add_timer(c->e, &c->fetch_timer, next_wake, retry_soon, c);
  }
}

}  // namespace uvk
