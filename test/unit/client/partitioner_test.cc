// The default partitioner: KafkaJS's rules, Java-compatible key placement, sticky mode.
#include <catch2/catch.hpp>

#include <string.h>

#include <set>
#include <vector>

#include "client/partitioner.h"

using namespace uvk;

static int32_t keyed(const char *key, int32_t count) {
  return partition_for_key(reinterpret_cast<const uint8_t *>(key), strlen(key), count);
}

static uint32_t seq_rand(void *ud) { return (*static_cast<uint32_t *>(ud))++; }

TEST_CASE("keys land where the Java client puts them", "[partitioner]") {
  // Expected values: toPositive(murmur2) % n, with murmur2 from Kafka's UtilsTest ("21" is
  // -973932308, "foobar" is -790332482, "abc" is 479470107) reduced by hand.
  CHECK(keyed("21", 1000) == (-973932308 & 0x7fffffff) % 1000);
  CHECK(keyed("foobar", 1000) == (-790332482 & 0x7fffffff) % 1000);
  CHECK(keyed("abc", 1000) == 479470107 % 1000);
  CHECK(keyed("foobar", 6) == 0);
  CHECK(keyed("21", 6) == 0);
  CHECK(keyed("abc", 6) == 3);
}

TEST_CASE("explicit partition wins, keys ignore leaders", "[partitioner]") {
  PartitionInfo parts[] = {{0, 1}, {1, -1}, {2, 3}, {3, -1}, {4, 1}, {5, 2}};
  PartitionerState st;
  uint32_t r = 0;
  const uint8_t *abc = reinterpret_cast<const uint8_t *>("abc");
  CHECK(partitioner_choose(&st, kPartitionerDefault, parts, 6, 4, abc, 3, seq_rand, &r) == 4);
  // An explicit partition the metadata does not know is passed through (the broker decides).
  CHECK(partitioner_choose(&st, kPartitionerDefault, parts, 6, 9, nullptr, 0, seq_rand, &r) == 9);
  // "abc" hashes to partition 3, which has no leader: keyed placement never moves.
  CHECK(partitioner_choose(&st, kPartitionerDefault, parts, 6, -1, abc, 3, seq_rand, &r) == 3);
  CHECK(partitioner_choose(&st, kPartitionerSticky, parts, 6, -1, abc, 3, seq_rand, &r) == 3);
  // An empty key is a key (hashes like Java's empty byte array), not a null key.
  const uint8_t empty[1] = {0};
  CHECK(partitioner_choose(&st, kPartitionerDefault, parts, 6, -1, empty, 0, seq_rand, &r) ==
        275646681 % 6);
  CHECK(partitioner_choose(&st, kPartitionerDefault, parts, 0, -1, abc, 3, seq_rand, &r) == -1);
}

TEST_CASE("keyless messages go round-robin over partitions with a leader", "[partitioner]") {
  PartitionInfo parts[] = {{0, 1}, {1, -1}, {2, 3}, {3, -1}, {4, 1}};
  PartitionerState st;
  st.counter = 7;  // the producer seeds it randomly
  uint32_t r = 0;
  std::vector<int32_t> got;
  for (int i = 0; i < 6; i++)
    got.push_back(partitioner_choose(&st, kPartitionerDefault, parts, 5, -1, nullptr, 0, seq_rand, &r));
  // Available: 0, 2, 4. Counter 7 -> 7 % 3 = 1 -> partition 2, then 4, 0, 2, 4, 0.
  CHECK(got == std::vector<int32_t>{2, 4, 0, 2, 4, 0});
  // The counter wraps through toPositive like KafkaJS's.
  st.counter = 0xffffffffu;
  // toPositive(0xffffffff) = 0x7fffffff; 2147483647 % 3 = 1 -> the second available, partition 2.
  CHECK(partitioner_choose(&st, kPartitionerDefault, parts, 5, -1, nullptr, 0, seq_rand, &r) == 2);
  CHECK(partitioner_choose(&st, kPartitionerDefault, parts, 5, -1, nullptr, 0, seq_rand, &r) == 0);
}

TEST_CASE("with no leader anywhere, keyless messages still get a partition", "[partitioner]") {
  PartitionInfo parts[] = {{0, -1}, {1, -1}, {2, -1}};
  PartitionerState st;
  uint32_t r = 0;
  std::set<int32_t> seen;
  for (int i = 0; i < 3; i++)
    seen.insert(partitioner_choose(&st, kPartitionerDefault, parts, 3, -1, nullptr, 0, seq_rand, &r));
  CHECK(seen == std::set<int32_t>{0, 1, 2});
  CHECK(partitioner_choose(&st, kPartitionerSticky, parts, 3, -1, nullptr, 0, seq_rand, &r) >= 0);
}

TEST_CASE("sticky mode stays on one partition until its batch closes", "[partitioner]") {
  PartitionInfo parts[] = {{0, 1}, {1, 2}, {2, -1}, {3, 1}};
  PartitionerState st;
  uint32_t r = 1;
  int32_t first = partitioner_choose(&st, kPartitionerSticky, parts, 4, -1, nullptr, 0, seq_rand, &r);
  REQUIRE(first >= 0);
  CHECK(first != 2);  // never a partition without a leader while others have one
  for (int i = 0; i < 10; i++)
    CHECK(partitioner_choose(&st, kPartitionerSticky, parts, 4, -1, nullptr, 0, seq_rand, &r) == first);
  partitioner_batch_closed(&st, first);
  r = 1;  // the same random draw again: the partitioner must still move on
  int32_t second = partitioner_choose(&st, kPartitionerSticky, parts, 4, -1, nullptr, 0, seq_rand, &r);
  CHECK(second != first);
  CHECK(second != 2);
  // Closing another partition's batch does not move the sticky choice.
  partitioner_batch_closed(&st, first);
  CHECK(partitioner_choose(&st, kPartitionerSticky, parts, 4, -1, nullptr, 0, seq_rand, &r) == second);
  // The sticky partition loses its leader: pick again.
  for (auto &p : parts)
    if (p.partition_id == second) p.leader = -1;
  int32_t third = partitioner_choose(&st, kPartitionerSticky, parts, 4, -1, nullptr, 0, seq_rand, &r);
  CHECK(third != second);
  CHECK(third != 2);
}
