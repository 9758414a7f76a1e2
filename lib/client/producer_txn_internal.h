// What producer_txn.cc (the transaction's life) and producer_txn_offsets.cc (sendOffsets)
// share: the transaction's state, its asynchronous steps, and the helpers both call.
#ifndef UVK_CLIENT_PRODUCER_TXN_INTERNAL_H
#define UVK_CLIENT_PRODUCER_TXN_INTERNAL_H

#include <stdint.h>

#include "client/producer_internal.h"

namespace uvk {

enum TxnState { kTxnReady, kTxnOpen, kTxnEnding, kTxnFatal };

struct TxnReq;

struct Txn {
  Producer *p;
  char *id;
  int32_t timeout_ms;
  TxnState state;
  int32_t coordinator;  // -1: unknown
  bool finding;
  bool adding;          // an AddPartitionsToTxn in flight
  bool joined;          // a partition or offsets joined the open transaction: EndTxn needed
  int8_t v2;            // this transaction's protocol: -1 not chosen yet, 0 v1, 1 v2 (KIP-890)
  int send_failures;
  int fatal;            // the error that ended this producer's transactions
  RetryState retry;
  EngineTimer add_timer;
  EngineTimer end_timer;
  // Each step ends within transactionTimeout of its start (past it the coordinator has
  // aborted the transaction anyway): AddPartitionsToTxn from its partitions' first wait,
  // commit / abort from the call (docs/producer.md, "Deadlines").
  EngineTimer add_deadline;
  EngineTimer end_deadline;
  TxnReq *add_req;      // the AddPartitionsToTxn in flight (null: none)
  TxnReq *end_req;      // the EndTxn in flight
  int add_last_err;     // the latest AddPartitionsToTxn failure, the timeout's cause
  bool unsure;          // a step was written and never answered: the broker may hold the transaction
  bool offsets_unknown; // a send_offsets timed out and none succeeded since: commit refused
  bool end_commit;
  ProducerDoneFn end_fn;
  void *end_ud;
  TxnReq *reqs;         // everything the engine holds for us (t cleared on free)
};

enum ReqKind { kFind, kAddPartitions, kEndTxn, kAddOffsets, kOffsetCommit, kFindGroup };

// One asynchronous step; owned by the engine (or the coordinator lookup) until it completes.
struct TxnReq {
  TxnReq *next, *prev;
  Txn *t;  // null once the producer is gone
  const Allocator *alloc;
  ReqKind kind;
  Request req;
  Arena arena;
  // sendOffsets
  char *group;
  char *member_id;    // KIP-447 (null: none)
  char *instance_id;
  int32_t generation_id;
  TxnOffset *offsets;
  size_t n_offsets;
  ProducerDoneFn fn;
  void *ud;
  EngineTimer timer;  // a sendOffsets step waiting to be tried again
  RetryState retry;   // sendOffsets' own schedule (the transaction's steps share t->retry)
  uint64_t deadline;  // sendOffsets: retriable failures are retried until then (transactionTimeout)
  EngineTimer expire; // sendOffsets: fires at the deadline
  bool stale;         // given up at its deadline: its late answer is dropped, nothing changes
};

TxnReq *txn_req_new(Txn *t, ReqKind kind);
void txn_req_free(TxnReq *r);
uint64_t txn_now(const Txn *t);
// Chooses this transaction's protocol (v2 when the broker's transaction.version allows).
bool txn_use_v2(Txn *t);
bool txn_is_producer_fatal(int err);
void txn_go_fatal(Txn *t, int err);
void txn_find_coordinator(Txn *t, uint64_t now);
void txn_coordinator_lost(Txn *t);
// Ends a sendOffsets step: frees it, then tells its caller.
void txn_offsets_done(TxnReq *r, int err);
// A step given up at its deadline while the engine or a lookup holds it: its completion only
// frees it. `may_have_landed`: it was written, so the broker may have acted on it. Its caller
// also forgets the coordinator the request went to: a broker that answered nothing for the
// whole transactionTimeout (stopped: its connection stays open, silent, until the request
// timeout) may no longer be the coordinator, and the next call must not wait on it again.
void txn_req_abandon(TxnReq *r, bool may_have_landed);

}  // namespace uvk

#endif
