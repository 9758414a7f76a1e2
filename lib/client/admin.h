// The admin client's building blocks (no I/O): one admin request to the broker that must
// answer it, with retries (AdminCall), and operations composed of such calls (AdminOp).
//
// An AdminOp owns an arena for its results and counts the calls it still waits for; when
// the count drops to zero it completes. Ops are linked into their Admin, so freeing the
// admin detaches them: their calls still finish (the engine owns the requests), but no
// user callback runs.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/reader.h"
#include "engine/engine.h"
#include "engine/retry.h"
#include "proto/types.h"

struct uvk_error;

namespace uvk {

struct AdminOp;

struct Admin {
  void *owner;  // the uvk_admin handle handed to user callbacks
  Engine *e;
  const Allocator *alloc;
  RetryOptions retry;
  AdminOp *ops;  // live operations
};

Admin *admin_new(Engine *e, const RetryOptions &retry, const Allocator *a, void *owner);
// Completes the live operations with UVK_ECLOSED (their late answers are dropped), frees the admin.
void admin_free(Admin *ad);

// Where a call goes.
enum AdminTarget {
  kAdminAny,         // any broker
  kAdminController,  // the controller from metadata (NOT_CONTROLLER: ask again)
  kAdminNode,        // node `node`
  kAdminGroup,       // the coordinator of group `key` (NOT_COORDINATOR & co: find again)
  kAdminLeader,      // the leader of topic `key`, partition `node` (NOT_LEADER: refresh)
};

// What an AdminCall's response handler says.
enum AdminVerdict {
  kAdminDone = 0,   // handled (including per-item errors it recorded)
  kAdminRetarget,   // the target moved: find it again, then resend (counts as a retry)
};

struct AdminCall;
// Encodes the request at `version`.
typedef int (*AdminEncodeFn)(AdminCall *call, Buf *out, int16_t version);
// Handles a response: returns kAdminDone, kAdminRetarget, or a negative error that fails
// the whole operation (UVK_EPROTO...; retriable ones such as UVK_ERR_KAFKA(7) are retried).
typedef int (*AdminResponseFn)(AdminCall *call, Reader *body, int16_t version);

struct AdminCall {
  AdminCall *next;  // in op->calls
  AdminOp *op;
  AdminTarget target;
  int32_t node;     // kAdminNode: broker; kAdminLeader: partition
  const char *key;  // kAdminGroup: group id; kAdminLeader: topic (in op->arena)
  int16_t api_key, max_version;
  AdminEncodeFn encode;
  AdminResponseFn on_response;
  void *ud;       // the op's per-call data
  int32_t index;  // the op's per-call number
  Request req;
  RetryState retry;
  EngineTimer timer;
  int32_t sent_to;
  bool in_flight;
};

typedef void (*AdminFinishFn)(AdminOp *op, const uvk_error *err);

struct AdminOp {
  AdminOp *next;  // in admin->ops
  Admin *admin;   // null once detached
  Engine *e;
  const Allocator *alloc;
  RetryOptions retry;
  Arena arena;
  AdminCall *calls;  // every call ever made (freed with the op)
  int32_t outstanding;
  int first_error;            // the first per-item or call failure (0: none)
  const uvk_error *error;     // its error object, when it has one (owned)
  AdminFinishFn finish;       // builds the user's result and calls back; null: none
  void *user_cb;
  void *user_ud;
  void *state;                // the op's own state (in arena)
  uint64_t started_at;        // the caller's now: its calls' first attempts are due then
  bool finishing;
};

// A new operation of `ad`, held until admin_op_started; `now`: the entry point's clock.
AdminOp *admin_op_new(Admin *ad, AdminFinishFn finish, void *user_cb, void *user_ud, uint64_t now);
// Starts a call of `op` (outstanding++). The call finishes (outstanding--) after its
// response handler ran, or after it failed for good (recorded as the op's error). Returns
// the call (already under way) or null when out of memory (recorded as the op's error).
AdminCall *admin_call(AdminOp *op, AdminTarget target, int32_t node, const char *key, int16_t api_key,
                      int16_t max_version, AdminEncodeFn encode, AdminResponseFn on_response, void *ud,
                      int32_t index);
// Call after the op's initial calls are started: completes the op when none is outstanding.
void admin_op_started(AdminOp *op);
// Records a failure (the first one wins) with the broker's message, if any.
void admin_op_fail(AdminOp *op, int err, const proto::Str *message);
// Records a failure given as an error object (a new reference is taken).
void admin_op_fail_error(AdminOp *op, const uvk_error *err);
// Keeps one more piece of work open (outstanding++) / closes it, completing the op at zero:
// for work that is not an AdminCall, e.g. a metadata lookup.
void admin_op_hold(AdminOp *op);
void admin_op_release(AdminOp *op);

// A NUL-terminated copy in the op's arena ("" for null or when memory is out).
const char *admin_str(AdminOp *op, const proto::Str &s);
const char *admin_strdup(AdminOp *op, const char *s);
// The broker's message or null.
const char *admin_msg(AdminOp *op, const proto::Str &s);
proto::Str admin_pstr(const char *s);

// Error codes that mean "the target moved": a call's handler returns kAdminRetarget.
bool admin_moved(int16_t kafka_error);

}  // namespace uvk
