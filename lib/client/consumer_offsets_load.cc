// The committed offsets of a new assignment's partitions: OffsetFetch at the group's
// coordinator (RequireStable for read_committed, KIP-447), tried again until it answers.
#include <string.h>

#include "client/consumer_internal.h"
#include "engine/coordinator.h"
#include "engine/engine.h"
#include "proto/client_versions.h"
#include "proto/gen/api_table.h"
#include "proto/gen/offset_fetch.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

const int kOffsetFetchKind = 20;  // Pending kinds: each consumer file has its own range
const int16_t kMaxOffsetFetchVersion = 7;  // 8+ batches groups

bool offsets_wanted(const PartState &ps) { return !ps.offsets_known && !ps.held_stale; }

bool same(const proto::Str &a, const char *b) {
  return int32_t(strlen(b)) == a.len && memcmp(a.data, b, size_t(a.len)) == 0;
}

int encode_offset_fetch(void *ud, Buf *out, int16_t version) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  proto::OffsetFetchRequest req;
  if (!c || p->gen != c->assign_gen) return proto::encode(out, req, version);
  req.group_id = proto::cstr(c->group_id);
  using T = proto::OffsetFetchRequest::OffsetFetchRequestTopic;
  T *ts = arena_construct_array<T>(&p->arena, size_t(p->n_parts) + 1);
  int32_t *ids = arena_new_array<int32_t>(&p->arena, size_t(p->n_parts) + 1);
  if (!ts || !ids) return UVK_ENOMEM;
  int32_t nt = 0, ni = 0;
  for (int32_t i = 0; i < p->n_parts; i++) {
    const char *topic = c->parts[p->parts[i]].topic;
    bool seen = false;
    for (int32_t j = 0; j < i && !seen; j++) seen = c->parts[p->parts[j]].topic == topic;
    if (seen) continue;
    ts[nt].name = proto::cstr(topic);
    ts[nt].partition_indexes.items = &ids[ni];
    for (int32_t j = i; j < p->n_parts; j++)
      if (c->parts[p->parts[j]].topic == topic) {
        ids[ni++] = c->parts[p->parts[j]].partition;
        ts[nt].partition_indexes.count++;
      }
    nt++;
  }
  req.topics.items = ts;
  req.topics.count = nt;
  // KIP-447: a read_committed member must not start from an offset a transaction has not
  // finished committing; the coordinator answers UNSTABLE_OFFSET_COMMIT until it has (retried).
  req.require_stable = version >= 7 && !c->cfg.read_uncommitted;
  return proto::encode(out, req, version);
}

void offsets_retry(void *ud, uint64_t now) {
  Consumer *c = static_cast<Consumer *>(ud);
  c->offsets_loading = false;
  offsets_load(c, now);
}

void on_offset_fetch(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  if (!c || p->gen != c->assign_gen || !group_owns(c)) {
    if (c && p->gen == c->assign_gen) c->offsets_loading = false;
    pending_free(p);
    return;
  }
  uint64_t now = c->e->now;
  int32_t asked = p->n_parts;
  proto::OffsetFetchResponse resp;
  if (err == 0) err = proto::decode(body, &p->arena, &resp, version);
  if (err == 0 && resp.error_code != 0) err = UVK_ERR_KAFKA(resp.error_code);
  for (int32_t t = 0; err == 0 && t < resp.topics.count; t++)
    for (int32_t i = 0; err == 0 && i < resp.topics.items[t].partitions.count; i++) {
      const auto &pr = resp.topics.items[t].partitions.items[i];
      if (pr.error_code != 0) {
        err = UVK_ERR_KAFKA(pr.error_code);
        break;
      }
      for (int32_t j = 0; j < p->n_parts; j++) {
        PartState *ps = &c->parts[p->parts[j]];
        if (ps->partition != pr.partition_index || !same(resp.topics.items[t].name, ps->topic)) continue;
        ps->committed = pr.committed_offset;
        ps->offsets_known = true;
        // A seek since the assignment decides where to start instead (also one made while the
        // offsets loaded, e.g. from a group-join listener); a pause or resume does not.
        if (ps->seeks != 0) continue;
        ps->position = pr.committed_offset;  // -1: none; reset by ListOffsets
        ps->seq++;
      }
    }
  // Answered: a partition the answer left out starts like one without a committed offset
  // (ListOffsets), rather than being asked for again at once.
  for (int32_t j = 0; err == 0 && j < p->n_parts; j++) c->parts[p->parts[j]].offsets_known = true;
  pending_free(p);
  if (err != 0) {
    consumer_log(c, UVK_LOG_WARN, "OffsetFetch failed: %s", uvk_err_name(err));
    // Coordinator moved, offsets loading, unstable offsets: all transient. Try again.
    coordinator_invalidate(c->e, kCoordinatorGroup, c->group_id);
    int64_t wait = 0;
    if (retry_on_error(&c->group_retry, c->cfg.retry, &c->e->rng, err, &wait) != RetryVerdict::kRetry)
      wait = c->cfg.retry.max_retry_time;
    engine_add_timer(c->e, &c->group_timer, now + uint64_t(wait), offsets_retry, c);
    return;
  }
  c->offsets_loading = false;
  consumer_log(c, UVK_LOG_DEBUG, "Committed offsets loaded for %d partitions", int(asked));
  offsets_load(c, now);  // a stale hold that ended meanwhile loads now; else every offset is known: fetch
}

void on_offsets_coordinator(void *ud, const uvk_error *err, int32_t node) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = pending_claim(p, p->c && p->gen == p->c->assign_gen);
  if (!c) return;
  uint64_t now = c->e->now;
  if (err) {
    pending_free(p);
    engine_add_timer(c->e, &c->group_timer, now + uint64_t(c->cfg.retry.initial_retry_time), offsets_retry, c);
    return;
  }
  c->coordinator = node;
  if (engine_send_lane(c->e, node, c->group_lane, &p->req, now) != 0) {
    pending_free(p);
    consumer_forget_coordinator(c);
    engine_add_timer(c->e, &c->group_timer, now + uint64_t(c->cfg.retry.initial_retry_time), offsets_retry, c);
  }
}

}  // namespace

void offsets_load(Consumer *c, uint64_t now) {
  if (!group_owns(c) || c->offsets_loading) return;
  c->offsets_loaded = false;
  if (c->n_parts == 0) {
    c->offsets_loaded = true;
    return;
  }
  // Allocation failed: load the offsets again after the retry backoff (offsets_retry);
  // returning without it left the member in the group with nothing to fetch from.
  auto retry_later = [c, now] {
    engine_add_timer(c->e, &c->group_timer, now + uint64_t(c->cfg.retry.initial_retry_time), offsets_retry, c);
  };
  // Only partitions whose committed offset is not known yet: an incremental assignment
  // (groupProtocol consumer) keeps its other partitions where they are. A partition given back
  // while a handler of the old assignment holds it waits for that handler: its work may still
  // commit the partition's offset (a transaction's TxnOffsetCommit in the same generation, after
  // the coordinator moved), and an offset read before that is one the work already consumed.
  int32_t wanted = 0;
  for (int32_t i = 0; i < c->n_parts; i++) wanted += offsets_wanted(c->parts[i]) ? 1 : 0;
  if (wanted == 0) {
    c->offsets_loaded = true;
    fetch_schedule(c, now);
    return;
  }
  Pending *p = pending_new(c, kOffsetFetchKind);
  if (!p) return retry_later();
  p->parts = arena_new_array<int32_t>(&p->arena, size_t(wanted) + 1);
  p->seqs = arena_new_array<uint32_t>(&p->arena, size_t(wanted) + 1);
  if (!p->parts || !p->seqs) {
    pending_free(p);
    return retry_later();
  }
  int32_t n = 0;
  for (int32_t i = 0; i < c->n_parts; i++) {
    if (!offsets_wanted(c->parts[i])) continue;
    p->parts[n] = i;
    p->seqs[n++] = c->parts[i].seq;
    // The leader's fetch connection opens while the offsets load: the first Fetch does not
    // wait for its connect and ApiVersions (an unknown leader: fetch_schedule opens it).
    int32_t leader;
    if (engine_leader(c->e, c->parts[i].topic, c->parts[i].partition, &leader) == 0)
      engine_open_lane(c->e, leader, c->fetch_lane, now);
  }
  p->n_parts = n;
  p->gen = c->assign_gen;
  p->req.api_key = proto::kOffsetFetch;
  p->req.min_version = 1;
  p->req.max_version = kMaxOffsetFetchVersion;
  p->req.encode = encode_offset_fetch;
  p->req.done = on_offset_fetch;
  p->req.ud = p;
  c->offsets_loading = true;
  if (c->coordinator < 0) {
    if (coordinator_find(c->e, kCoordinatorGroup, c->group_id, on_offsets_coordinator, p, now) != 0) {
      pending_free(p);
      c->offsets_loading = false;
      retry_later();  // no memory for the lookup: on_offsets_coordinator will not come
    }
    return;
  }
  if (engine_send_lane(c->e, c->coordinator, c->group_lane, &p->req, now) != 0) {
    pending_free(p);
    // The node left the broker list while it was down: look the coordinator up again.
    consumer_forget_coordinator(c);
    engine_add_timer(c->e, &c->group_timer, now + uint64_t(c->cfg.retry.initial_retry_time), offsets_retry, c);
  }
}

}  // namespace uvk
