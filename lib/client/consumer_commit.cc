// Committing offsets: OffsetCommit of what the application resolved (automatically, on
// a rebalance and on stop, or by uvk_consumer_commit_offsets), and what a refused commit
// means for the membership (the coordinator moved, the generation is gone).
#include <string.h>

#include <new>

#include "client/consumer_internal.h"
#include "common/arena_str.h"
#include "engine/coordinator.h"
#include "engine/kafka_errors.h"
#include "proto/gen/api_table.h"
#include "proto/gen/offset_commit.h"
#include "uvkafka/uvk_errors.h"
#include "proto/client_versions.h"

namespace uvk {

namespace {

const int kCommitKind = 60;  // Pending kinds: each consumer file has its own range

// A commit's Pending::extra: what it needs beyond the partitions and offsets.
struct CommitExtra {
  int64_t *resolved;     // each partition's resolved offset when sent
  const char **metadata;  // each partition's metadata (copies), nullptr: null
};

// ---- OffsetCommit -----------------------------------------------------------------------

int encode_commit(void *ud, Buf *out, int16_t version) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  proto::OffsetCommitRequest req;
  if (!c) return proto::encode(out, req, version);
  req.group_id = proto::cstr(c->group_id);
  // A commit outside a generation (a consumer that is not in the group) uses -1 / "".
  bool member = c->generation >= 0 && p->gen == uint32_t(c->generation);
  req.generation_id_or_member_epoch = member ? c->generation : -1;
  req.member_id = proto::cstr(member ? c->member_id : "");
  if (member && *c->instance_id && version >= 7) req.group_instance_id = proto::cstr(c->instance_id);
  const char **topics = reinterpret_cast<const char **>(p->seqs);
  const CommitExtra *x = static_cast<const CommitExtra *>(p->extra);
  // Group the partitions by topic (the list is short; quadratic is fine).
  auto *ts = arena_construct_array<proto::OffsetCommitRequest::OffsetCommitRequestTopic>(&p->arena, size_t(p->n_parts) + 1);
  auto *ps = arena_construct_array<proto::OffsetCommitRequest::OffsetCommitRequestPartition>(&p->arena, size_t(p->n_parts) + 1);
  if (!ts || !ps) return UVK_ENOMEM;
  int32_t nt = 0, np = 0;
  for (int32_t i = 0; i < p->n_parts; i++) {
    bool seen = false;
    for (int32_t j = 0; j < i && !seen; j++) seen = strcmp(topics[j], topics[i]) == 0;
    if (seen) continue;
    ts[nt].name = proto::cstr(topics[i]);
    ts[nt].partitions.items = &ps[np];
    for (int32_t j = i; j < p->n_parts; j++) {
      if (strcmp(topics[j], topics[i]) != 0) continue;
      ps[np].partition_index = p->parts[j];
      ps[np].committed_offset = p->offsets[j];
      ps[np].committed_metadata = x->metadata[j] ? proto::cstr(x->metadata[j]) : proto::Str{};  // Str{}: null
      np++;
      ts[nt].partitions.count++;
    }
    nt++;
  }
  req.topics.items = ts;
  req.topics.count = nt;
  return proto::encode(out, req, version);
}

void on_commit(void *ud, int err, int16_t version, Reader *body, const Request *);

// A commit being built: rows are copied into its Pending's arena as they are added, so a
// commit of any number of partitions needs no array of the caller's.
struct CommitDraft {
  Pending *p;
  const char **topics;
  const char **metadata;  // copies; nullptr: null
  int64_t *resolved;      // each partition's resolved offset when sent
  int32_t n, cap;
};

int commit_draft_begin(Consumer *c, int32_t cap, CommitDraft *d) {
  *d = CommitDraft{};
  Pending *p = pending_new(c, kCommitKind);
  if (!p) return UVK_ENOMEM;
  d->p = p;
  d->cap = cap;
  d->topics = arena_new_array<const char *>(&p->arena, size_t(cap) + 1);
  p->parts = arena_new_array<int32_t>(&p->arena, size_t(cap) + 1);
  p->offsets = arena_new_array<int64_t>(&p->arena, size_t(cap) + 1);
  d->resolved = arena_new_array<int64_t>(&p->arena, size_t(cap) + 1);
  d->metadata = arena_new_array<const char *>(&p->arena, size_t(cap) + 1);  // zero-filled: null
  CommitExtra *x = arena_new_array<CommitExtra>(&p->arena, 1);
  if (!d->topics || !p->parts || !p->offsets || !d->resolved || !d->metadata || !x) {
    pending_free(p);
    d->p = nullptr;
    return UVK_ENOMEM;
  }
  *x = CommitExtra{d->resolved, d->metadata};
  p->extra = x;
  return 0;
}

// Adds one row; metadata (checked by the caller: at most UVK_COMMIT_METADATA_MAX bytes) is copied.
int commit_draft_add(CommitDraft *d, const char *topic, int32_t partition, int64_t offset, const char *metadata) {
  Pending *p = d->p;
  if (d->n >= d->cap) return UVK_EINVAL;
  char *copy = arena_strdup(&p->arena, topic);
  char *mcopy = metadata ? arena_strndup(&p->arena, metadata, strnlen(metadata, UVK_COMMIT_METADATA_MAX)) : nullptr;
  if (!copy || (metadata && !mcopy)) return UVK_ENOMEM;
  int32_t i = d->n++;
  d->topics[i] = copy;
  d->metadata[i] = mcopy;
  p->parts[i] = partition;
  p->offsets[i] = offset;
  const PartState *ps = find_part(p->c, topic, partition);
  d->resolved[i] = ps ? ps->resolved : -1;
  return 0;
}

// Sends the draft's rows as one OffsetCommit; done(ud, err) when answered. The draft is
// consumed either way.
int commit_draft_send(CommitDraft *d, ConsumerDoneFn done, void *done_ud, uint64_t now, bool automatic = false) {
  Pending *p = d->p;
  Consumer *c = p->c;
  d->p = nullptr;
  p->seqs = reinterpret_cast<uint32_t *>(d->topics);
  p->n_parts = d->n;
  p->gen = uint32_t(c->generation);
  p->done = done;
  p->done_ud = done_ud;
  p->req.api_key = proto::kOffsetCommit;
  p->req.min_version = 2;
  p->req.max_version = proto::kUseOffsetCommit;
  p->req.encode = encode_commit;
  p->req.done = on_commit;
  p->req.ud = p;
  int32_t node = c->coordinator;
  if (node < 0) node = coordinator_cached(c->e, kCoordinatorGroup, c->group_id);
  if (node < 0) {
    pending_free(p);
    return UVK_ENOTFOUND;
  }
  if (automatic) c->commit_in_flight = p;  // before the send: it may complete at once
  int rc = engine_send_lane(c->e, node, c->group_lane, &p->req, now);
  if (rc != 0) {
    pending_free(p);  // also clears commit_in_flight
    consumer_forget_coordinator(c);  // the next try looks it up
    return rc;
  }
  return 0;
}

void commit_draft_drop(CommitDraft *d) {
  if (d->p) pending_free(d->p);
  d->p = nullptr;
}

void on_commit(void *ud, int err, int16_t version, Reader *body, const Request *) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  ConsumerDoneFn done = p->done;
  void *done_ud = p->done_ud;
  proto::OffsetCommitResponse resp;
  if (err == 0) err = proto::decode(body, &p->arena, &resp, version);
  int16_t first = 0;
  const char *const *topics = reinterpret_cast<const char *const *>(p->seqs);
  if (c && err == 0) {
    for (int32_t t = 0; t < resp.topics.count; t++)
      for (int32_t i = 0; i < resp.topics.items[t].partitions.count; i++) {
        const auto &pr = resp.topics.items[t].partitions.items[i];
        if (pr.error_code != 0) {
          if (!first) first = pr.error_code;
          continue;
        }
        // Record what the group now has: exactly this (a coordinator answers commits in
        // order, so the last completed one is what it holds, also when it is lower).
        const int64_t *resolved = static_cast<const CommitExtra *>(p->extra)->resolved;
        for (int32_t j = 0; j < p->n_parts; j++) {
          if (p->parts[j] != pr.partition_index || int32_t(strlen(topics[j])) != resp.topics.items[t].name.len ||
              memcmp(topics[j], resp.topics.items[t].name.data, size_t(resp.topics.items[t].name.len)) != 0)
            continue;
          PartState *ps = find_part(c, topics[j], p->parts[j]);
          if (!ps) continue;
          ps->committed = p->offsets[j];
          ps->resolved_at_commit = resolved[j];
        }
      }
    if (!first) {
      uvk_topic_partition_offset *tpo = arena_new_array<uvk_topic_partition_offset>(&p->arena, size_t(p->n_parts) + 1);
      if (tpo) {
        for (int32_t j = 0; j < p->n_parts; j++) tpo[j] = uvk_topic_partition_offset{topics[j], p->parts[j], p->offsets[j]};
        const CommitExtra *x = static_cast<const CommitExtra *>(p->extra);
        uvk_event_commit_offsets ev{c->group_id, c->member_id, c->generation, tpo, size_t(p->n_parts), x->metadata};
        consumer_emit(c, UVK_EVENT_COMMIT_OFFSETS, &ev);
      }
    }
  }
  if (err == 0 && first) err = UVK_ERR_KAFKA(first);
  bool was_auto = c && c->commit_in_flight == p;
  if (was_auto) c->commit_in_flight = nullptr;
  pending_free(p);
  uvk_error *e = nullptr;
  if (err != 0) {
    int kafka = err <= UVK_ERR_KAFKA(0) ? int(UVK_ERR_KAFKA_CODE(err)) : 0;
    e = error_new(c ? c->alloc : nullptr, kafka ? UVK_EKAFKA : err, kafka, nullptr, 0, nullptr);
  }
  if (c && err != 0) {
    uint64_t now = c->e->now;
    if (first == kCoordinatorLoading || first == kCoordinatorNotAvailable || first == kNotCoordinator || err == UVK_ECLOSED ||
        err == UVK_ECONNECT || err == UVK_ETIMEDOUT) {
      // Our own copy too (as a refused heartbeat does): the next heartbeat looks the coordinator
      // up and later commits go there. Kept, every commit went back to the node that refused it.
      consumer_forget_coordinator(c);
    }
    if (c->cfg.consumer_protocol) {
      cgroup_on_commit_error(c, first, now);
    } else if (first == kFencedInstanceId) {
      group_failed(c, UVK_ERR_KAFKA(first), nullptr, now);
    } else if ((first == kRebalanceInProgress || first == kIllegalGeneration || first == kUnknownMemberId) &&
               c->state == kGroupStable) {
      if (first == kUnknownMemberId) consumer_set_str(c, &c->member_id, "", 0);
      group_rejoin(c, now, first != kRebalanceInProgress);
    }
  }
  if (done) done(done_ud, e);
  if (c && was_auto && c->commit_waiter) {
    ConsumerDoneFn w = c->commit_waiter;
    void *wud = c->commit_waiter_ud;
    c->commit_waiter = nullptr;
    w(wud, e);
  } else if (c && was_auto && err == 0) {
    // A threshold or interval reached while this commit was in flight is honoured now.
    consumer_commit_if_necessary(c, c->e->now);
  }
  if (e) error_release(e);
}

// One round of "commit what is resolved": an auto-commit already in flight carries older
// offsets, so after it another commit may be needed (at most a few rounds).
void final_commit_step(void *ud, const uvk_error *err) {
  Consumer *c = static_cast<Consumer *>(ud);
  if (!err && c->final_rounds++ < 3) {
    group_commit(c, c->e->now);
    if (c->commit_in_flight) {
      c->commit_waiter = final_commit_step;
      c->commit_waiter_ud = c;
      return;
    }
  }
  ConsumerDoneFn next = c->final_next;
  c->final_next = nullptr;
  if (next) next(c, err);
}

// A partition whose resolved offset the group does not have yet. Nothing resolved since the
// last commit: what it committed (by hand, by a seek) stands.
bool commit_due(const PartState *ps) {
  return ps->resolved >= 0 && ps->resolved != ps->committed && ps->resolved != ps->resolved_at_commit;
}

// The largest commit a caller may ask for at once.
const size_t kMaxCallerCommit = 4096;

}  // namespace

void group_commit_then(Consumer *c, ConsumerDoneFn next, uint64_t) {
  c->final_next = next;
  c->final_rounds = 0;
  if (c->commit_in_flight) {
    c->commit_waiter = final_commit_step;
    c->commit_waiter_ud = c;
    return;
  }
  final_commit_step(c, nullptr);
}

int group_commit(Consumer *c, uint64_t now) {
  if (c->commit_in_flight) return 0;
  int32_t n = 0;
  for (int32_t i = 0; i < c->n_parts; i++) {
    c->parts[i].since_commit = 0;  // sent now, or nothing to send
    if (commit_due(&c->parts[i])) n++;
  }
  c->last_commit_at = now;
  if (n == 0) return 0;
  CommitDraft d;
  int rc = commit_draft_begin(c, n, &d);
  for (int32_t i = 0; rc == 0 && i < c->n_parts; i++) {
    const PartState *ps = &c->parts[i];
    // The auto-commit's metadata is null, as KafkaJS's (Java's is ""): it replaces what a
    // commit with metadata stored for the partition.
    if (commit_due(ps)) rc = commit_draft_add(&d, ps->topic, ps->partition, ps->resolved, nullptr);
  }
  if (rc != 0) {
    commit_draft_drop(&d);
    return rc;
  }
  return commit_draft_send(&d, nullptr, nullptr, now, true);
}

int consumer_commit(Consumer *c, const uvk_topic_partition_offset *offsets, size_t n, ConsumerDoneFn fn,
                    void *ud, uint64_t now) {
  if (!c || !offsets || n == 0 || n > kMaxCallerCommit) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!offsets[i].topic || offsets[i].partition < 0 || offsets[i].offset < 0) return UVK_EINVAL;
  CommitDraft d;
  int rc = commit_draft_begin(c, int32_t(n), &d);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = commit_draft_add(&d, offsets[i].topic, offsets[i].partition, offsets[i].offset, nullptr);
  if (rc != 0) {
    commit_draft_drop(&d);
    return rc;
  }
  return commit_draft_send(&d, fn, ud, now);
}

int consumer_commit_metadata(Consumer *c, const uvk_topic_partition_offset_metadata *offsets, size_t n,
                             ConsumerDoneFn fn, void *ud, uint64_t now) {
  if (!c || !offsets || n == 0 || n > kMaxCallerCommit) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++) {
    const uvk_topic_partition_offset_metadata &o = offsets[i];
    if (!o.topic || o.partition < 0 || o.offset < 0) return UVK_EINVAL;
    // strnlen: a caller's string is read no further than one byte past the cap.
    if (o.metadata && strnlen(o.metadata, UVK_COMMIT_METADATA_MAX + 1) > UVK_COMMIT_METADATA_MAX)
      return UVK_ETOOLARGE;
  }
  CommitDraft d;
  int rc = commit_draft_begin(c, int32_t(n), &d);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = commit_draft_add(&d, offsets[i].topic, offsets[i].partition, offsets[i].offset, offsets[i].metadata);
  if (rc != 0) {
    commit_draft_drop(&d);
    return rc;
  }
  return commit_draft_send(&d, fn, ud, now);
}

}  // namespace uvk
