#include "client/assignor.h"

#include <string.h>

#include "common/reader.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

void put_str(Buf *out, const char *s) {
  size_t n = strlen(s);
  if (n > 32767) n = 32767;  // topic names are at most 249 bytes; member ids are ours
  put_i16(out, int16_t(n));
  put_raw(out, s, n);
}

void put_bytes(Buf *out, const uint8_t *p, int32_t n) {
  put_i32(out, n);  // KafkaJS and Java both write 0 for "no user data"
  if (n > 0) put_raw(out, p, size_t(n));
}

// A string copied NUL-terminated into the arena; null on malformed input or no memory.
const char *get_str(Reader *r, Arena *arena) {
  int16_t n = get_i16(r);
  if (!rd_ok(r) || n < 0) {
    rd_fail(r, UVK_EPROTO);
    return nullptr;
  }
  const uint8_t *p = rd_take(r, size_t(n));
  if (!p) return nullptr;
  char *s = static_cast<char *>(arena_alloc(arena, size_t(n) + 1, 1));
  if (!s) {
    rd_fail(r, UVK_ENOMEM);
    return nullptr;
  }
  memcpy(s, p, size_t(n));
  return s;
}

// An array count that the remaining bytes can hold (each element >= min_size bytes).
int32_t get_count(Reader *r, size_t min_size) {
  int32_t n = get_i32(r);
  if (!rd_ok(r)) return -1;
  if (n < 0) return 0;  // a null array reads as empty
  if (size_t(n) > rd_left(r) / min_size) {
    rd_fail(r, UVK_EPROTO);
    return -1;
  }
  return n;
}

void get_user_data(Reader *r, const uint8_t **p, int32_t *len) {
  *p = nullptr;
  *len = 0;
  if (rd_left(r) < 4) return;  // old encoders may leave it out
  int32_t n = get_i32(r);
  if (n <= 0) return;
  *p = rd_take(r, size_t(n));
  if (*p) *len = n;
}

// [topic [partition]]: an array of TopicPartitions (the owned partitions, sticky user data).
int get_topic_partitions(Reader *r, Arena *arena, TopicPartitions **out, int32_t *n_out) {
  *out = nullptr;
  *n_out = 0;
  int32_t n = get_count(r, 6);
  if (n < 0) return r->err ? r->err : UVK_EPROTO;
  TopicPartitions *tps = arena_new_array<TopicPartitions>(arena, size_t(n) + 1);
  if (!tps) return UVK_ENOMEM;
  for (int32_t i = 0; i < n; i++) {
    tps[i].topic = get_str(r, arena);
    if (!tps[i].topic) return r->err ? r->err : UVK_EPROTO;
    int32_t np = get_count(r, 4);
    if (np < 0) return r->err ? r->err : UVK_EPROTO;
    int32_t *parts = arena_new_array<int32_t>(arena, size_t(np) + 1);
    if (!parts) return UVK_ENOMEM;
    for (int32_t j = 0; j < np; j++) parts[j] = get_i32(r);
    tps[i].partitions = parts;
    tps[i].n = np;
  }
  *out = tps;
  *n_out = n;
  return r->err;
}

void put_topic_partitions(Buf *out, const TopicPartitions *tps, int32_t n) {
  put_i32(out, n);
  for (int32_t i = 0; i < n; i++) {
    put_str(out, tps[i].topic);
    put_i32(out, tps[i].n);
    for (int32_t j = 0; j < tps[i].n; j++) put_i32(out, tps[i].partitions[j]);
  }
}

// Subscriptions before v2 carry the generation in the user data: the sticky format
// ([topic [partition]] generation) or Java's cooperative one (the generation alone).
int32_t generation_from_user_data(const uint8_t *p, int32_t len, Arena *arena) {
  if (!p || len < 4) return -1;
  Reader r = reader_make(p, size_t(len));
  if (len == 4) return get_i32(&r);
  TopicPartitions *tps;
  int32_t n;
  if (get_topic_partitions(&r, arena, &tps, &n) != 0 || rd_left(&r) < 4) return -1;
  int32_t g = get_i32(&r);
  return rd_ok(&r) ? g : -1;
}

}  // namespace

void sticky_user_data_encode(Buf *out, const TopicPartitions *owned, int32_t n_owned, int32_t generation) {
  put_topic_partitions(out, owned, n_owned);
  put_i32(out, generation);
}

void member_metadata_encode_v3(Buf *out, const char *const *topics, int32_t n_topics, const uint8_t *user_data,
                               int32_t user_data_len, const TopicPartitions *owned, int32_t n_owned,
                               int32_t generation, const char *rack) {
  member_metadata_encode(out, 3, topics, n_topics, user_data, user_data_len);
  put_topic_partitions(out, owned, n_owned);
  put_i32(out, generation);
  if (rack && *rack) {
    put_str(out, rack);
  } else {
    put_i16(out, -1);  // null
  }
}

void member_metadata_encode(Buf *out, int16_t version, const char *const *topics, int32_t n_topics,
                            const uint8_t *user_data, int32_t user_data_len) {
  put_i16(out, version);
  put_i32(out, n_topics);
  for (int32_t i = 0; i < n_topics; i++) put_str(out, topics[i]);
  put_bytes(out, user_data, user_data_len);
}

int member_metadata_decode(const uint8_t *data, size_t len, Arena *arena, MemberMetadata *out) {
  memset(out, 0, sizeof *out);
  Reader r = reader_make(data, len);
  out->version = get_i16(&r);
  int32_t n = get_count(&r, 2);
  if (n < 0) return r.err ? r.err : UVK_EPROTO;
  out->topics = arena_new_array<const char *>(arena, size_t(n) + 1);
  if (!out->topics) return UVK_ENOMEM;
  for (int32_t i = 0; i < n; i++) {
    out->topics[i] = get_str(&r, arena);
    if (!out->topics[i]) return r.err ? r.err : UVK_EPROTO;
  }
  out->n_topics = n;
  out->generation = -1;
  get_user_data(&r, &out->user_data, &out->user_data_len);
  if (r.err) return r.err;
  // v1+ fields (KIP-429, KIP-792, KIP-881), each read when present (some encoders stop
  // early) and refused when cut; a version newer than 3 may add more after them.
  if (out->version >= 1 && rd_left(&r) > 0) {
    int rc = get_topic_partitions(&r, arena, &out->owned, &out->n_owned);
    if (rc != 0) return rc;
  }
  if (out->version >= 2 && rd_left(&r) > 0) {
    out->generation = get_i32(&r);
  } else {
    out->generation = generation_from_user_data(out->user_data, out->user_data_len, arena);
  }
  if (out->version >= 3 && rd_left(&r) > 0) {
    int16_t rl = get_i16(&r);
    if (rl >= 0) {
      const uint8_t *p = rd_take(&r, size_t(rl));
      char *rack = static_cast<char *>(arena_alloc(arena, size_t(rl) + 1, 1));
      if (!p || !rack) return r.err ? r.err : UVK_ENOMEM;
      memcpy(rack, p, size_t(rl));
      out->rack = rack;
    }
  }
  return r.err;
}

void member_assignment_encode(Buf *out, const MemberAssignment &a) {
  put_i16(out, a.version);
  put_i32(out, a.n_topics);
  for (int32_t i = 0; i < a.n_topics; i++) {
    put_str(out, a.topics[i].topic);
    put_i32(out, a.topics[i].n);
    for (int32_t j = 0; j < a.topics[i].n; j++) put_i32(out, a.topics[i].partitions[j]);
  }
  put_bytes(out, a.user_data, a.user_data_len);
}

int member_assignment_decode(const uint8_t *data, size_t len, Arena *arena, MemberAssignment *out) {
  memset(out, 0, sizeof *out);
  if (len == 0) return 0;
  Reader r = reader_make(data, len);
  out->version = get_i16(&r);
  int32_t n = get_count(&r, 6);
  if (n < 0) return r.err ? r.err : UVK_EPROTO;
  out->topics = arena_new_array<TopicPartitions>(arena, size_t(n) + 1);
  if (!out->topics) return UVK_ENOMEM;
  for (int32_t i = 0; i < n; i++) {
    TopicPartitions *t = &out->topics[i];
    t->topic = get_str(&r, arena);
    if (!t->topic) return r.err ? r.err : UVK_EPROTO;
    int32_t np = get_count(&r, 4);
    if (np < 0) return r.err ? r.err : UVK_EPROTO;
    int32_t *parts = arena_new_array<int32_t>(arena, size_t(np) + 1);
    if (!parts) return UVK_ENOMEM;
    for (int32_t j = 0; j < np; j++) parts[j] = get_i32(&r);
    t->partitions = parts;
    t->n = np;
  }
  out->n_topics = n;
  get_user_data(&r, &out->user_data, &out->user_data_len);
  return r.err;
}

namespace {

// Member indexes sorted by member id (insertion sort: groups are small).
int32_t *sorted_members(const AssignMember *m, int32_t n, Arena *arena) {
  int32_t *order = arena_new_array<int32_t>(arena, size_t(n) + 1);
  if (!order) return nullptr;
  for (int32_t i = 0; i < n; i++) {
    int32_t j = i;
    while (j > 0 && strcmp(m[order[j - 1]].member_id, m[i].member_id) > 0) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  return order;
}

bool subscribed(const AssignMember &m, const char *topic) {
  for (int32_t i = 0; i < m.n_topics; i++)
    if (strcmp(m.topics[i], topic) == 0) return true;
  return false;
}

int32_t total_partitions(const AssignTopic *topics, int32_t n) {
  int32_t total = 0;
  for (int32_t i = 0; i < n; i++) total += topics[i].n_partitions > 0 ? topics[i].n_partitions : 0;
  return total;
}

// Room for every partition in every plan (the simplest bound; groups are small).
int prepare_plans(int32_t n_members, int32_t total, Arena *arena, MemberPlan *plans) {
  for (int32_t i = 0; i < n_members; i++) {
    plans[i].parts = arena_new_array<AssignedPartition>(arena, size_t(total) + 1);
    plans[i].n = 0;
    if (!plans[i].parts) return UVK_ENOMEM;
  }
  return 0;
}

void give(MemberPlan *plan, int32_t topic, int32_t partition) {
  plan->parts[plan->n++] = AssignedPartition{topic, partition};
}

// KafkaJS: the topics in the order given, their partitions in order, dealt to the members
// sorted by id. (KafkaJS assigns the topics of the group's subscriptions to every member.)
int assign_kafkajs_round_robin(const AssignMember *members, int32_t n_members, const AssignTopic *topics,
                               int32_t n_topics, Arena *arena, MemberPlan *plans) {
  if (n_members <= 0) return 0;
  int32_t total = total_partitions(topics, n_topics);
  int32_t *order = sorted_members(members, n_members, arena);
  if (!order || prepare_plans(n_members, total, arena, plans) != 0) return UVK_ENOMEM;
  int32_t i = 0;
  for (int32_t t = 0; t < n_topics; t++)
    for (int32_t p = 0; p < topics[t].n_partitions; p++, i++) give(&plans[order[i % n_members]], t, p);
  return 0;
}

// Java's RangeAssignor: per topic, the subscribed members sorted by id each take a
// contiguous range; the first (partitions % members) take one more.
int assign_range(const AssignMember *members, int32_t n_members, const AssignTopic *topics, int32_t n_topics,
                 Arena *arena, MemberPlan *plans) {
  if (n_members <= 0) return 0;
  int32_t total = total_partitions(topics, n_topics);
  int32_t *order = sorted_members(members, n_members, arena);
  int32_t *subs = arena_new_array<int32_t>(arena, size_t(n_members) + 1);
  if (!order || !subs || prepare_plans(n_members, total, arena, plans) != 0) return UVK_ENOMEM;
  for (int32_t t = 0; t < n_topics; t++) {
    int32_t n_subs = 0;
    for (int32_t i = 0; i < n_members; i++)
      if (subscribed(members[order[i]], topics[t].name)) subs[n_subs++] = order[i];
    if (n_subs == 0) continue;
    int32_t per = topics[t].n_partitions / n_subs, extra = topics[t].n_partitions % n_subs;
    for (int32_t i = 0; i < n_subs; i++) {
      int32_t start = per * i + (i < extra ? i : extra);
      int32_t len = per + (i < extra ? 1 : 0);
      for (int32_t p = start; p < start + len; p++) give(&plans[subs[i]], t, p);
    }
  }
  return 0;
}

// Java's RoundRobinAssignor: every topic-partition, topics sorted by name, goes to the next
// member (sorted by id, circularly) subscribed to its topic.
int assign_java_round_robin(const AssignMember *members, int32_t n_members, const AssignTopic *topics,
                            int32_t n_topics, Arena *arena, MemberPlan *plans) {
  if (n_members <= 0) return 0;
  int32_t total = total_partitions(topics, n_topics);
  int32_t *order = sorted_members(members, n_members, arena);
  int32_t *by_name = arena_new_array<int32_t>(arena, size_t(n_topics) + 1);
  if (!order || !by_name || prepare_plans(n_members, total, arena, plans) != 0) return UVK_ENOMEM;
  for (int32_t i = 0; i < n_topics; i++) {
    int32_t j = i;
    while (j > 0 && strcmp(topics[by_name[j - 1]].name, topics[i].name) > 0) {
      by_name[j] = by_name[j - 1];
      j--;
    }
    by_name[j] = i;
  }
  int32_t next = 0;
  for (int32_t k = 0; k < n_topics; k++) {
    int32_t t = by_name[k];
    for (int32_t p = 0; p < topics[t].n_partitions; p++) {
      for (int32_t tries = 0; tries < n_members; tries++) {
        int32_t m = order[next];
        next = (next + 1) % n_members;
        if (subscribed(members[m], topics[t].name)) {
          give(&plans[m], t, p);
          break;
        }
      }
    }
  }
  return 0;
}

const BuiltinAssignor kBuiltins[] = {
    {"RoundRobinAssigner", assign_kafkajs_round_robin},
    {"range", assign_range},
    {"roundrobin", assign_java_round_robin},
    {"cooperative-sticky", assign_cooperative_sticky},
};

}  // namespace

const BuiltinAssignor *builtin_assignor(const char *name) {
  for (const BuiltinAssignor &b : kBuiltins)
    if (strcmp(b.name, name) == 0) return &b;
  return nullptr;
}

bool assignor_is_cooperative(const char *name) { return strcmp(name, "cooperative-sticky") == 0; }

int plan_encode(Buf *out, const MemberPlan &plan, const AssignTopic *topics) {
  // Group by topic in order of first appearance.
  put_i16(out, 0);
  size_t count_at = out->len;
  put_i32(out, 0);
  int32_t n_topics = 0;
  for (int32_t i = 0; i < plan.n; i++) {
    int32_t t = plan.parts[i].topic;
    bool seen = false;
    for (int32_t j = 0; j < i && !seen; j++) seen = plan.parts[j].topic == t;
    if (seen) continue;
    n_topics++;
    put_str(out, topics[t].name);
    int32_t n = 0;
    for (int32_t j = i; j < plan.n; j++) n += plan.parts[j].topic == t;
    put_i32(out, n);
    for (int32_t j = i; j < plan.n; j++)
      if (plan.parts[j].topic == t) put_i32(out, plan.parts[j].partition);
  }
  put_i32(out, 0);  // user data
  if (out->failed) return UVK_ENOMEM;
  patch_be32(out, count_at, uint32_t(n_topics));
  return 0;
}

}  // namespace uvk
