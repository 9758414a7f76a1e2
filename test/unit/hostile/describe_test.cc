// describeGroup against fake brokers (test/lib/fake_rig.h): a coordinator that answers
// NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE is forgotten, so the next describe looks the
// group's coordinator up again instead of asking the same broker forever.
#include <catch2/catch.hpp>

#include <string>

#include <uv.h>

#include "fake_broker.h"
#include "fake_rig.h"
#include "proto/gen/api_table.h"
#include "uvkafka/uvkafka.h"

using namespace uvk_test;

namespace {

struct DescribeRig : TwoBrokerRig {
  uvk_consumer *consumer = nullptr;
  int calls = 0, code = 1, kafka = 0;
  std::string state;

  DescribeRig() {
    cluster.describe_groups = true;
    uvk_config *cfg = uvk_config_new();
    char err[256];
    std::string seed = addr(b1);
    REQUIRE(uvk_config_set(cfg, "brokers", seed.c_str(), err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "groupId", "describe-group", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    REQUIRE(uvk_consumer_new(client, cfg, &consumer) == 0);
    uvk_config_free(cfg);
  }
  ~DescribeRig() {
    uvk_consumer_free(consumer);
    close_client();
  }

  // One describeGroup, run until its callback.
  void describe() {
    int before = calls;
    REQUIRE(uvk_consumer_describe_group(consumer,
                                        [](uvk_consumer *, const uvk_error *e, const uvk_group_description *d, void *ud) {
                                          DescribeRig *r = static_cast<DescribeRig *>(ud);
                                          r->calls++;
                                          r->code = e ? uvk_error_code(e) : 0;
                                          r->kafka = e ? uvk_error_kafka_code(e) : 0;
                                          r->state = d && d->state ? d->state : "";
                                        },
                                        this) == 0);
    REQUIRE(run_until([&] { return calls > before; }));
  }
  // FindCoordinator requests, whichever broker got them.
  int find_coordinators() const {
    int n = 0;
    for (const FakeBroker *b : {&b1, &b2})
      if (b->requests.count(uvk::proto::kFindCoordinator)) n += b->requests.at(uvk::proto::kFindCoordinator);
    return n;
  }
};

}  // namespace

TEST_CASE("describeGroup: a coordinator that says it is not one is looked up again", "[describe]") {
  int16_t code = GENERATE(int16_t(16), int16_t(15));  // NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE
  DescribeRig r;
  r.cluster.inject_errors[uvk::proto::kDescribeGroups] = {code};
  r.describe();
  CHECK(r.code == UVK_EKAFKA);
  CHECK(r.kafka == code);
  CHECK(r.find_coordinators() == 1);
  r.describe();
  CHECK(r.code == 0);
  CHECK(r.state == "Empty");
  CHECK(r.find_coordinators() == 2);  // the coordinator was looked up again, not asked from cache
  CHECK(r.b2.requests.at(uvk::proto::kDescribeGroups) == 2);
}

TEST_CASE("describeGroup: a coordinator that answers is asked again from the cache", "[describe]") {
  DescribeRig r;
  r.describe();
  r.describe();
  CHECK(r.code == 0);
  CHECK(r.find_coordinators() == 1);
  CHECK(r.b2.requests.at(uvk::proto::kDescribeGroups) == 2);
}
