/* The consumer: a batch reaches JavaScript as one Buffer holding every key, value and header
 * of the batch plus a Float64Array of offsets into it (one copy and one call per batch);
 * handlers finish through consumerDone (uvkafka's UVK_PENDING path). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

static const char tag_consumer[] = "uvkafka.consumer";

enum { kMsgFields = 8, kHdrFields = 4, kMaxAssigners = 4 };

/* eachBatch's message and header fields: arrays JavaScript reads only while it builds the
 * batch's messages (at once), so one array per consumer serves every batch, growing when a
 * batch needs more. An array per batch outlived the scavenges during the build and came back
 * only after a full collection: fresh memory every batch. */
typedef struct nk_fields {
  napi_ref ref; /* its ArrayBuffer */
  size_t cap;   /* doubles */
} nk_fields;

typedef struct nk_consumer {
  nk_client *nc;
  uvk_consumer *c;
  napi_ref on_batch;  /* (topic, partition, batchInfo, data, meta, headerMeta) */
  napi_ref assigners[kMaxAssigners];
  void *assigner_slots[kMaxAssigners][2]; /* each assigner's user data: {this, index} */
  int n_assigners;
  int64_t listeners[UVK_EVENT_TYPE_LAST_];
  /* The handler running now: a consumerDone for it before it returned is its result. */
  int in_handler;
  const char *cur_topic;
  int32_t cur_partition;
  int cur_done;
  int cur_result;
  /* The batches handed to JavaScript and not done yet, by slot: eachMessage resolves each
   * message through its batch's slot number instead of passing the topic's name again. */
  struct nk_slot *slots;
  uint32_t n_slots;
  uint32_t slot_gen;
  int chunked; /* eachMessage: batches are handed over as blocks (consumerChunk) */
  nk_fields fields, hfields;
} nk_consumer;

typedef struct nk_slot {
  char *topic;  /* NULL: free */
  int32_t partition;
  uint32_t gen;  /* part of the number JavaScript holds: a slot used again gets a new one */
  /* eachMessage: the batch's copy (bytes, then the arrays of on_batch), or NULL, and what
   * consumerChunk has handed out of it */
  nk_block *block;
  const char *bytes;
  const double *md, *hd;
  size_t n_messages, bytes_end, next_msg, next_hdr;
} nk_slot;

enum { kSlotBits = 16, kMaxSlots = 1 << kSlotBits };

static void slot_free(nk_slot *s) {
  free(s->topic);
  s->topic = NULL;
  if (s->block) nk_block_release(s->block);
  s->block = NULL;
}

static void slots_clear(nk_consumer *k) {
  for (uint32_t i = 0; i < k->n_slots; i++) slot_free(&k->slots[i]);
}

/* A free slot for topic/partition; its number (gen << kSlotBits | index) or -1. */
static double slot_take(nk_consumer *k, const char *topic, int32_t partition) {
  uint32_t i = 0;
  while (i < k->n_slots && k->slots[i].topic) i++;
  if (i == k->n_slots) {
    if (k->n_slots == kMaxSlots) return -1;
    uint32_t n = k->n_slots ? k->n_slots * 2 : 8;
    nk_slot *grown = realloc(k->slots, n * sizeof *grown);
    if (!grown) return -1;
    memset(grown + k->n_slots, 0, (n - k->n_slots) * sizeof *grown);
    k->slots = grown;
    k->n_slots = n;
  }
  size_t len = strlen(topic);
  char *copy = malloc(len + 1);
  if (!copy) return -1;
  memcpy(copy, topic, len + 1);
  nk_slot *s = &k->slots[i];
  s->topic = copy;
  s->partition = partition;
  s->block = NULL;
  s->gen = ++k->slot_gen & 0x7fff;
  return (double)s->gen * kMaxSlots + i;
}

/* The live slot a number names, or NULL (done already, or not a slot number at all). */
static nk_slot *slot_of(napi_env env, nk_consumer *k, napi_value v) {
  double d = -1;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0 && d < (double)0x8000 * kMaxSlots)) return NULL;
  uint32_t n = (uint32_t)d;
  if ((double)n != d) return NULL;
  uint32_t i = n % kMaxSlots;
  if (i >= k->n_slots || !k->slots[i].topic || k->slots[i].gen != n / kMaxSlots) return NULL;
  return &k->slots[i];
}

static void consumer_destroy(napi_env env, nk_consumer *k) {
  if (k->c) uvk_consumer_free(k->c);
  slots_clear(k);
  free(k->slots);
  if (!k->nc->ne->exiting) {
    if (k->on_batch) napi_delete_reference(env, k->on_batch);
    if (k->fields.ref) napi_delete_reference(env, k->fields.ref);
    if (k->hfields.ref) napi_delete_reference(env, k->hfields.ref);
    for (int i = 0; i < k->n_assigners; i++) napi_delete_reference(env, k->assigners[i]);
  }
  nk_client_release(k->nc);
  free(k);
}

static void consumer_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  consumer_destroy(env, data);
}

static nk_consumer *consumer_arg(napi_env env, napi_value v) { return nk_unwrap(env, v, tag_consumer); }

/* ---- batches ---- */
/* A Float64Array of the first n doubles of f's array (made or grown first). */
static napi_value fields_view(napi_env env, nk_fields *f, size_t n, double **data) {
  napi_value ab = NULL, ta;
  void *p = NULL;
  if (f->ref && f->cap >= n && napi_get_reference_value(env, f->ref, &ab) != napi_ok) ab = NULL;
  if (!ab) {
    size_t cap = n > 2 * f->cap ? n : 2 * f->cap;
    if (cap < 4096) cap = 4096;
    if (cap > SIZE_MAX / sizeof(double) || napi_create_arraybuffer(env, cap * sizeof(double), &p, &ab) != napi_ok) return NULL;
    napi_ref ref;
    if (napi_create_reference(env, ab, 1, &ref) != napi_ok) return NULL;
    if (f->ref) napi_delete_reference(env, f->ref);
    f->ref = ref;
    f->cap = cap;
  } else if (napi_get_arraybuffer_info(env, ab, &p, NULL) != napi_ok) {
    return NULL;
  }
  if (napi_create_typedarray(env, napi_float64_array, n, ab, 0, &ta) != napi_ok) return NULL;
  *data = p;
  return ta;
}

static int on_batch(uvk_consumer *c, const uvk_batch *b, void *ud) {
  (void)c;
  nk_consumer *k = ud;
  nk_client *nc = k->nc;
  if (nc->ne->exiting || !k->on_batch) return -1;  /* nothing resolved: fetched again later */
  napi_env env = nc->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return -1;
  size_t total = 0, n_headers = 0;
  for (size_t i = 0; i < b->n_messages; i++) {
    const uvk_consumer_message *m = &b->messages[i];
    total += m->key_len + m->value_len;
    for (size_t h = 0; h < m->n_headers; h++) total += strlen(m->headers[h].name) + m->headers[h].value_len;
    n_headers += m->n_headers;
  }
  void *bytes = NULL;
  napi_value data, meta, hmeta;
  double *md = NULL, *hd = NULL;
  int rc = -1;
  nk_block *block = NULL;
  if (k->chunked) {
    /* eachMessage: bytes, then the two arrays, in one block outside V8 that consumerChunk
     * hands out in parts (data: null, meta and hmeta: the numbers of messages and headers). */
    size_t at = (total + 7) & ~(size_t)7;
    block = nk_block_new(at + (b->n_messages * kMsgFields + n_headers * kHdrFields) * sizeof(double), &bytes);
    if (!block) goto out;
    md = (double *)((char *)bytes + at);
    hd = md + b->n_messages * kMsgFields;
    data = nk_null(env);
    napi_create_double(env, (double)b->n_messages, &meta);
    napi_create_double(env, (double)n_headers, &hmeta);
  } else {
    data = nk_batch_buffer(env, total ? total : 1, &bytes);
    if (!data) goto out;
    meta = fields_view(env, &k->fields, b->n_messages * kMsgFields, &md);
    hmeta = fields_view(env, &k->hfields, n_headers * kHdrFields, &hd);
    if (!meta || !hmeta) goto out;
  }
  char *w = bytes;
  size_t at = 0, hi = 0;
  for (size_t i = 0; i < b->n_messages; i++) {
    const uvk_consumer_message *m = &b->messages[i];
    double *f = md + i * kMsgFields;
    f[0] = (double)m->offset;
    f[1] = (double)m->timestamp;
    f[2] = m->attributes;
    f[3] = (double)at;
    f[4] = m->key ? (double)m->key_len : -1;
    if (m->key_len) memcpy(w + at, m->key, m->key_len);
    at += m->key_len;
    f[5] = (double)at;
    f[6] = m->value ? (double)m->value_len : -1;
    if (m->value_len) memcpy(w + at, m->value, m->value_len);
    at += m->value_len;
    f[7] = (double)m->n_headers;
    for (size_t h = 0; h < m->n_headers; h++, hi++) {
      const uvk_header *hh = &m->headers[h];
      size_t nl = strlen(hh->name);
      double *g = hd + hi * kHdrFields;
      g[0] = (double)at;
      g[1] = (double)nl;
      memcpy(w + at, hh->name, nl);
      at += nl;
      g[2] = (double)at;
      g[3] = hh->value ? (double)hh->value_len : -1;
      if (hh->value_len) memcpy(w + at, hh->value, hh->value_len);
      at += hh->value_len;
    }
  }
  napi_value info;
  napi_create_object(env, &info);
  nk_set(env, info, "highWatermark", nk_i64_str(env, b->high_watermark));
  nk_set(env, info, "offsetLag", nk_i64_str(env, b->offset_lag));
  nk_set(env, info, "offsetLagLow", nk_i64_str(env, b->offset_lag_low));
  double slot = slot_take(k, b->topic, b->partition);
  if (slot < 0) goto out;
  nk_slot *s = &k->slots[(uint32_t)slot % kMaxSlots];
  s->block = block;
  s->bytes = bytes;
  s->md = md;
  s->hd = hd;
  s->n_messages = b->n_messages;
  s->bytes_end = at;
  s->next_msg = s->next_hdr = 0;
  block = NULL;
  napi_value js_slot;
  napi_create_double(env, slot, &js_slot);
  napi_value argv[7] = {nk_str(env, b->topic), nk_int(env, b->partition), info, data, meta, hmeta, js_slot};
  k->in_handler = 1;
  k->cur_topic = b->topic;
  k->cur_partition = b->partition;
  k->cur_done = 0;
  nk_call(nc, k->on_batch, 7, argv);
  k->in_handler = 0;
  /* The handler's promise may have settled in the microtasks run after the call. */
  rc = k->cur_done ? k->cur_result : UVK_PENDING;
out:
  if (block) nk_block_release(block);
  napi_close_handle_scope(env, scope);
  return rc;
}

/* ---- completions ---- */
static void on_done(uvk_consumer *c, const uvk_error *err, void *ud) {
  (void)c;
  nk_req_done(ud, err);
}

static napi_value buffer_or_null(napi_env env, const void *p, size_t n) {
  napi_value b;
  if (!p || napi_create_buffer_copy(env, n, n ? p : "", NULL, &b) != napi_ok) return nk_null(env);
  return b;
}

static void on_described(uvk_consumer *c, const uvk_error *err, const uvk_group_description *g, void *ud) {
  (void)c;
  nk_req *r = ud;
  napi_env env = r->nc->env;
  napi_handle_scope scope;
  if (r->nc->ne->exiting || napi_open_handle_scope(env, &scope) != napi_ok) {
    nk_req_free(r);
    return;
  }
  napi_value o = nk_null(env);
  if (g) {
    napi_value members;
    napi_create_object(env, &o);
    nk_set(env, o, "errorCode", nk_int(env, 0));
    nk_set(env, o, "groupId", nk_str(env, g->group_id));
    nk_set(env, o, "state", nk_str(env, g->state));
    nk_set(env, o, "protocolType", nk_str(env, g->protocol_type));
    nk_set(env, o, "protocol", nk_str(env, g->protocol));
    napi_create_array_with_length(env, g->n_members, &members);
    for (size_t i = 0; i < g->n_members; i++) {
      const uvk_group_member_description *m = &g->members[i];
      napi_value mo;
      napi_create_object(env, &mo);
      nk_set(env, mo, "memberId", nk_str(env, m->member_id));
      nk_set(env, mo, "clientId", nk_str(env, m->client_id));
      nk_set(env, mo, "clientHost", nk_str(env, m->client_host));
      nk_set(env, mo, "memberMetadata", buffer_or_null(env, m->member_metadata, m->member_metadata_len));
      nk_set(env, mo, "memberAssignment", buffer_or_null(env, m->member_assignment, m->member_assignment_len));
      napi_set_element(env, members, (uint32_t)i, mo);
    }
    nk_set(env, o, "members", members);
  }
  nk_req_finish(r, nk_error_object(env, err), o);
  napi_close_handle_scope(env, scope);
}

/* A custom assigner written in JavaScript: it is called synchronously and must give its
 * answer before the microtasks after the call are done (KafkaJS's assign is async). ud is
 * the consumer's slot {consumer, index}. */

static int on_assign(void *ud, const uvk_group_member *members, size_t n_members, const uvk_assign_topic *topics,
                     size_t n_topics, uvk_assignment_builder *out) {
  nk_consumer *k = ((nk_consumer **)ud)[0];
  int index = (int)(intptr_t)((void **)ud)[1];
  nk_client *nc = k->nc;
  if (nc->ne->exiting) return UVK_ECLOSED;
  napi_env env = nc->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return UVK_EINVAL;
  napi_value ms, ts;
  napi_create_array_with_length(env, n_members, &ms);
  for (size_t i = 0; i < n_members; i++) {
    napi_value o;
    napi_create_object(env, &o);
    nk_set(env, o, "memberId", nk_str(env, members[i].member_id));
    nk_set(env, o, "memberMetadata", buffer_or_null(env, members[i].metadata, members[i].metadata_len));
    napi_set_element(env, ms, (uint32_t)i, o);
  }
  napi_create_array_with_length(env, n_topics, &ts);
  for (size_t i = 0; i < n_topics; i++) {
    napi_value o;
    napi_create_object(env, &o);
    nk_set(env, o, "topic", nk_str(env, topics[i].topic));
    nk_set(env, o, "partitions", nk_int(env, topics[i].n_partitions));
    napi_set_element(env, ts, (uint32_t)i, o);
  }
  napi_value argv[2] = {ms, ts};
  /* JavaScript returns a box whose `r` the assigner's promise filled during the microtasks
   * that ran when the call returned. */
  napi_value box = nk_call_ret(nc, k->assigners[index], 2, argv), result = NULL;
  if (box) napi_get_named_property(env, box, "r", &result);
  int rc = UVK_EINVAL;
  bool is_array = false;
  if (result && napi_is_array(env, result, &is_array) == napi_ok && is_array) {
    uint32_t n = 0;
    napi_get_array_length(env, result, &n);
    rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
      napi_value e, idv, bv;
      napi_get_element(env, result, i, &e);
      napi_get_named_property(env, e, "memberId", &idv);
      napi_get_named_property(env, e, "memberAssignment", &bv);
      char *id = nk_get_string(env, idv, "memberId");
      void *p = NULL;
      size_t len = 0;
      bool is_buf = false;
      if (!id || napi_is_buffer(env, bv, &is_buf) != napi_ok || !is_buf) {
        rc = UVK_EINVAL;
      } else {
        napi_get_buffer_info(env, bv, &p, &len);
        rc = uvk_assignment_set(out, id, p, len);
      }
      free(id);
    }
  }
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
  }
  napi_close_handle_scope(env, scope);
  return rc;
}

/* ---- functions JavaScript calls ---- */
static napi_value consumer_new(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_client *nc = nk_client_arg(env, argv[0]);
  if (!nc) return NULL;
  uvk_config *cfg = nk_settings_config(env, argv[1]);
  if (!cfg) return NULL;
  nk_consumer *k = calloc(1, sizeof *k);
  if (!k) {
    uvk_config_free(cfg);
    return nk_throw(env, UVK_ENOMEM, NULL);
  }
  int rc = uvk_consumer_new(nc->client, cfg, &k->c);
  uvk_config_free(cfg);
  if (rc != 0) {
    free(k);
    return nk_throw(env, rc, "the consumer's options are invalid (groupId is required)");
  }
  k->nc = nc;
  nk_client_retain(nc);
  return nk_wrap(env, k, tag_consumer, consumer_finalize);
}

#define CONSUMER_ARGS(N)                                  \
  size_t argc = (N);                                      \
  napi_value argv[(N)];                                   \
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);   \
  nk_consumer *k = consumer_arg(env, argv[0]);            \
  if (!k) return NULL

/* consumerSubscribe(c, topicOrPattern, fromBeginning, isPattern) */
static napi_value consumer_subscribe(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(4);
  bool from_beginning = false, pattern = false;
  napi_get_value_bool(env, argv[2], &from_beginning);
  napi_get_value_bool(env, argv[3], &pattern);
  char *t = nk_get_string(env, argv[1], pattern ? "pattern" : "topic");
  if (!t) return NULL;
  int rc = pattern ? uvk_consumer_subscribe_pattern(k->c, t, from_beginning)
                   : uvk_consumer_subscribe(k->c, t, from_beginning);
  free(t);
  if (rc != 0) return nk_throw(env, rc, NULL);
  return nk_undefined(env);
}

static int get_num(napi_env env, napi_value o, const char *key, int64_t *out) {
  napi_value v;
  if (napi_get_named_property(env, o, key, &v) != napi_ok || nk_is_nullish(env, v)) return 0;
  return nk_get_int64(env, v, key, out);
}

/* consumerRun(c, {autoCommit, autoCommitInterval, autoCommitThreshold, eachBatchAutoResolve, chunked,
 * partitionsConsumedConcurrently}, onBatch) */
static napi_value consumer_run(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(3);
  uvk_run_options o;
  uvk_run_options_init(&o);
  int64_t v;
  v = 1;
  if (get_num(env, argv[1], "autoCommit", &v) != 0) return NULL;
  o.auto_commit = v != 0;
  v = -1;
  if (get_num(env, argv[1], "autoCommitInterval", &v) != 0) return NULL;
  o.auto_commit_interval = v;
  v = -1;
  if (get_num(env, argv[1], "autoCommitThreshold", &v) != 0) return NULL;
  o.auto_commit_threshold = v;
  v = 1;
  if (get_num(env, argv[1], "eachBatchAutoResolve", &v) != 0) return NULL;
  o.each_batch_auto_resolve = v != 0;
  v = 1;
  if (get_num(env, argv[1], "partitionsConsumedConcurrently", &v) != 0) return NULL;
  o.partitions_consumed_concurrently = (int)(v > 0 && v < 1000000 ? v : 1);
  v = 0;
  if (get_num(env, argv[1], "chunked", &v) != 0) return NULL;
  k->chunked = v != 0;
  napi_valuetype t;
  if (napi_typeof(env, argv[2], &t) != napi_ok || t != napi_function)
    return nk_throw(env, UVK_EINVAL, "the batch handler must be a function");
  o.each_batch = on_batch;
  o.ud = k;
  if (k->on_batch) napi_delete_reference(env, k->on_batch);
  napi_create_reference(env, argv[2], 1, &k->on_batch);
  int rc = uvk_consumer_run(k->c, &o);
  if (rc != 0) return nk_throw(env, rc, NULL);
  return nk_undefined(env);
}

/* consumerDone(c, slot, result): the JavaScript handler of the batch in `slot` finished;
 * nonzero when that batch was done already. */
static napi_value consumer_done(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(3);
  int32_t result = 0;
  if (nk_get_int32(env, argv[2], "result", &result) != 0) return NULL;
  nk_slot *s = slot_of(env, k, argv[1]);
  if (!s) return nk_int(env, UVK_ENOTFOUND);
  int rc;
  if (k->in_handler && !k->cur_done && k->cur_partition == s->partition && strcmp(k->cur_topic, s->topic) == 0) {
    k->cur_done = 1;
    k->cur_result = result;
    rc = 0;
  } else {
    rc = uvk_consumer_done(k->c, s->topic, s->partition, result);
  }
  slot_free(s);
  return nk_int(env, rc);
}

static int partition_state(nk_consumer *k, const char *topic, int32_t partition) {
  return (uvk_consumer_is_paused(k->c, topic, partition) ? 1 : 0) | (uvk_consumer_is_stale(k->c, topic, partition) ? 2 : 0);
}

/* consumerResolveNext(c, slot, offset): eachMessage's message at `offset` (a number) of the
 * batch in `slot` is done. Returns the partition's state afterwards, as consumerState (what
 * the loop needs next, saving it a second call per message); a batch already done, or a
 * partition no longer assigned, reads as stale. */
static napi_value consumer_resolve_next(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(3);
  int64_t offset = 0;
  if (nk_get_int64(env, argv[2], "offset", &offset) != 0) return NULL;
  nk_slot *s = slot_of(env, k, argv[1]);
  if (!s || uvk_consumer_resolve_offset(k->c, s->topic, s->partition, offset) != 0) return nk_int(env, 2);
  return nk_int(env, partition_state(k, s->topic, s->partition));
}

/* consumerChunk(c, slot, count): the next `count` messages (fewer at the end) of the
 * eachMessage batch in `slot` as one new Buffer: their fields as on_batch writes them, then
 * their headers' fields (doubles), then their bytes, positions counted from the Buffer's
 * start; null once the batch is done. A few hundred messages' worth of V8's own memory:
 * garbage before the next scavenge or the one after, unlike a Buffer held for the whole
 * batch, which V8 moves to the old generation and frees only in a full collection. */
static napi_value consumer_chunk(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(3);
  int32_t count = 0;
  if (nk_get_int32(env, argv[2], "count", &count) != 0) return NULL;
  nk_slot *s = slot_of(env, k, argv[1]);
  if (!s || !s->block || count <= 0) return nk_null(env);
  size_t m0 = s->next_msg, m1 = s->n_messages - m0 < (size_t)count ? s->n_messages : m0 + (size_t)count;
  size_t h0 = s->next_hdr, nh = 0;
  for (size_t i = m0; i < m1; i++) nh += (size_t)s->md[i * kMsgFields + 7];
  size_t from = m0 < s->n_messages ? (size_t)s->md[m0 * kMsgFields + 3] : s->bytes_end;
  size_t to = m1 < s->n_messages ? (size_t)s->md[m1 * kMsgFields + 3] : s->bytes_end;
  size_t head = ((m1 - m0) * kMsgFields + nh * kHdrFields) * sizeof(double);
  void *p = NULL;
  napi_value buf;
  if (napi_create_buffer(env, head + (to - from), &p, &buf) != napi_ok) return NULL;
  double *f = p, *g = f + (m1 - m0) * kMsgFields;
  double shift = (double)head - (double)from;
  memcpy(f, s->md + m0 * kMsgFields, (m1 - m0) * kMsgFields * sizeof(double));
  for (size_t i = 0; i < m1 - m0; i++) {
    f[i * kMsgFields + 3] += shift;
    f[i * kMsgFields + 5] += shift;
  }
  memcpy(g, s->hd + h0 * kHdrFields, nh * kHdrFields * sizeof(double));
  for (size_t j = 0; j < nh; j++) {
    g[j * kHdrFields] += shift;
    g[j * kHdrFields + 2] += shift;
  }
  if (to > from) memcpy((char *)p + head, s->bytes + from, to - from);
  s->next_msg = m1;
  s->next_hdr = h0 + nh;
  return buf;
}

/* consumerSlotState(c, slot): consumerState of the batch's partition (stale once done). */
static napi_value consumer_slot_state(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(2);
  nk_slot *s = slot_of(env, k, argv[1]);
  return nk_int(env, s ? partition_state(k, s->topic, s->partition) : 2);
}

/* consumerResolveOffset(c, topic, partition, offset): eachBatch's resolveOffset */
static napi_value consumer_resolve(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(4);
  int32_t partition = 0;
  int64_t offset = 0;
  if (nk_get_int32(env, argv[2], "partition", &partition) != 0 || nk_get_int64(env, argv[3], "offset", &offset) != 0)
    return NULL;
  char t[256];
  if (nk_get_name(env, argv[1], "topic", t, sizeof t) != 0) return NULL;
  return nk_int(env, uvk_consumer_resolve_offset(k->c, t, partition, offset));
}

static napi_value consumer_commit_if_necessary(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(1);
  return nk_int(env, uvk_consumer_commit_offsets_if_necessary(k->c));
}

/* An entry's `metadata` (undefined / null: NULL), copied into a; 0, or -1 with an exception
 * pending. Capped before it is read: the caller's string may be any size. */
static int get_commit_metadata(napi_env env, napi_value e, nk_arena *a, const char **out) {
  napi_value v;
  napi_valuetype t;
  char msg[128];
  *out = NULL;
  if (napi_get_named_property(env, e, "metadata", &v) != napi_ok) {
    nk_throw_last(env);
    return -1;
  }
  if (nk_is_nullish(env, v)) return 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    nk_throw(env, UVK_EINVAL, "metadata must be a string or null");
    return -1;
  }
  size_t len = 0;
  napi_get_value_string_utf8(env, v, NULL, 0, &len);
  if (len > UVK_COMMIT_METADATA_MAX) {
    snprintf(msg, sizeof msg, "offset metadata is %zu bytes, more than the %d a commit can carry", len,
             UVK_COMMIT_METADATA_MAX);
    nk_throw(env, UVK_ETOOLARGE, msg);
    return -1;
  }
  char *m = nk_arena_alloc(a, len + 1);
  if (!m) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  if (nk_read_string(env, v, "metadata", m, len) != 0) return -1;
  *out = m;
  return 0;
}

/* consumerCommit(c, [{topic, partition, offset, metadata}], cb) */
static napi_value consumer_commit(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(3);
  bool is_array = false;
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array)
    return nk_throw(env, UVK_EINVAL, "topicPartitions must be an array");
  uint32_t n = 0;
  napi_get_array_length(env, argv[1], &n);
  if (n == 0) return nk_throw(env, UVK_EINVAL, "commitOffsets needs at least one partition");
  nk_arena *a = nk_arena_new();
  uvk_topic_partition_offset_metadata *o = a ? nk_arena_alloc(a, n * sizeof *o) : NULL;
  int ok = o != NULL;
  if (!ok) nk_throw(env, UVK_ENOMEM, NULL);
  for (uint32_t i = 0; ok && i < n; i++) {
    napi_value e, v;
    napi_get_element(env, argv[1], i, &e);
    char *t = napi_get_named_property(env, e, "topic", &v) == napi_ok ? nk_get_string(env, v, "topic") : NULL;
    ok = t != NULL;
    if (ok) {
      size_t len = strlen(t);
      char *cp = nk_arena_alloc(a, len + 1);
      if (cp) memcpy(cp, t, len + 1);
      o[i].topic = cp;
      free(t);
      ok = cp != NULL;
    }
    ok = ok && napi_get_named_property(env, e, "partition", &v) == napi_ok &&
         nk_get_int32(env, v, "partition", &o[i].partition) == 0;
    ok = ok && napi_get_named_property(env, e, "offset", &v) == napi_ok && nk_get_int64(env, v, "offset", &o[i].offset) == 0;
    ok = ok && get_commit_metadata(env, e, a, &o[i].metadata) == 0;
  }
  nk_req *r = ok ? nk_req_new(env, k->nc, argv[2]) : NULL;
  int rc = r ? uvk_consumer_commit_offsets_with_metadata(k->c, o, n, on_done, r) : 0;
  nk_arena_free(a);
  return nk_req_started(env, r, rc);
}

/* consumerSeek(c, topic, partition, offset) */
static napi_value consumer_seek(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(4);
  int32_t partition = 0;
  int64_t offset = 0;
  if (nk_get_int32(env, argv[2], "partition", &partition) != 0 || nk_get_int64(env, argv[3], "offset", &offset) != 0)
    return NULL;
  char *t = nk_get_string(env, argv[1], "topic");
  if (!t) return NULL;
  int rc = uvk_consumer_seek(k->c, t, partition, offset);
  free(t);
  if (rc != 0) return nk_throw(env, rc, NULL);
  return nk_undefined(env);
}

/* consumerPause(c, topic, partitions|null, pause) */
static napi_value consumer_pause(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(4);
  bool pause = false;
  napi_get_value_bool(env, argv[3], &pause);
  int32_t parts[1024];
  uint32_t n = 0;
  bool is_array = false;
  if (!nk_is_nullish(env, argv[2])) {
    if (napi_is_array(env, argv[2], &is_array) != napi_ok || !is_array)
      return nk_throw(env, UVK_EINVAL, "partitions must be an array");
    napi_get_array_length(env, argv[2], &n);
    if (n > 1024) return nk_throw(env, UVK_EINVAL, "too many partitions (at most 1024 per call)");
    for (uint32_t i = 0; i < n; i++) {
      napi_value v;
      napi_get_element(env, argv[2], i, &v);
      if (nk_get_int32(env, v, "partition", &parts[i]) != 0) return NULL;
    }
  }
  char *t = nk_get_string(env, argv[1], "topic");
  if (!t) return NULL;
  int rc = pause ? uvk_consumer_pause(k->c, t, n ? parts : NULL, n) : uvk_consumer_resume(k->c, t, n ? parts : NULL, n);
  free(t);
  if (rc != 0) return nk_throw(env, rc, NULL);
  return nk_undefined(env);
}

/* consumerState(c, topic, partition): [paused, stale] */
static napi_value consumer_state(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(3);
  int32_t partition = 0;
  if (nk_get_int32(env, argv[2], "partition", &partition) != 0) return NULL;
  char t[256];
  if (nk_get_name(env, argv[1], "topic", t, sizeof t) != 0) return NULL;
  return nk_int(env, partition_state(k, t, partition));
}

static napi_value consumer_running(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(1);
  return nk_bool(env, uvk_consumer_is_running(k->c));
}

static napi_value consumer_assignment(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(1);
  size_t n = uvk_consumer_assignment(k->c, NULL, 0);
  uvk_topic_partition *tp = calloc(n ? n : 1, sizeof *tp);
  if (!tp) return nk_throw(env, UVK_ENOMEM, NULL);
  n = uvk_consumer_assignment(k->c, tp, n);
  napi_value r = nk_topic_partitions(env, tp, n);
  free(tp);
  return r;
}

typedef int (*consumer_op)(uvk_consumer *, uvk_consumer_cb, void *);
static napi_value with_cb(napi_env env, napi_callback_info info, consumer_op op) {
  napi_value cb;
  nk_consumer *k = nk_handle_and_cb(env, info, tag_consumer, &cb);
  nk_req *r = k ? nk_req_new(env, k->nc, cb) : NULL;
  return nk_req_started(env, r, r ? op(k->c, on_done, r) : 0);
}
/* consumerStop(c, cb). The batches still waiting in JavaScript when it stops are dropped
 * there (lib/consumer.js), the running ones are done: no slot is in use any more. */
static napi_value consumer_stop(napi_env env, napi_callback_info info) {
  napi_value r = with_cb(env, info, uvk_consumer_stop);
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_consumer *k = r ? consumer_arg(env, argv[0]) : NULL;
  if (k) slots_clear(k);
  return r;
}

static napi_value consumer_describe(napi_env env, napi_callback_info info) {
  napi_value cb;
  nk_consumer *k = nk_handle_and_cb(env, info, tag_consumer, &cb);
  nk_req *r = k ? nk_req_new(env, k->nc, cb) : NULL;
  return nk_req_started(env, r, r ? uvk_consumer_describe_group(k->c, on_described, r) : 0);
}

/* consumerListen(c, type, on): consumer events go to the client's hooks.event. */
static napi_value consumer_listen(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(3);
  int32_t type = 0;
  bool on = false;
  if (nk_get_int32(env, argv[1], "event type", &type) != 0) return NULL;
  napi_get_value_bool(env, argv[2], &on);
  if (type <= 0 || type >= UVK_EVENT_TYPE_LAST_) return nk_throw(env, UVK_EINVAL, "unknown event type");
  if (on && !k->listeners[type]) {
    int64_t id = uvk_consumer_on(k->c, type, nk_client_event, k->nc);
    if (id < 0) return nk_throw(env, (int)id, NULL);
    k->listeners[type] = id;
  } else if (!on && k->listeners[type]) {
    uvk_consumer_off(k->c, k->listeners[type]);
    k->listeners[type] = 0;
  }
  return nk_undefined(env);
}

/* consumerAddAssigner(c, name, version, userData|null, assign(members, topics) => [{memberId,
 * memberAssignment}]) */
static napi_value consumer_add_assigner(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(5);
  if (k->n_assigners >= kMaxAssigners) return nk_throw(env, UVK_EINVAL, "at most 4 custom assigners");
  int32_t version = 0;
  if (nk_get_int32(env, argv[2], "version", &version) != 0) return NULL;
  napi_valuetype t;
  if (napi_typeof(env, argv[4], &t) != napi_ok || t != napi_function)
    return nk_throw(env, UVK_EINVAL, "assign must be a function");
  void *ud_data = NULL;
  size_t ud_len = 0;
  bool is_buf = false;
  if (!nk_is_nullish(env, argv[3])) {
    if (napi_is_buffer(env, argv[3], &is_buf) != napi_ok || !is_buf)
      return nk_throw(env, UVK_EINVAL, "userData must be a Buffer");
    napi_get_buffer_info(env, argv[3], &ud_data, &ud_len);
  }
  char *name = nk_get_string(env, argv[1], "assigner name");
  if (!name) return NULL;
  void **slot = k->assigner_slots[k->n_assigners];
  slot[0] = k;
  slot[1] = (void *)(intptr_t)k->n_assigners;
  int rc = uvk_consumer_add_assigner(k->c, name, version, ud_data, ud_len, on_assign, slot);
  free(name);
  if (rc != 0) return nk_throw(env, rc, NULL);
  napi_create_reference(env, argv[4], 1, &k->assigners[k->n_assigners++]);
  return nk_undefined(env);
}

static napi_value consumer_free(napi_env env, napi_callback_info info) {
  CONSUMER_ARGS(1);
  nk_handle_clear(env, argv[0]);
  consumer_destroy(env, k);
  return nk_undefined(env);
}

napi_value nk_consumer_init(napi_env env, napi_value exports) {
  nk_export(env, exports, "consumerNew", consumer_new);
  nk_export(env, exports, "consumerSubscribe", consumer_subscribe);
  nk_export(env, exports, "consumerRun", consumer_run);
  nk_export(env, exports, "consumerDone", consumer_done);
  nk_export(env, exports, "consumerResolveOffset", consumer_resolve);
  nk_export(env, exports, "consumerResolveNext", consumer_resolve_next);
  nk_export(env, exports, "consumerSlotState", consumer_slot_state);
  nk_export(env, exports, "consumerChunk", consumer_chunk);
  nk_export(env, exports, "consumerCommitIfNecessary", consumer_commit_if_necessary);
  nk_export(env, exports, "consumerCommit", consumer_commit);
  nk_export(env, exports, "consumerSeek", consumer_seek);
  nk_export(env, exports, "consumerPause", consumer_pause);
  nk_export(env, exports, "consumerState", consumer_state);
  nk_export(env, exports, "consumerRunning", consumer_running);
  nk_export(env, exports, "consumerAssignment", consumer_assignment);
  nk_export(env, exports, "consumerStop", consumer_stop);
  nk_export(env, exports, "consumerDescribeGroup", consumer_describe);
  nk_export(env, exports, "consumerListen", consumer_listen);
  nk_export(env, exports, "consumerAddAssigner", consumer_add_assigner);
  nk_export(env, exports, "consumerFree", consumer_free);
  return exports;
}
