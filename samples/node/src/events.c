/* uvkafka's instrumentation events as the payload objects KafkaJS emits. */
#include <string.h>

#include "addon.h"

napi_value nk_topic_partitions(napi_env env, const uvk_topic_partition *tp, size_t n) {
  napi_value arr;
  napi_create_array_with_length(env, n, &arr);
  for (size_t i = 0; i < n; i++) {
    napi_value o;
    napi_create_object(env, &o);
    nk_set(env, o, "topic", nk_str(env, tp[i].topic));
    nk_set(env, o, "partition", nk_int(env, tp[i].partition));
    napi_set_element(env, arr, (uint32_t)i, o);
  }
  return arr;
}

static napi_value strings(napi_env env, const char *const *s, size_t n) {
  napi_value arr;
  napi_create_array_with_length(env, n, &arr);
  for (size_t i = 0; i < n; i++) napi_set_element(env, arr, (uint32_t)i, nk_str(env, s[i]));
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
  napi_value o;
  napi_create_object(env, &o);
  nk_set(env, o, "apiKey", nk_int(env, r->api_key));
  nk_set(env, o, "apiName", nk_str(env, r->api_name));
  nk_set(env, o, "apiVersion", nk_int(env, r->api_version));
  nk_set(env, o, "broker", nk_str(env, r->broker));
  nk_set(env, o, "clientId", nk_str(env, r->client_id));
  nk_set(env, o, "correlationId", nk_int(env, r->correlation_id));
  nk_set(env, o, "createdAt", nk_int(env, r->created_at));
  nk_set(env, o, "sentAt", nk_int(env, r->sent_at));
  nk_set(env, o, "pendingDuration", nk_int(env, r->pending_duration));
  if (!timeout) {
    nk_set(env, o, "duration", nk_int(env, r->duration));
    nk_set(env, o, "size", nk_int(env, r->size));
  }
  return o;
}

static napi_value group_payload(napi_env env, const uvk_event_group *g) {
  napi_value o;
  napi_create_object(env, &o);
  nk_set(env, o, "groupId", nk_str(env, g->group_id));
  nk_set(env, o, "memberId", nk_str(env, g->member_id));
  nk_set(env, o, "groupGenerationId", nk_int(env, g->generation_id));
  return o;
}

static napi_value commit_payload(napi_env env, const uvk_event_commit_offsets *c) {
  napi_value o, topics;
  napi_create_object(env, &o);
  nk_set(env, o, "groupId", nk_str(env, c->group_id));
  nk_set(env, o, "memberId", nk_str(env, c->member_id));
  nk_set(env, o, "groupGenerationId", nk_int(env, c->generation_id));
  napi_create_array(env, &topics);
  uint32_t nt = 0;
  napi_value cur = NULL, parts = NULL;
  const char *cur_name = NULL;
  uint32_t np = 0;
  for (size_t i = 0; i < c->n_offsets; i++) {
    const uvk_topic_partition_offset *x = &c->offsets[i];
    if (!cur_name || strcmp(cur_name, x->topic) != 0) {
      napi_create_object(env, &cur);
      napi_create_array(env, &parts);
      nk_set(env, cur, "topic", nk_str(env, x->topic));
      nk_set(env, cur, "partitions", parts);
      napi_set_element(env, topics, nt++, cur);
      cur_name = x->topic;
      np = 0;
    }
    napi_value p;
    napi_create_object(env, &p);
    nk_set(env, p, "partition", nk_int(env, x->partition));
    nk_set(env, p, "offset", nk_i64_str(env, x->offset));
    napi_set_element(env, parts, np++, p);
  }
  nk_set(env, o, "topics", topics);
  return o;
}

static napi_value batch_payload(napi_env env, const uvk_event_batch_process *b, int end) {
  napi_value o;
  napi_create_object(env, &o);
  nk_set(env, o, "topic", nk_str(env, b->topic));
  nk_set(env, o, "partition", nk_int(env, b->partition));
  nk_set(env, o, "highWatermark", nk_i64_str(env, b->high_watermark));
  nk_set(env, o, "offsetLag", nk_i64_str(env, b->offset_lag));
  nk_set(env, o, "offsetLagLow", nk_i64_str(env, b->offset_lag_low));
  nk_set(env, o, "batchSize", nk_int(env, (int64_t)b->batch_size));
  nk_set(env, o, "firstOffset", nk_i64_str(env, b->first_offset));
  nk_set(env, o, "lastOffset", nk_i64_str(env, b->last_offset));
  if (end) nk_set(env, o, "duration", nk_int(env, b->duration));
  return o;
}

napi_value nk_event_payload(napi_env env, const uvk_event *ev) {
  napi_value o;
  const void *p = ev->payload;
  switch (ev->type) {
    case UVK_EVENT_CONNECT:
    case UVK_EVENT_DISCONNECT: {
      const uvk_event_connection *c = p;
      napi_create_object(env, &o);
      if (c) {
        nk_set(env, o, "broker", nk_str(env, c->broker));
        nk_set(env, o, "nodeId", nk_int(env, c->node_id));
      }
      return o;
    }
    case UVK_EVENT_REQUEST:
      return p ? request_payload(env, p, 0) : nk_null(env);
    case UVK_EVENT_REQUEST_TIMEOUT:
      return p ? request_payload(env, p, 1) : nk_null(env);
    case UVK_EVENT_REQUEST_QUEUE_SIZE: {
      const uvk_event_request_queue_size *q = p;
      napi_create_object(env, &o);
      if (q) {
        nk_set(env, o, "broker", nk_str(env, q->broker));
        nk_set(env, o, "clientId", nk_str(env, q->client_id));
        nk_set(env, o, "queueSize", nk_int(env, q->queue_size));
      }
      return o;
    }
    case UVK_EVENT_GROUP_JOIN: {
      const uvk_event_group_join *j = p;
      napi_create_object(env, &o);
      if (j) {
        nk_set(env, o, "duration", nk_int(env, j->duration));
        nk_set(env, o, "groupId", nk_str(env, j->group_id));
        nk_set(env, o, "isLeader", nk_bool(env, j->is_leader));
        nk_set(env, o, "leaderId", nk_str(env, j->leader_id));
        nk_set(env, o, "groupProtocol", nk_str(env, j->group_protocol));
        nk_set(env, o, "memberId", nk_str(env, j->member_id));
        nk_set(env, o, "memberAssignment", assignment_map(env, j->assignment, j->n_assignment));
      }
      return o;
    }
    case UVK_EVENT_HEARTBEAT:
    case UVK_EVENT_REBALANCING:
    case UVK_EVENT_STOP:
      return p ? group_payload(env, p) : nk_null(env);
    case UVK_EVENT_COMMIT_OFFSETS:
      return p ? commit_payload(env, p) : nk_null(env);
    case UVK_EVENT_CRASH: {
      const uvk_event_crash *c = p;
      napi_create_object(env, &o);
      if (c) {
        nk_set(env, o, "error", nk_error_object(env, c->error));
        nk_set(env, o, "groupId", nk_str(env, c->group_id));
        nk_set(env, o, "restart", nk_bool(env, c->restart));
      }
      return o;
    }
    case UVK_EVENT_FETCH:
    case UVK_EVENT_FETCH_START: {
      const uvk_event_fetch *f = p;
      napi_create_object(env, &o);
      if (f) {
        nk_set(env, o, "nodeId", nk_int(env, f->node_id));
        if (ev->type == UVK_EVENT_FETCH) {
          nk_set(env, o, "numberOfBatches", nk_int(env, f->number_of_batches));
          nk_set(env, o, "duration", nk_int(env, f->duration));
        }
      }
      return o;
    }
    case UVK_EVENT_START_BATCH_PROCESS:
    case UVK_EVENT_END_BATCH_PROCESS:
      return p ? batch_payload(env, p, ev->type == UVK_EVENT_END_BATCH_PROCESS) : nk_null(env);
    case UVK_EVENT_RECEIVED_UNSUBSCRIBED_TOPICS: {
      const uvk_event_unsubscribed_topics *u = p;
      napi_create_object(env, &o);
      if (u) {
        nk_set(env, o, "groupId", nk_str(env, u->group_id));
        nk_set(env, o, "generationId", nk_int(env, u->generation_id));
        nk_set(env, o, "memberId", nk_str(env, u->member_id));
        nk_set(env, o, "assignedTopics", strings(env, u->assigned_topics, u->n_assigned_topics));
        nk_set(env, o, "topicsSubscribed", strings(env, u->topics_subscribed, u->n_topics_subscribed));
        nk_set(env, o, "topicsNotSubscribed", strings(env, u->topics_not_subscribed, u->n_topics_not_subscribed));
      }
      return o;
    }
    default:
      return nk_null(env);
  }
}
