/* uvkafka's instrumentation events as the payload objects KafkaJS emits. */
#include <string.h>

#include "addon.h"

napi_value nk_topic_partitions(napi_env env, const uvk_topic_partition *tp, size_t n) {
  napi_value arr;
  napi_create_array_with_length(env, n, &arr);
  for (size_t i = 0; i < n; i++)
    napi_set_element(env, arr, (uint32_t)i,
                     nk_obj(env, "topic", nk_str(env, tp[i].topic), "partition", nk_int(env, tp[i].partition), NULL));
  return arr;
}

/* {topic: [partitions]} as KafkaJS's memberAssignment. */
static napi_value assignment_map(napi_env env, const uvk_topic_partition *tp, size_t n) {
  napi_value o;
  napi_create_object(env, &o);
  for (size_t i = 0; i < n; i++) {
    napi_value list;
    bool has = false;
    napi_has_named_property(env, o, tp[i].topic, &has);
    if (has) {
      napi_get_named_property(env, o, tp[i].topic, &list);
    } else {
      napi_create_array(env, &list);
      napi_set_named_property(env, o, tp[i].topic, list);
    }
    uint32_t len = 0;
    napi_get_array_length(env, list, &len);
    napi_set_element(env, list, len, nk_int(env, tp[i].partition));
  }
  return o;
}

static napi_value request_payload(napi_env env, const uvk_event_request *r, int timeout) {
  napi_value o = nk_obj(env, "apiKey", nk_int(env, r->api_key), "apiName", nk_str(env, r->api_name),
                        "apiVersion", nk_int(env, r->api_version), "broker", nk_str(env, r->broker),
                        "clientId", nk_str(env, r->client_id), "correlationId", nk_int(env, r->correlation_id),
                        "createdAt", nk_int(env, r->created_at), "sentAt", nk_int(env, r->sent_at),
                        "pendingDuration", nk_int(env, r->pending_duration), NULL);
  if (!timeout) {
    nk_set(env, o, "duration", nk_int(env, r->duration));
    nk_set(env, o, "size", nk_int(env, r->size));
  }
  return o;
}

/* {groupId, memberId, groupGenerationId}: heartbeat, rebalancing, stop, and commitOffsets' head */
static napi_value group_payload(napi_env env, const char *group_id, const char *member_id, int32_t generation_id) {
  return nk_obj(env, "groupId", nk_str(env, group_id), "memberId", nk_str(env, member_id), "groupGenerationId",
                nk_int(env, generation_id), NULL);
}

static napi_value commit_payload(napi_env env, const uvk_event_commit_offsets *c) {
  napi_value o = group_payload(env, c->group_id, c->member_id, c->generation_id), topics;
  napi_create_array(env, &topics);
  uint32_t nt = 0;
  napi_value parts = NULL;
  const char *cur_name = NULL;
  uint32_t np = 0;
  for (size_t i = 0; i < c->n_offsets; i++) {
    const uvk_topic_partition_offset *x = &c->offsets[i];
    if (!cur_name || strcmp(cur_name, x->topic) != 0) {
      napi_create_array(env, &parts);
      napi_set_element(env, topics, nt++, nk_obj(env, "topic", nk_str(env, x->topic), "partitions", parts, NULL));
      cur_name = x->topic;
      np = 0;
    }
    napi_value part = nk_obj(env, "partition", nk_int(env, x->partition), "offset", nk_i64_str(env, x->offset), NULL);
    /* As KafkaJS: a commit's metadata is in its partitions (auto-commits carry none). */
    if (c->metadata && c->metadata[i]) nk_set(env, part, "metadata", nk_str(env, c->metadata[i]));
    napi_set_element(env, parts, np++, part);
  }
  nk_set(env, o, "topics", topics);
  return o;
}

static napi_value batch_payload(napi_env env, const uvk_event_batch_process *b, int end) {
  napi_value o = nk_obj(env, "topic", nk_str(env, b->topic), "partition", nk_int(env, b->partition), "highWatermark",
                        nk_i64_str(env, b->high_watermark), "offsetLag", nk_i64_str(env, b->offset_lag), "offsetLagLow",
                        nk_i64_str(env, b->offset_lag_low), "batchSize", nk_int(env, (int64_t)b->batch_size),
                        "firstOffset", nk_i64_str(env, b->first_offset), "lastOffset", nk_i64_str(env, b->last_offset),
                        NULL);
  if (end) nk_set(env, o, "duration", nk_int(env, b->duration));
  return o;
}

/* A payload the event lacks: an empty object (KafkaJS always passes one). */
static napi_value empty(napi_env env) {
  napi_value o;
  napi_create_object(env, &o);
  return o;
}

napi_value nk_event_payload(napi_env env, const uvk_event *ev) {
  const void *p = ev->payload;
  switch (ev->type) {
    case UVK_EVENT_CONNECT:
    case UVK_EVENT_DISCONNECT: {
      const uvk_event_connection *c = p;
      if (!c) return empty(env);
      return nk_obj(env, "broker", nk_str(env, c->broker), "nodeId", nk_int(env, c->node_id), NULL);
    }
    case UVK_EVENT_REQUEST:
      return p ? request_payload(env, p, 0) : nk_null(env);
    case UVK_EVENT_REQUEST_TIMEOUT:
      return p ? request_payload(env, p, 1) : nk_null(env);
    case UVK_EVENT_REQUEST_QUEUE_SIZE: {
      const uvk_event_request_queue_size *q = p;
      if (!q) return empty(env);
      return nk_obj(env, "broker", nk_str(env, q->broker), "clientId", nk_str(env, q->client_id),
                    "queueSize", nk_int(env, q->queue_size), NULL);
    }
    case UVK_EVENT_GROUP_JOIN: {
      const uvk_event_group_join *j = p;
      if (!j) return empty(env);
      return nk_obj(env, "duration", nk_int(env, j->duration), "groupId", nk_str(env, j->group_id),
                    "isLeader", nk_bool(env, j->is_leader), "leaderId", nk_str(env, j->leader_id),
                    "groupProtocol", nk_str(env, j->group_protocol), "memberId", nk_str(env, j->member_id),
                    "memberAssignment", assignment_map(env, j->assignment, j->n_assignment), NULL);
    }
    case UVK_EVENT_HEARTBEAT:
    case UVK_EVENT_REBALANCING:
    case UVK_EVENT_STOP: {
      const uvk_event_group *g = p;
      return g ? group_payload(env, g->group_id, g->member_id, g->generation_id) : nk_null(env);
    }
    case UVK_EVENT_COMMIT_OFFSETS:
      return p ? commit_payload(env, p) : nk_null(env);
    case UVK_EVENT_CRASH: {
      const uvk_event_crash *c = p;
      if (!c) return empty(env);
      return nk_obj(env, "error", nk_error_object(env, c->error), "groupId", nk_str(env, c->group_id),
                    "restart", nk_bool(env, c->restart), NULL);
    }
    case UVK_EVENT_FETCH:
    case UVK_EVENT_FETCH_START: {
      const uvk_event_fetch *f = p;
      if (!f) return empty(env);
      if (ev->type == UVK_EVENT_FETCH_START) return nk_obj(env, "nodeId", nk_int(env, f->node_id), NULL);
      return nk_obj(env, "nodeId", nk_int(env, f->node_id), "numberOfBatches", nk_int(env, f->number_of_batches),
                    "duration", nk_int(env, f->duration), NULL);
    }
    case UVK_EVENT_START_BATCH_PROCESS:
    case UVK_EVENT_END_BATCH_PROCESS:
      return p ? batch_payload(env, p, ev->type == UVK_EVENT_END_BATCH_PROCESS) : nk_null(env);
    case UVK_EVENT_RECEIVED_UNSUBSCRIBED_TOPICS: {
      const uvk_event_unsubscribed_topics *u = p;
      if (!u) return empty(env);
      return nk_obj(env, "groupId", nk_str(env, u->group_id), "generationId", nk_int(env, u->generation_id),
                    "memberId", nk_str(env, u->member_id), "assignedTopics",
                    nk_str_array(env, u->assigned_topics, u->n_assigned_topics), "topicsSubscribed",
                    nk_str_array(env, u->topics_subscribed, u->n_topics_subscribed), "topicsNotSubscribed",
                    nk_str_array(env, u->topics_not_subscribed, u->n_topics_not_subscribed), NULL);
    }
    default:
      return nk_null(env);
  }
}
