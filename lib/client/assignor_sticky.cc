// The cooperative-sticky assignor (KIP-429), the protocol name Java's CooperativeStickyAssignor
// and librdkafka's "cooperative-sticky" use, so they can share a group with us:
//   1. every partition a member owns (its subscription's owned partitions) stays with it,
//      the claim of the highest generation winning when two members claim one partition;
//   2. partitions nobody keeps go, one by one, to the least loaded member subscribed to them;
//   3. while a member holds two more than another member that could take one of its
//      partitions, the most loaded such member gives one (the balance: counts differ by at
//      most one when every member subscribes to the same topics);
//   4. a partition that moves away from a member that still owns it is left out of this
//      round: its owner revokes it, rejoins, and the next round hands it over. So a partition
//      is never owned by two members at once.
#include <string.h>

#include "client/assignor.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

bool subscribes(const AssignMember &m, const char *topic) {
  for (int32_t i = 0; i < m.n_topics; i++)
    if (strcmp(m.topics[i], topic) == 0) return true;
  return false;
}

int32_t topic_index(const AssignTopic *topics, int32_t n_topics, const char *name) {
  for (int32_t t = 0; t < n_topics; t++)
    if (strcmp(topics[t].name, name) == 0) return t;
  return -1;
}

// The least loaded member (ties: the smallest member id) subscribed to topic t, other than
// `not_member`; -1 when none.
int32_t least_loaded(const AssignMember *members, const int32_t *order, int32_t n_members, const int32_t *count,
                     const char *topic, int32_t not_member) {
  int32_t best = -1;
  for (int32_t k = 0; k < n_members; k++) {
    int32_t m = order[k];
    if (m == not_member || !subscribes(members[m], topic)) continue;
    if (best < 0 || count[m] < count[best]) best = m;
  }
  return best;
}

}  // namespace

int assign_cooperative_sticky(const AssignMember *members, int32_t n_members, const AssignTopic *topics,
                              int32_t n_topics, Arena *arena, MemberPlan *plans) {
  if (n_members <= 0) return 0;
  // Partitions are numbered globally: first[t] + p.
  int32_t *first = arena_new_array<int32_t>(arena, size_t(n_topics) + 1);
  if (!first) return UVK_ENOMEM;
  int32_t total = 0;
  for (int32_t t = 0; t < n_topics; t++) {
    first[t] = total;
    total += topics[t].n_partitions > 0 ? topics[t].n_partitions : 0;
  }
  int32_t *topic_of = arena_new_array<int32_t>(arena, size_t(total) + 1);
  int32_t *owner = arena_new_array<int32_t>(arena, size_t(total) + 1);     // the valid previous owner
  int32_t *owner_gen = arena_new_array<int32_t>(arena, size_t(total) + 1);
  int32_t *holder = arena_new_array<int32_t>(arena, size_t(total) + 1);    // who gets it this round
  int32_t *count = arena_new_array<int32_t>(arena, size_t(n_members) + 1);
  int32_t *order = arena_new_array<int32_t>(arena, size_t(n_members) + 1);
  if (!topic_of || !owner || !owner_gen || !holder || !count || !order) return UVK_ENOMEM;
  for (int32_t t = 0; t < n_topics; t++)
    for (int32_t p = 0; p < topics[t].n_partitions; p++) topic_of[first[t] + p] = t;
  for (int32_t g = 0; g < total; g++) owner[g] = holder[g] = -1;
  for (int32_t i = 0; i < n_members; i++) count[i] = 0;
  // Members sorted by id: every tie is broken the same way on every run.
  for (int32_t i = 0; i < n_members; i++) {
    int32_t j = i;
    while (j > 0 && strcmp(members[order[j - 1]].member_id, members[i].member_id) > 0) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  // 1. Ownership: only existing partitions of topics the member still subscribes to.
  for (int32_t k = 0; k < n_members; k++) {
    int32_t m = order[k];
    for (int32_t i = 0; i < members[m].n_owned; i++) {
      const TopicPartitions &tp = members[m].owned[i];
      int32_t t = tp.topic ? topic_index(topics, n_topics, tp.topic) : -1;
      if (t < 0 || !subscribes(members[m], tp.topic)) continue;
      for (int32_t j = 0; j < tp.n; j++) {
        int32_t p = tp.partitions[j];
        if (p < 0 || p >= topics[t].n_partitions) continue;
        int32_t g = first[t] + p;
        if (owner[g] < 0 || members[m].generation > owner_gen[g]) {
          owner[g] = m;
          owner_gen[g] = members[m].generation;
        }
      }
    }
  }
  for (int32_t g = 0; g < total; g++)
    if (owner[g] >= 0) {
      holder[g] = owner[g];
      count[owner[g]]++;
    }
  // 2. The rest to the least loaded subscriber.
  for (int32_t g = 0; g < total; g++) {
    if (holder[g] >= 0) continue;
    int32_t m = least_loaded(members, order, n_members, count, topics[topic_of[g]].name, -1);
    if (m < 0) continue;  // nobody subscribes to it
    holder[g] = m;
    count[m]++;
  }
  // 3. Balance: the most loaded member that can give one partition to a member holding two
  // fewer does (its highest-numbered one), until none can. Each move lowers the sum of squared
  // counts, so this ends; the guard only bounds a bug.
  int64_t guard = int64_t(total) * int64_t(n_members) + 1;
  int32_t *by_load = arena_new_array<int32_t>(arena, size_t(n_members) + 1);
  if (!by_load) return UVK_ENOMEM;
  for (bool moved = true; moved && guard-- > 0;) {
    moved = false;
    // Members by count, most first (ties: member id order).
    for (int32_t k = 0; k < n_members; k++) {
      int32_t m = order[k], j = k;
      while (j > 0 && count[by_load[j - 1]] < count[m]) {
        by_load[j] = by_load[j - 1];
        j--;
      }
      by_load[j] = m;
    }
    for (int32_t k = 0; k < n_members && !moved; k++) {
      int32_t from = by_load[k];
      for (int32_t g = total - 1; g >= 0 && !moved; g--) {
        if (holder[g] != from) continue;
        int32_t to = least_loaded(members, order, n_members, count, topics[topic_of[g]].name, from);
        if (to < 0 || count[from] < count[to] + 2) continue;
        holder[g] = to;
        count[from]--;
        count[to]++;
        moved = true;
      }
    }
  }
  // 4. The plans, without partitions still owned by another member.
  for (int32_t i = 0; i < n_members; i++) {
    plans[i].parts = arena_new_array<AssignedPartition>(arena, size_t(count[i]) + 1);
    plans[i].n = 0;
    if (!plans[i].parts) return UVK_ENOMEM;
  }
  for (int32_t g = 0; g < total; g++) {
    int32_t m = holder[g];
    if (m < 0 || (owner[g] >= 0 && owner[g] != m)) continue;
    plans[m].parts[plans[m].n++] = AssignedPartition{topic_of[g], g - first[topic_of[g]]};
  }
  return 0;
}

}  // namespace uvk
