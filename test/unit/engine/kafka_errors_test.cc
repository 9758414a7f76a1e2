#include <catch2/catch.hpp>

#include <string.h>

#include "engine/kafka_errors.h"

using namespace uvk;

// The codes, names and retriability are checked against the Java client's Errors enum in
// test/unit/proto_oracle/oracle_errors_test.cc; here: every code of the range is described
// and found again by its name.
TEST_CASE("kafka errors: every code from -1 to the newest is described and named", "[errors]") {
  int retriable = 0;
  for (int c = kKafkaErrorMin; c <= kKafkaErrorMax; c++) {
    INFO("code " << c);
    const KafkaErrorInfo *i = kafka_error_info(c);
    REQUIRE(i != nullptr);
    CHECK(i->code == c);
    CHECK(strlen(i->description) > 5);
    CHECK(kafka_error_by_name(i->name) == c);
    retriable += i->retriable ? 1 : 0;
  }
  CHECK(retriable == 32);
}

TEST_CASE("kafka errors: well-known codes and their retriability", "[errors]") {
  CHECK(kafka_error_retriable(UVK_KAFKA_NOT_LEADER_OR_FOLLOWER));
  CHECK(kafka_error_retriable(UVK_KAFKA_LEADER_NOT_AVAILABLE));
  CHECK(kafka_error_retriable(UVK_KAFKA_UNKNOWN_TOPIC_OR_PARTITION));
  CHECK(kafka_error_retriable(UVK_KAFKA_REQUEST_TIMED_OUT));
  CHECK(kafka_error_retriable(UVK_KAFKA_COORDINATOR_LOAD_IN_PROGRESS));
  CHECK(kafka_error_retriable(UVK_KAFKA_NOT_COORDINATOR));
  CHECK(kafka_error_retriable(UVK_KAFKA_NOT_ENOUGH_REPLICAS));
  CHECK(kafka_error_retriable(UVK_KAFKA_CONCURRENT_TRANSACTIONS));
  CHECK_FALSE(kafka_error_retriable(UVK_KAFKA_REBALANCE_IN_PROGRESS));  // as KafkaJS
  CHECK_FALSE(kafka_error_retriable(UVK_KAFKA_UNKNOWN_SERVER_ERROR));
  CHECK_FALSE(kafka_error_retriable(UVK_KAFKA_NONE));
  CHECK_FALSE(kafka_error_retriable(UVK_KAFKA_SASL_AUTHENTICATION_FAILED));
  CHECK_FALSE(kafka_error_retriable(UVK_KAFKA_OFFSET_OUT_OF_RANGE));
  CHECK(UVK_KAFKA_UNSUPPORTED_VERSION == 35);
  CHECK(UVK_KAFKA_SHARE_SESSION_LIMIT_REACHED == 133);
  CHECK(kafka_error_info(-2) == nullptr);
  CHECK(UVK_KAFKA_CONTROLLER_ID_NOT_REGISTERED == 136);
  CHECK(kafka_error_info(137) == nullptr);
  CHECK(kafka_error_info(32767) == nullptr);
  CHECK_FALSE(kafka_error_retriable(500));
  CHECK(kafka_error_by_name("NO_SUCH_ERROR") == 0);
}

TEST_CASE("kafka errors: err_retriable spans local and Kafka codes", "[errors]") {
  CHECK(err_retriable(UVK_ETIMEDOUT));
  CHECK(err_retriable(UVK_ECONNECT));
  CHECK(err_retriable(UVK_ECLOSED));
  CHECK_FALSE(err_retriable(UVK_EINVAL));
  CHECK_FALSE(err_retriable(UVK_ERETRIES));
  CHECK_FALSE(err_retriable(0));
  CHECK_FALSE(err_retriable(-500));
  CHECK(err_retriable(UVK_ERR_KAFKA(6)));
  CHECK_FALSE(err_retriable(UVK_ERR_KAFKA(-1)));
  CHECK(UVK_ERR_KAFKA(-1) == -999);
  CHECK(UVK_ERR_IS_KAFKA(-999));
  CHECK_FALSE(UVK_ERR_IS_KAFKA(-998));
  CHECK(UVK_ERR_KAFKA_CODE(UVK_ERR_KAFKA(27)) == 27);
}

namespace {
struct CountingAlloc {
  size_t live = 0;
  size_t fail_at = SIZE_MAX;  // the n-th allocation fails
  size_t count = 0;
};
void *ca_malloc(void *ud, size_t n) {
  auto *c = static_cast<CountingAlloc *>(ud);
  if (c->count++ == c->fail_at) return nullptr;
  c->live++;
  return malloc(n);
}
void *ca_realloc(void *ud, void *p, size_t n) {
  auto *c = static_cast<CountingAlloc *>(ud);
  if (c->count++ == c->fail_at) return nullptr;
  if (!p) c->live++;
  return realloc(p, n);
}
void ca_free(void *ud, void *p) {
  if (p) static_cast<CountingAlloc *>(ud)->live--;
  free(p);
}
}  // namespace

TEST_CASE("kafka errors: error objects free their chain through the allocator", "[errors]") {
  CountingAlloc ca;
  Allocator a{ca_malloc, ca_realloc, ca_free, &ca};
  uvk_error *root = error_new(&a, UVK_ETIMEDOUT, 0, nullptr, 0, nullptr);
  uvk_error *mid = error_kafka(&a, UVK_KAFKA_NOT_COORDINATOR, "moved", 5);
  REQUIRE(root);
  REQUIRE(mid);
  uvk_error *top = error_retries_exceeded(&a, mid, 3, 1200);
  REQUIRE(top);
  CHECK(std::string(top->cause->broker_message) == "moved");
  error_release(mid);
  error_release(root);
  CHECK(ca.live == 3);  // top, mid, mid's message
  error_retain(top);
  error_release(top);
  CHECK(ca.live == 3);
  error_release(top);
  CHECK(ca.live == 0);
}

TEST_CASE("kafka errors: construction fails cleanly when memory runs out", "[errors]") {
  for (size_t n = 0; n < 2; n++) {
    CountingAlloc ca;
    ca.fail_at = n;
    Allocator a{ca_malloc, ca_realloc, ca_free, &ca};
    CHECK(error_kafka(&a, 3, "msg", 3) == nullptr);
    CHECK(ca.live == 0);
  }
}
