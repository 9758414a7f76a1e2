// Custom assigners through the C ABI, and KafkaJS's AssignerProtocol helpers
// (MemberMetadata / MemberAssignment encode and decode) over lib/client/assignor.
#include <string.h>

#include <new>

#include "capi/consumer_internal.h"
#include "client/assignor.h"
#include "client/consumer_internal.h"
#include "uvkafka/uvkafka.h"

using namespace uvk;

namespace {

// A decoded object and the arena that holds what it points to; the public struct comes
// first, so its address is the holder's.
struct MetadataHolder {
  uvk_member_metadata pub;
  Arena arena;
};
struct AssignmentHolder {
  uvk_member_assignment pub;
  Arena arena;
};

int member_index(const uvk_assignment_builder *b, const char *member_id) {
  for (int32_t i = 0; i < b->n; i++)
    if (strcmp(b->members[i].member_id, member_id) == 0) return i;
  return -1;
}

}  // namespace

extern "C" {

UVK_EXTERN int uvk_consumer_add_assigner(uvk_consumer *c, const char *name, int version, const void *user_data,
                                         size_t user_data_len, uvk_assign_fn assign, void *ud) {
  if (!c || version < 0 || version > 32767) return UVK_EINVAL;
  return consumer_add_assigner(consumer_of(c), name, int16_t(version), user_data, user_data_len, assign, ud);
}

UVK_EXTERN int uvk_assignment_set(uvk_assignment_builder *b, const char *member_id, const void *bytes, size_t len) {
  if (!b || !member_id || (len && !bytes) || len > (64u << 20)) return UVK_EINVAL;
  int i = member_index(b, member_id);
  if (i < 0) return UVK_ENOTFOUND;
  uint8_t *copy = static_cast<uint8_t *>(arena_alloc(b->arena, len + 1, 1));
  if (!copy) return UVK_ENOMEM;
  if (len) memcpy(copy, bytes, len);
  b->bytes[i] = copy;
  b->lens[i] = int32_t(len);
  return 0;
}

UVK_EXTERN int uvk_assignment_set_partitions(uvk_assignment_builder *b, const char *member_id, int version,
                                             const uvk_topic_partition *partitions, size_t n, const void *user_data,
                                             size_t user_data_len) {
  if (!b || !member_id || (n && !partitions) || n > 1000000 || version < 0 || version > 32767 ||
      (user_data_len && !user_data) || user_data_len > (1u << 30))
    return UVK_EINVAL;
  // Topics in order of first appearance, each with its partitions in the order given.
  TopicPartitions *tps = arena_new_array<TopicPartitions>(b->arena, n + 1);
  int32_t *ids = arena_new_array<int32_t>(b->arena, n + 1);
  if (!tps || !ids) return UVK_ENOMEM;
  int32_t nt = 0, ni = 0;
  for (size_t i = 0; i < n; i++) {
    if (!partitions[i].topic) return UVK_EINVAL;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++) seen = strcmp(partitions[j].topic, partitions[i].topic) == 0;
    if (seen) continue;
    tps[nt].topic = partitions[i].topic;
    tps[nt].partitions = &ids[ni];
    tps[nt].n = 0;
    for (size_t j = i; j < n; j++)
      if (strcmp(partitions[j].topic, partitions[i].topic) == 0) {
        ids[ni++] = partitions[j].partition;
        tps[nt].n++;
      }
    nt++;
  }
  MemberAssignment ma{int16_t(version), tps, nt, static_cast<const uint8_t *>(user_data), int32_t(user_data_len)};
  Buf out;
  member_assignment_encode(&out, ma);
  int rc = out.failed ? UVK_ENOMEM : uvk_assignment_set(b, member_id, out.data, out.len);
  buf_free(&out);
  return rc;
}

UVK_EXTERN uvk_member_metadata *uvk_member_metadata_decode(const void *data, size_t len, int *err) {
  const Allocator *a = default_allocator();
  MetadataHolder *h = static_cast<MetadataHolder *>(mem_alloc(a, sizeof(MetadataHolder)));
  if (!h) {
    if (err) *err = UVK_ENOMEM;
    return nullptr;
  }
  new (h) MetadataHolder();
  h->arena.alloc = a;
  MemberMetadata md;
  int rc = data || len == 0 ? member_metadata_decode(static_cast<const uint8_t *>(data), len, &h->arena, &md) : UVK_EINVAL;
  if (rc != 0) {
    arena_free(&h->arena);
    mem_free(a, h);
    if (err) *err = rc;
    return nullptr;
  }
  h->pub.version = md.version;
  h->pub.topics = md.topics;
  h->pub.n_topics = size_t(md.n_topics);
  h->pub.user_data = md.user_data;
  h->pub.user_data_len = size_t(md.user_data_len);
  if (err) *err = 0;
  return &h->pub;
}

UVK_EXTERN void uvk_member_metadata_free(uvk_member_metadata *m) {
  if (!m) return;
  MetadataHolder *h = reinterpret_cast<MetadataHolder *>(m);
  arena_free(&h->arena);
  mem_free(default_allocator(), h);
}

UVK_EXTERN uvk_member_assignment *uvk_member_assignment_decode(const void *data, size_t len, int *err) {
  const Allocator *a = default_allocator();
  AssignmentHolder *h = static_cast<AssignmentHolder *>(mem_alloc(a, sizeof(AssignmentHolder)));
  if (!h) {
    if (err) *err = UVK_ENOMEM;
    return nullptr;
  }
  new (h) AssignmentHolder();
  h->arena.alloc = a;
  MemberAssignment ma;
  int rc = data || len == 0 ? member_assignment_decode(static_cast<const uint8_t *>(data), len, &h->arena, &ma)
                            : UVK_EINVAL;
  size_t total = 0;
  for (int32_t i = 0; rc == 0 && i < ma.n_topics; i++) total += size_t(ma.topics[i].n);
  uvk_topic_partition *tps = rc == 0 ? arena_new_array<uvk_topic_partition>(&h->arena, total + 1) : nullptr;
  if (rc == 0 && !tps) rc = UVK_ENOMEM;
  if (rc != 0) {
    arena_free(&h->arena);
    mem_free(a, h);
    if (err) *err = rc;
    return nullptr;
  }
  size_t k = 0;
  for (int32_t i = 0; i < ma.n_topics; i++)
    for (int32_t j = 0; j < ma.topics[i].n; j++) tps[k++] = uvk_topic_partition{ma.topics[i].topic, ma.topics[i].partitions[j]};
  h->pub.version = ma.version;
  h->pub.partitions = tps;
  h->pub.n_partitions = total;
  h->pub.user_data = ma.user_data;
  h->pub.user_data_len = size_t(ma.user_data_len);
  if (err) *err = 0;
  return &h->pub;
}

UVK_EXTERN void uvk_member_assignment_free(uvk_member_assignment *m) {
  if (!m) return;
  AssignmentHolder *h = reinterpret_cast<AssignmentHolder *>(m);
  arena_free(&h->arena);
  mem_free(default_allocator(), h);
}

}  // extern "C"
