// protocolVersionCap lookups against the table generated from kafka-clients jars.
#include <catch2/catch.hpp>

#include <string>

#include "engine/version_table.h"

using namespace uvk;

TEST_CASE("version caps follow the Kafka release", "[version_cap]") {
  const KafkaRelease *r0102 = version_table_find(0, 10, 2);
  REQUIRE(r0102);
  CHECK(std::string(r0102->name) == "0.10.2.2");
  // 0.10.2: Produce v2, Fetch v3, Metadata v2, ApiVersions v0; no InitProducerId (key 22).
  CHECK(version_cap(r0102, 0) == 2);
  CHECK(version_cap(r0102, 1) == 3);
  CHECK(version_cap(r0102, 3) == 2);
  CHECK(version_cap(r0102, 18) == 0);
  CHECK(version_cap(r0102, 22) == -1);

  // A patch release maps to its minor release row; 0.10.1.x is not 0.10.2.
  const KafkaRelease *r24 = version_table_find(2, 4, 0);
  REQUIRE(r24);
  CHECK(std::string(r24->name) == "2.4.1");
  CHECK(version_table_find(2, 4, 7) == r24);
  CHECK(std::string(version_table_find(0, 10, 1)->name) == "0.10.1.1");
  // 2.4 knows Produce v8 and Fetch v11, and ApiVersions v3 (KIP-511).
  CHECK(version_cap(r24, 0) == 8);
  CHECK(version_cap(r24, 1) == 11);
  CHECK(version_cap(r24, 18) == 3);

  // Between table rows: the newest older row. Before the first: the first.
  CHECK(std::string(version_table_find(0, 9, 0)->name) == "0.10.0.1");
  // Newer than every row: no cap at all.
  CHECK(version_table_find(99, 0, 0) == nullptr);
  CHECK(version_cap(nullptr, 0) == INT16_MAX);
  CHECK(version_cap(r24, 500) == INT16_MAX);
  CHECK(version_cap(r24, -1) == INT16_MAX);
}

TEST_CASE("the table only ever grows from release to release", "[version_cap]") {
  // A release never drops below its predecessor except where Kafka 4.0 removed old
  // versions (KIP-896 raised minimums, not maxima) or removed APIs (ZooKeeper-only ones).
  for (int i = 1; i < kVersionTableReleases; i++) {
    const KafkaRelease &prev = kVersionTable[i - 1], &cur = kVersionTable[i];
    for (int k = 0; k < kVersionTableApis; k++) {
      if (cur.max_version[k] < 0) continue;  // an API removed (or never present)
      INFO(cur.name << " api " << k);
      CHECK(cur.max_version[k] >= prev.max_version[k]);
    }
  }
}
