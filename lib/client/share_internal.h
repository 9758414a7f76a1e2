// The share consumer's state, shared by share.cc (life cycle, delivery, acknowledgements),
// share_group.cc (ShareGroupHeartbeat membership) and share_fetch.cc (share sessions,
// ShareFetch and ShareAcknowledge).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "client/share.h"
#include "common/arena.h"
#include "engine/conn.h"
#include "engine/retry.h"

namespace uvk {

// The broker's AcknowledgeType; 0 marks an acquired offset that holds no record.
enum : int8_t { kAckGap = 0, kAckAccept = 1, kAckRelease = 2, kAckReject = 3, kAckRenew = 4 };

struct ShareAck {
  int64_t offset;
  int8_t type;
};

// A record handed to the application and not acknowledged yet.
struct ShareHeld {
  int64_t offset;
  int32_t delivery_count;
};

// One partition the member was assigned (kept, unassigned, until its acknowledgements are
// out and its session forgot it; freed with the consumer).
struct SharePart {
  const char *topic;  // the subscription's copy
  uint8_t topic_id[16];
  int32_t partition;
  bool assigned;
  int32_t session_node;  // the broker whose share session holds it; -1: none
  int32_t forget_node;   // a broker whose session must forget it (a leader moved); -1: none
  ShareAck *acks;        // queued, not sent yet
  int32_t n_acks, cap_acks;
  ShareHeld *held;
  int32_t n_held, cap_held;
};

// A share session with one broker (KIP-932): epoch 0 opens it with the full partition list,
// each answered request moves the epoch on, -1 closes it.
struct ShareSession {
  int32_t node;
  int32_t epoch;
  bool in_flight;
  bool closed;  // close: its final request went
  uint64_t not_before;
  RetryState retry;
};

enum ShareState { kShareIdle, kShareFinding, kShareJoining, kShareStable, kShareClosing, kShareLeaving, kShareClosed };

// Acknowledgements one request carries, per partition (moved out of the partition's queue).
struct ShareSent {
  SharePart *part;
  ShareAck *acks;
  int32_t n;
};

// One operation in flight. The engine owns it until its completion, which frees it;
// share_free only clears `s`.
struct SharePending {
  SharePending *next, *prev;
  ShareConsumer *s;
  const Allocator *alloc;
  int kind;
  Request req;
  Arena arena;
  int32_t node;
  uint32_t fences;    // s->fences when sent
  int32_t session_epoch;
  const void *body;   // the request, built when sent (lives in arena)
  ShareSent *sent;
  int32_t n_sent;
  SharePart **added;  // put into the session by this request
  int32_t n_added;
  SharePart **forgot;
  int32_t n_forgot;
};

struct ShareTarget {
  uint8_t topic_id[16];
  int32_t partition;
};

struct ShareConsumer {
  Engine *e;
  const Allocator *alloc;
  ShareConfig cfg;
  ShareHooks hooks;
  char *group_id;
  char *member_id;
  int32_t member_epoch;
  int32_t interval;  // the heartbeat interval the broker gave
  char **subs;
  int32_t n_subs;
  uvk_share_run_options run;
  ShareState state;
  int32_t coordinator;
  RetryState group_retry;
  EngineTimer heartbeat_timer;
  EngineTimer fetch_timer;
  EngineTimer meta_timer;
  bool heartbeat_in_flight;
  bool heartbeat_again;  // one is due as soon as the one in flight returns
  bool meta_in_flight;
  uint32_t fences;       // bumped when fenced: answers sent before are void
  ShareTarget *target;   // the latest assignment, by topic id
  int32_t n_target;
  bool target_pending;   // not all of it named yet (metadata)
  SharePart **parts;
  int32_t n_parts, cap_parts;
  ShareSession *sessions;
  int32_t n_sessions, cap_sessions;
  SharePending *pending;
  uint32_t lane;        // heartbeats
  uint32_t fetch_lane;  // ShareFetch long polls and ShareAcknowledge
  bool delivering;
  bool detached;
  ShareDoneFn close_fn;
  void *close_ud;
};

// share.cc
SharePending *share_pending_new(ShareConsumer *s, int kind);
void share_pending_free(SharePending *p);
void share_log(ShareConsumer *s, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void share_crash(ShareConsumer *s, int code, const char *broker_message);
SharePart *share_part_find(ShareConsumer *s, const char *topic, int32_t partition);
SharePart *share_part_get(ShareConsumer *s, const char *topic, const uint8_t *topic_id, int32_t partition);
bool share_queue_ack(ShareConsumer *s, SharePart *p, int64_t offset, int8_t type);
// Drops what the partition holds and has queued (the locks are void: a fence, a leader
// move, a lost session), telling the acknowledgement callback with `err`.
void share_part_drop(ShareConsumer *s, SharePart *p, int err);
// Tells the acknowledgement callback how `sent` ended (gaps and renewals are not told).
void share_report(ShareConsumer *s, const ShareSent &sent, int err);
// Hands the acquired records of one partition to the handler (or, while closing or after a
// fence, releases them). Malformed input is logged and not delivered.
void share_deliver(ShareConsumer *s, SharePart *p, const uint8_t *records, size_t len, const int64_t *first,
                   const int64_t *last, const int16_t *counts, int32_t n_ranges, bool release_all);
// A close waits for nothing more: leave the group.
void share_maybe_leave(ShareConsumer *s, uint64_t now);

// share_group.cc
void share_group_start(ShareConsumer *s, uint64_t now);
void share_group_leave(ShareConsumer *s, uint64_t now);
// Names the target's topic ids (metadata) and applies it to the partitions.
void share_reconcile(ShareConsumer *s, uint64_t now);
// Metadata for the subscribed topics (ids to names, leaders), then the fetches go on.
void share_ensure_metadata(ShareConsumer *s, uint64_t now);

// share_fetch.cc
void share_fetch_schedule(ShareConsumer *s, uint64_t now);
// The same on the engine's next turn: what an API call asked for goes out together, and no
// callback runs inside the call.
void share_fetch_soon(ShareConsumer *s, uint64_t now);
ShareSession *share_session_of(ShareConsumer *s, int32_t node, bool create);

}  // namespace uvk
