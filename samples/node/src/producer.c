/* The producer: messages from JavaScript (Buffers borrowed, strings copied once into an
 * arena that lives until the send completes), record metadata back, transactions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

static const char tag_producer[] = "uvkafka.producer";

typedef struct nk_producer {
  nk_client *nc;
  uvk_producer *p;
  napi_ref partitioner;  /* JavaScript (topic, partitions, message) => number, or NULL */
} nk_producer;

static void producer_destroy(napi_env env, nk_producer *np) {
  if (np->p) uvk_producer_free(np->p);
  if (np->partitioner && !np->nc->ne->exiting) napi_delete_reference(env, np->partitioner);
  nk_client_release(np->nc);
  free(np);
}

static void producer_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  producer_destroy(env, data);
}

static nk_producer *producer_arg(napi_env env, napi_value v) { return nk_unwrap(env, v, tag_producer); }

/* ---- messages ---- */
static int marshal_headers(napi_env env, napi_value hv, nk_arena *a, napi_value keep, uint32_t *n_keep,
                           const uvk_header **out, size_t *n_out) {
  *out = NULL;
  *n_out = 0;
  if (nk_is_nullish(env, hv)) return 0;
  napi_valuetype t;
  napi_typeof(env, hv, &t);
  if (t != napi_object) {
    nk_throw(env, UVK_EINVAL, "message headers must be an object");
    return -1;
  }
  napi_value names;
  uint32_t n = 0;
  napi_get_property_names(env, hv, &names);
  napi_get_array_length(env, names, &n);
  if (n == 0) return 0;
  /* An array value adds one header per element (KafkaJS: repeated names). */
  size_t cap = n, count = 0;
  uvk_header *h = nk_arena_alloc(a, cap * sizeof *h);
  if (!h) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value name, val;
    napi_get_element(env, names, i, &name);
    napi_get_property(env, hv, name, &val);
    size_t len = 0;
    napi_get_value_string_utf8(env, name, NULL, 0, &len);
    char *nm = nk_arena_alloc(a, len + 1);
    if (!nm) {
      nk_throw(env, UVK_ENOMEM, NULL);
      return -1;
    }
    napi_get_value_string_utf8(env, name, nm, len + 1, &len);
    bool is_array = false;
    napi_is_array(env, val, &is_array);
    uint32_t m = 1;
    if (is_array) napi_get_array_length(env, val, &m);
    if (count + m > cap) {
      size_t ncap = (count + m) * 2;
      uvk_header *nh = nk_arena_alloc(a, ncap * sizeof *nh);
      if (!nh) {
        nk_throw(env, UVK_ENOMEM, NULL);
        return -1;
      }
      memcpy(nh, h, count * sizeof *h);
      h = nh;
      cap = ncap;
    }
    for (uint32_t j = 0; j < m; j++) {
      napi_value item = val;
      if (is_array) napi_get_element(env, val, j, &item);
      h[count].name = nm;
      if (nk_get_bytes(env, item, a, keep, n_keep, &h[count].value, &h[count].value_len, "a header value") < 0)
        return -1;
      count++;
    }
  }
  *out = h;
  *n_out = count;
  return 0;
}

/* An optional column of a flattened send: null, or an array of exactly n entries. */
static int flat_column(napi_env env, napi_value flat, uint32_t which, uint32_t n, napi_value *out) {
  *out = NULL;
  napi_value v;
  if (napi_get_element(env, flat, which, &v) != napi_ok) return -1;
  if (nk_is_nullish(env, v)) return 0;
  bool is_array = false;
  uint32_t len = 0;
  if (napi_is_array(env, v, &is_array) != napi_ok || !is_array || napi_get_array_length(env, v, &len) != napi_ok ||
      len != n) {
    nk_throw(env, UVK_EINVAL, "a flattened send's columns must be arrays of one length");
    return -1;
  }
  *out = v;
  return 0;
}

/* Fills msgs[0..n) from one send as lib/producer.js flattens it: [values, keys, partitions,
 * timestamps, headers], each column null or an array with one entry per message. Values and
 * keys are read from JavaScript's own arrays, which the send keeps referenced (so their
 * Buffers are borrowed without one reference per Buffer); header values are user objects and
 * go into `keep` one by one. */
static int marshal_flat(napi_env env, napi_value flat, nk_arena *a, napi_value keep, uint32_t *n_keep,
                        uvk_message **out, size_t *n_out) {
  bool is_array = false;
  uint32_t n = 0;
  napi_value values;
  if (napi_is_array(env, flat, &is_array) != napi_ok || !is_array ||
      napi_get_element(env, flat, 0, &values) != napi_ok || napi_is_array(env, values, &is_array) != napi_ok ||
      !is_array) {
    nk_throw(env, UVK_EINVAL, "messages must be an array");
    return -1;
  }
  napi_get_array_length(env, values, &n);
  napi_value keys, parts, stamps, headers;
  if (flat_column(env, flat, 1, n, &keys) != 0 || flat_column(env, flat, 2, n, &parts) != 0 ||
      flat_column(env, flat, 3, n, &stamps) != 0 || flat_column(env, flat, 4, n, &headers) != 0)
    return -1;
  uvk_message *m = nk_arena_alloc(a, (n ? n : 1) * sizeof *m);
  if (!m) {
    nk_throw(env, UVK_ENOMEM, NULL);
    return -1;
  }
  napi_set_element(env, keep, (*n_keep)++, flat);
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    memset(&m[i], 0, sizeof m[i]);
    m[i].partition = -1;
    m[i].timestamp = -1;
    napi_get_element(env, values, i, &v);
    if (nk_get_bytes(env, v, a, NULL, NULL, &m[i].value, &m[i].value_len, "message value") < 0) return -1;
    if (keys) {
      napi_get_element(env, keys, i, &v);
      if (nk_get_bytes(env, v, a, NULL, NULL, &m[i].key, &m[i].key_len, "message key") < 0) return -1;
    }
    if (parts) {
      napi_get_element(env, parts, i, &v);
      if (!nk_is_nullish(env, v)) {
        if (nk_get_int32(env, v, "message partition", &m[i].partition) != 0) return -1;
        if (m[i].partition < 0) {
          nk_throw(env, UVK_EINVAL, "message partition must not be negative");
          return -1;
        }
      }
    }
    if (stamps) {
      napi_get_element(env, stamps, i, &v);
      if (!nk_is_nullish(env, v) && nk_get_int64(env, v, "message timestamp", &m[i].timestamp) != 0) return -1;
    }
    if (headers) {
      napi_get_element(env, headers, i, &v);
      if (marshal_headers(env, v, a, keep, n_keep, &m[i].headers, &m[i].n_headers) != 0) return -1;
    }
  }
  *out = m;
  *n_out = n;
  return 0;
}

/* ---- completions ---- */
typedef struct send_req {
  nk_req *req;
  nk_arena *arena;
  napi_ref keep;  /* the Buffers borrowed by the send */
} send_req;

static void send_req_free(send_req *s) {
  nk_arena_free(s->arena);
  if (s->keep && !s->req->nc->ne->exiting) napi_delete_reference(s->req->nc->env, s->keep);
  free(s);
}

static void on_sent(uvk_producer *p, const uvk_error *err, const uvk_record_metadata *md, size_t n, void *ud) {
  (void)p;
  send_req *s = ud;
  nk_req *r = s->req;
  napi_env env = r->nc->env;
  napi_handle_scope scope;
  if (r->nc->ne->exiting || napi_open_handle_scope(env, &scope) != napi_ok) {
    send_req_free(s);
    nk_req_free(r);
    return;
  }
  napi_value list;
  napi_create_array_with_length(env, n, &list);
  for (size_t i = 0; i < n; i++) {
    napi_value o;
    napi_create_object(env, &o);
    nk_set(env, o, "topicName", nk_str(env, md[i].topic));
    nk_set(env, o, "partition", nk_int(env, md[i].partition));
    int code = UVK_ERR_IS_KAFKA(md[i].error) ? UVK_ERR_KAFKA_CODE(md[i].error) : (md[i].error ? -1 : 0);
    nk_set(env, o, "errorCode", nk_int(env, code));
    nk_set(env, o, "baseOffset", nk_i64_str(env, md[i].base_offset));
    nk_set(env, o, "logAppendTime", nk_i64_str(env, md[i].log_append_time));
    nk_set(env, o, "logStartOffset", nk_i64_str(env, md[i].log_start_offset));
    napi_set_element(env, list, (uint32_t)i, o);
  }
  napi_value e = nk_error_object(env, err);
  send_req_free(s);  /* the messages are not needed any more: let JavaScript reuse them */
  nk_req_finish(r, e, list);
  napi_close_handle_scope(env, scope);
}

static void on_done(uvk_producer *p, const uvk_error *err, void *ud) {
  (void)p;
  nk_req_done(ud, err);
}

static int32_t on_partition(void *ud, const char *topic, const uvk_partition_info *parts, size_t n_parts,
                            const uvk_message *msg) {
  nk_producer *np = ud;
  nk_client *nc = np->nc;
  if (nc->ne->exiting) return -1;
  napi_env env = nc->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return -1;
  napi_value list, m, result;
  napi_create_array_with_length(env, n_parts, &list);
  for (size_t i = 0; i < n_parts; i++) {
    napi_value o;
    napi_create_object(env, &o);
    nk_set(env, o, "partitionId", nk_int(env, parts[i].partition_id));
    nk_set(env, o, "leader", nk_int(env, parts[i].leader));
    nk_set(env, o, "partitionErrorCode", nk_int(env, 0));
    napi_set_element(env, list, (uint32_t)i, o);
  }
  napi_create_object(env, &m);
  napi_value key = nk_null(env), value = nk_null(env);
  if (msg->key) napi_create_buffer_copy(env, msg->key_len, msg->key, NULL, &key);
  if (msg->value) napi_create_buffer_copy(env, msg->value_len, msg->value, NULL, &value);
  nk_set(env, m, "key", key);
  nk_set(env, m, "value", value);
  nk_set(env, m, "partition", msg->partition >= 0 ? nk_int(env, msg->partition) : nk_undefined(env));
  napi_value argv[3] = {nk_str(env, topic), list, m};
  result = nk_call_ret(nc, np->partitioner, 3, argv);
  int32_t part = -1;
  double d;
  if (result && napi_get_value_double(env, result, &d) == napi_ok && d >= 0 && d < 2147483647.0) part = (int32_t)d;
  napi_close_handle_scope(env, scope);
  return part;
}

/* ---- functions JavaScript calls ---- */

/* producerNew(client, settings, partitioner|null) */
static napi_value producer_new(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_client *nc = nk_client_arg(env, argv[0]);
  if (!nc) return NULL;
  uvk_config *cfg = nk_settings_config(env, argv[1]);
  if (!cfg) return NULL;
  nk_producer *np = calloc(1, sizeof *np);
  if (!np) {
    uvk_config_free(cfg);
    return nk_throw(env, UVK_ENOMEM, NULL);
  }
  int rc = uvk_producer_new(nc->client, cfg, &np->p);
  uvk_config_free(cfg);
  if (rc != 0) {
    free(np);
    return nk_throw(env, rc, "the producer's options are invalid");
  }
  np->nc = nc;
  nk_client_retain(nc);
  napi_valuetype t;
  if (argc > 2 && napi_typeof(env, argv[2], &t) == napi_ok && t == napi_function) {
    napi_create_reference(env, argv[2], 1, &np->partitioner);
    uvk_producer_set_partitioner(np->p, on_partition, np);
  }
  return nk_wrap(env, np, tag_producer, producer_finalize);
}

static int send_options(napi_env env, napi_value *argv, uvk_send_options *o) {
  uvk_send_options_init(o);
  o->borrow = 1;
  int32_t v;
  if (!nk_is_nullish(env, argv[0])) {
    if (nk_get_int32(env, argv[0], "acks", &v) != 0) return -1;
    if (v != -1 && v != 0 && v != 1) {
      nk_throw(env, UVK_EINVAL, "acks must be -1, 0 or 1");
      return -1;
    }
    o->acks = v;
  }
  if (!nk_is_nullish(env, argv[1])) {
    if (nk_get_int32(env, argv[1], "timeout", &v) != 0) return -1;
    o->timeout = v;
  }
  if (!nk_is_nullish(env, argv[2])) {
    if (nk_get_int32(env, argv[2], "compression", &v) != 0) return -1;
    if (v < 0 || v > 4) {
      nk_throw(env, UVK_EINVAL, "compression must be one of CompressionTypes (0..4)");
      return -1;
    }
    o->compression = v;
  }
  return 0;
}

/* producerSend(p, topic, flat, acks, timeout, compression, cb) and
 * producerSendBatch(p, [[topic, flat], ...], acks, timeout, compression, cb); flat as
 * marshal_flat reads it. */
static napi_value do_send(napi_env env, napi_callback_info info, int batch) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_producer *np = producer_arg(env, argv[0]);
  if (!np) return NULL;
  size_t o = batch ? 2 : 3;
  uvk_send_options opts;
  if (send_options(env, argv + o, &opts) != 0) return NULL;
  send_req *s = calloc(1, sizeof *s);
  nk_arena *a = nk_arena_new();
  if (!s || !a) {
    free(s);
    nk_arena_free(a);
    return nk_throw(env, UVK_ENOMEM, NULL);
  }
  s->arena = a;
  napi_value keep;
  uint32_t n_keep = 0;
  napi_create_array(env, &keep);
  int rc = 0;
  char *topic = NULL;
  uvk_message *msgs = NULL;
  size_t n = 0;
  uvk_topic_messages *tms = NULL;
  uint32_t nt = 0;
  if (!batch) {
    topic = nk_get_string(env, argv[1], "topic");
    if (!topic || marshal_flat(env, argv[2], a, keep, &n_keep, &msgs, &n) != 0) rc = -1;
  } else {
    bool is_array = false;
    if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array) {
      nk_throw(env, UVK_EINVAL, "topicMessages must be an array");
      rc = -1;
    } else {
      napi_get_array_length(env, argv[1], &nt);
      tms = nk_arena_alloc(a, (nt ? nt : 1) * sizeof *tms);
      for (uint32_t i = 0; rc == 0 && i < nt; i++) {
        napi_value tm, tv, mv;
        napi_get_element(env, argv[1], i, &tm);
        napi_valuetype t;
        if (napi_typeof(env, tm, &t) != napi_ok || t != napi_object) {
          nk_throw(env, UVK_EINVAL, "each topicMessages entry must be a [topic, messages] pair");
          rc = -1;
          break;
        }
        napi_get_element(env, tm, 0, &tv);
        napi_get_element(env, tm, 1, &mv);
        char *name = nk_get_string(env, tv, "topic");
        if (!name) {
          rc = -1;
          break;
        }
        size_t len = strlen(name);
        char *copy = nk_arena_alloc(a, len + 1);
        if (copy) memcpy(copy, name, len + 1);
        free(name);
        tms[i].topic = copy;
        uvk_message *m = NULL;
        size_t mn = 0;
        if (!copy || marshal_flat(env, mv, a, keep, &n_keep, &m, &mn) != 0) rc = -1;
        tms[i].messages = m;
        tms[i].n_messages = mn;
      }
    }
  }
  napi_value cb = argv[batch ? 5 : 6];
  if (rc == 0) {
    s->req = nk_req_new(env, np->nc, cb);
    if (!s->req) rc = -1;
  }
  if (rc == 0) {
    if (n_keep > 0) napi_create_reference(env, keep, 1, &s->keep);
    rc = batch ? uvk_producer_send_batch(np->p, tms, nt, &opts, on_sent, s)
               : uvk_producer_send(np->p, topic, msgs, n, &opts, on_sent, s);
    if (rc != 0) {
      nk_req *r = s->req;
      send_req_free(s);
      nk_req_free(r);
      free(topic);
      return nk_throw(env, rc, NULL);
    }
  } else {
    if (s->req) nk_req_free(s->req);
    nk_arena_free(a);
    free(s);
  }
  free(topic);
  return rc == 0 ? nk_undefined(env) : NULL;
}

static napi_value producer_send(napi_env env, napi_callback_info info) { return do_send(env, info, 0); }
static napi_value producer_send_batch(napi_env env, napi_callback_info info) { return do_send(env, info, 1); }

typedef int (*producer_op)(uvk_producer *, uvk_producer_cb, void *);

static napi_value with_cb(napi_env env, napi_callback_info info, producer_op op) {
  napi_value cb;
  nk_producer *np = nk_handle_and_cb(env, info, tag_producer, &cb);
  nk_req *r = np ? nk_req_new(env, np->nc, cb) : NULL;
  return nk_req_started(env, r, r ? op(np->p, on_done, r) : 0);
}

static napi_value producer_connect(napi_env env, napi_callback_info info) { return with_cb(env, info, uvk_producer_connect); }
static napi_value producer_flush(napi_env env, napi_callback_info info) { return with_cb(env, info, uvk_producer_flush); }
static napi_value producer_disconnect(napi_env env, napi_callback_info info) { return with_cb(env, info, uvk_producer_disconnect); }
static napi_value producer_commit(napi_env env, napi_callback_info info) { return with_cb(env, info, uvk_producer_commit_transaction); }
static napi_value producer_abort(napi_env env, napi_callback_info info) { return with_cb(env, info, uvk_producer_abort_transaction); }

static napi_value producer_begin(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_producer *np = producer_arg(env, argv[0]);
  if (!np) return NULL;
  int rc = uvk_producer_begin_transaction(np->p);
  if (rc != 0) return nk_throw(env, rc, NULL);
  return nk_undefined(env);
}

/* producerSendOffsets(p, groupId, [{topic, partition, offset}], cb) */
static napi_value producer_send_offsets(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_producer *np = producer_arg(env, argv[0]);
  if (!np) return NULL;
  bool is_array = false;
  if (napi_is_array(env, argv[2], &is_array) != napi_ok || !is_array)
    return nk_throw(env, UVK_EINVAL, "offsets must be an array");
  char *group = nk_get_string(env, argv[1], "consumerGroupId");
  if (!group) return NULL;
  uint32_t n = 0;
  napi_get_array_length(env, argv[2], &n);
  nk_arena *a = nk_arena_new();
  uvk_topic_partition_offset *o = a ? nk_arena_alloc(a, (n ? n : 1) * sizeof *o) : NULL;
  int ok = o != NULL;
  if (!ok) nk_throw(env, UVK_ENOMEM, NULL);
  for (uint32_t i = 0; ok && i < n; i++) {
    napi_value e, v;
    napi_get_element(env, argv[2], i, &e);
    ok = napi_get_named_property(env, e, "topic", &v) == napi_ok;
    char *t = ok ? nk_get_string(env, v, "topic") : NULL;
    ok = t != NULL;
    if (ok) {
      size_t len = strlen(t);
      char *c = nk_arena_alloc(a, len + 1);
      if (c) memcpy(c, t, len + 1);
      o[i].topic = c;
      free(t);
      ok = c != NULL;
    }
    ok = ok && napi_get_named_property(env, e, "partition", &v) == napi_ok &&
         nk_get_int32(env, v, "partition", &o[i].partition) == 0;
    ok = ok && napi_get_named_property(env, e, "offset", &v) == napi_ok &&
         nk_get_int64(env, v, "offset", &o[i].offset) == 0;
  }
  nk_req *r = ok ? nk_req_new(env, np->nc, argv[3]) : NULL;
  int rc = r ? uvk_producer_send_offsets(np->p, group, o, n, on_done, r) : 0;
  nk_arena_free(a);
  free(group);
  return nk_req_started(env, r, rc);
}

/* producerFree(p): after disconnect; pending sends (if any) complete with UVK_ECLOSED. */
static napi_value producer_free(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_producer *np = producer_arg(env, argv[0]);
  if (!np) return NULL;
  nk_handle_clear(env, argv[0]);
  producer_destroy(env, np);
  return nk_undefined(env);
}

static napi_value producer_buffered(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nk_producer *np = producer_arg(env, argv[0]);
  if (!np) return NULL;
  return nk_int(env, (int64_t)uvk_producer_buffered_bytes(np->p));
}

napi_value nk_producer_init(napi_env env, napi_value exports) {
  nk_export(env, exports, "producerNew", producer_new);
  nk_export(env, exports, "producerConnect", producer_connect);
  nk_export(env, exports, "producerSend", producer_send);
  nk_export(env, exports, "producerSendBatch", producer_send_batch);
  nk_export(env, exports, "producerFlush", producer_flush);
  nk_export(env, exports, "producerDisconnect", producer_disconnect);
  nk_export(env, exports, "producerBegin", producer_begin);
  nk_export(env, exports, "producerCommit", producer_commit);
  nk_export(env, exports, "producerAbort", producer_abort);
  nk_export(env, exports, "producerSendOffsets", producer_send_offsets);
  nk_export(env, exports, "producerFree", producer_free);
  nk_export(env, exports, "producerBufferedBytes", producer_buffered);
  return exports;
}
