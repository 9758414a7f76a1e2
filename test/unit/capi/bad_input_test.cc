// Hostile input through the C ABI: every UVK_EXTERN function of include/uvkafka/*.h is
// called with NULL for each pointer argument and, where they apply, empty names, negative
// partitions, names that are not valid UTF-8, a message over the size limit, calls after
// the client disconnected and calls from the wrong state. Each must answer with its
// documented code (and uvk_strerror must describe it), never crash or abort.
//
// Each case is registered under the function it covers; the last test case reads the
// headers and fails when a function has no case, so a new function needs one.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <uv.h>

#include "uvkafka/uvkafka.h"

namespace {

std::set<std::string> &covered() {
  static std::set<std::string> names;
  return names;
}

// Taking the function's address makes a misspelt name a compile error.
struct Covers {
  template <typename F>
  Covers(const char *name, F *) { covered().insert(name); }
};

#define UVK_CAT2_(a, b) a##b
#define UVK_CAT_(a, b) UVK_CAT2_(a, b)
// A test case for `fn`; ALSO_COVERS adds functions the same case exercises.
#define BAD_INPUT(fn) \
  static const Covers UVK_CAT_(covers_, __LINE__)(#fn, &fn); \
  TEST_CASE("bad input: " #fn, "[capi][bad_input]")
#define ALSO_COVERS(fn) static const Covers UVK_CAT_(covers_, __LINE__)(#fn, &fn)

// The code, and a real description of it (not the fallback for unknown codes).
void expect(int rc, int want) {
  CHECK(rc == want);
  CHECK(strcmp(uvk_strerror(rc), "unknown error") != 0);
  CHECK(strcmp(uvk_err_name(rc), "UNKNOWN") != 0);
}

const char kBadUtf8[] = "t\xff\xfe\xc3";  // a lone continuation-less lead byte at the end
const char kOverlong[] = "\xc0\xaf";      // overlong '/'

// No-op callbacks of every shape.
void client_cb(uvk_client *, const uvk_error *, void *) {}
void metadata_cb(uvk_client *, const uvk_error *, const uvk_metadata *, void *) {}
void event_fn(void *, const uvk_event *) {}
void send_cb(uvk_producer *, const uvk_error *, const uvk_record_metadata *, size_t, void *) {}
void producer_cb(uvk_producer *, const uvk_error *, void *) {}
void consumer_cb(uvk_consumer *, const uvk_error *, void *) {}
int each_message(uvk_consumer *, const uvk_batch *, const uvk_consumer_message *, void *) { return 0; }
void describe_cb(uvk_consumer *, const uvk_error *, const uvk_group_description *, void *) {}
int assign_fn(void *, const uvk_group_member *, size_t, const uvk_assign_topic *, size_t, uvk_assignment_builder *) {
  return 0;
}
void results_cb(uvk_admin *, const uvk_error *, const uvk_admin_result *, size_t, void *) {}
void offsets_cb(uvk_admin *, const uvk_error *, const uvk_admin_partition_offset *, size_t, void *) {}
void names_cb(uvk_admin *, const uvk_error *, const char *const *, size_t, void *) {}
void admin_md_cb(uvk_admin *, const uvk_error *, const uvk_metadata *, void *) {}
void groups_cb(uvk_admin *, const uvk_error *, const uvk_group_description *, size_t, void *) {}
void configs_cb(uvk_admin *, const uvk_error *, const uvk_admin_described_resource *, size_t, void *) {}
void partitions_cb(uvk_admin *, const uvk_error *, const uvk_admin_partition_result *, size_t, void *) {}
void reassignments_cb(uvk_admin *, const uvk_error *, const uvk_admin_reassignment_state *, size_t, void *) {}
void acls_cb(uvk_admin *, const uvk_error *, const uvk_admin_acl_result *, size_t, void *) {}
void scram_cb(uvk_admin *, const uvk_error *, const uvk_admin_scram_user *, size_t, void *) {}
int codec_fn(void *, const uint8_t *, size_t, uvk_codec_out *) { return 0; }
int brokers_fn(void *, uvk_brokers *) { return 0; }
void sasl_step(void *, uvk_client *, const uvk_sasl_step *) {}
void oauth_fn(void *, uvk_client *, uint64_t) {}
int open_fn(void *, void *, const char *, uint16_t, int, uvk_socket_ready_fn, void *) { return 0; }
void release_fn(void *, void *) {}
void *a_malloc(void *, size_t n) { return malloc(n); }
void *a_realloc(void *, void *p, size_t n) { return realloc(p, n); }
void a_free(void *, void *p) { free(p); }

// A config whose broker refuses every connection (port 1), retrying nothing: enough for
// every state check, and quick to give up.
uvk_config *unreachable_config() {
  uvk_config *cfg = uvk_config_new();
  REQUIRE(cfg);
  char err[256];
  REQUIRE(uvk_config_set(cfg, "brokers", "127.0.0.1:1", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "retry.retries", "0", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "retry.initialRetryTime", "1", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "connectionTimeout", "200", err, sizeof err) == 0);
  return cfg;
}

// An allocator hook that counts: calls, and blocks still allocated.
struct Counted {
  long calls = 0, live = 0;
};
void *c_malloc(void *ud, size_t n) {
  Counted *c = static_cast<Counted *>(ud);
  c->calls++;
  void *p = malloc(n);
  if (p) c->live++;
  return p;
}
void *c_realloc(void *ud, void *old, size_t n) {
  Counted *c = static_cast<Counted *>(ud);
  c->calls++;
  void *p = realloc(old, n);
  if (!old && p) c->live++;
  return p;
}
void c_free(void *ud, void *p) {
  Counted *c = static_cast<Counted *>(ud);
  c->calls++;
  if (p) c->live--;
  free(p);
}

// A client on a loop with a producer, a consumer and an admin over it.
struct Rig {
  uv_loop_t loop;
  uvk_client *client = nullptr;
  uvk_producer *producer = nullptr;
  uvk_consumer *consumer = nullptr;
  uvk_admin *admin = nullptr;
  bool disconnected = false;

  explicit Rig(Counted *counted = nullptr) {
    REQUIRE(uv_loop_init(&loop) == 0);
    uvk_config *cfg = unreachable_config();
    char err[256];
    if (counted) REQUIRE(uvk_config_set_allocator(cfg, c_malloc, c_realloc, c_free, counted) == 0);
    REQUIRE(uvk_config_set(cfg, "groupId", "uvk-bad-input", err, sizeof err) == 0);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    REQUIRE(uvk_producer_new(client, nullptr, &producer) == 0);
    REQUIRE(uvk_consumer_new(client, cfg, &consumer) == 0);
    REQUIRE(uvk_admin_new(client, nullptr, &admin) == 0);
    uvk_config_free(cfg);
  }
  // Runs the loop until *flag (set by a callback); the loop running dry first fails.
  void run_until(const bool *flag) {
    while (!*flag) {
      int alive = uv_run(&loop, UV_RUN_ONCE);
      if (!*flag && !alive) FAIL("the loop ran out of work before the callback came");
    }
  }
  void disconnect() {
    bool done = false;
    REQUIRE(uvk_client_disconnect(client, [](uvk_client *, const uvk_error *, void *ud) {
      *static_cast<bool *>(ud) = true;
    }, &done) == 0);
    run_until(&done);
    disconnected = true;
  }
  ~Rig() {
    uvk_admin_free(admin);
    uvk_consumer_free(consumer);
    uvk_producer_free(producer);
    uvk_client_free(client);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
};

// For a void function given NULL (a free or an init): with a client, its producer, consumer
// and admin alive (their memory through a counting allocator), `call` allocates and frees
// nothing; after they are freed no block is left (nothing leaked, nothing freed twice).
template <typename F>
void touches_nothing(F call) {
  Counted counted;
  {
    Rig r(&counted);
    long calls = counted.calls, live = counted.live;
    REQUIRE(live > 0);
    call();
    CHECK(counted.calls == calls);
    CHECK(counted.live == live);
  }
  CHECK(counted.live == 0);
}

}  // namespace

// ---- versions, codes and error objects ----------------------------------------------------

BAD_INPUT(uvk_version) { CHECK(uvk_version() != nullptr); }

BAD_INPUT(uvk_strerror) {
  CHECK(strcmp(uvk_strerror(-500), "unknown error") == 0);
  CHECK(uvk_strerror(INT32_MIN) != nullptr);
  CHECK(uvk_strerror(INT32_MAX) != nullptr);
  CHECK(uvk_strerror(UVK_ERR_KAFKA(30000)) != nullptr);
}
BAD_INPUT(uvk_err_name) {
  CHECK(strcmp(uvk_err_name(-500), "UNKNOWN") == 0);
  CHECK(uvk_err_name(INT32_MIN) != nullptr);
  CHECK(uvk_err_name(UVK_ERR_KAFKA(30000)) != nullptr);
}
BAD_INPUT(uvk_err_is_retriable) {
  CHECK(uvk_err_is_retriable(-500) == 0);
  CHECK(uvk_err_is_retriable(INT32_MIN) == 0);
}
BAD_INPUT(uvk_txn_error_class_of) {
  CHECK(uvk_txn_error_class_of(5) == UVK_TXN_ERR_NONE);  // not an error code
  CHECK(uvk_txn_error_class_of(-500) == UVK_TXN_ERR_ABORTABLE);  // unknown: this transaction is lost
  CHECK(uvk_txn_error_class_of(INT32_MIN) == UVK_TXN_ERR_ABORTABLE);
  CHECK(uvk_txn_error_class_of(UVK_ERR_KAFKA(30000)) == UVK_TXN_ERR_ABORTABLE);
}
BAD_INPUT(uvk_error_txn_class) { CHECK(uvk_error_txn_class(nullptr) == UVK_TXN_ERR_NONE); }
BAD_INPUT(uvk_name_check) {
  char buf[8];
  expect(uvk_name_check(UVK_NAME_TOPIC, nullptr, buf, sizeof buf), UVK_EINVAL);
  expect(uvk_name_check(0, "t", nullptr, 0), UVK_EINVAL);
  expect(uvk_name_check(INT32_MAX, "t", buf, 0), UVK_EINVAL);
  expect(uvk_name_check(UVK_NAME_TOPIC, "bad topic!", nullptr, 5), UVK_EINVAL);
  expect(uvk_name_check(UVK_NAME_TOPIC, "\xff", buf, sizeof buf), UVK_EINVAL);
  CHECK(strlen(buf) == 7);  // cut, terminated
}

BAD_INPUT(uvk_error_code) { CHECK(uvk_error_code(nullptr) == 0); }
BAD_INPUT(uvk_error_kafka_code) { CHECK(uvk_error_kafka_code(nullptr) == 0); }
BAD_INPUT(uvk_error_kafka_name) { CHECK(uvk_error_kafka_name(nullptr) == nullptr); }
BAD_INPUT(uvk_error_broker_message) { CHECK(uvk_error_broker_message(nullptr) == nullptr); }
BAD_INPUT(uvk_error_message) { CHECK(uvk_error_message(nullptr) == nullptr); }
BAD_INPUT(uvk_error_is_retriable) { CHECK(uvk_error_is_retriable(nullptr) == 0); }
BAD_INPUT(uvk_error_cause) { CHECK(uvk_error_cause(nullptr) == nullptr); }
BAD_INPUT(uvk_error_retry_count) { CHECK(uvk_error_retry_count(nullptr) == 0); }
BAD_INPUT(uvk_error_retry_time) { CHECK(uvk_error_retry_time(nullptr) == 0); }
BAD_INPUT(uvk_error_retain) { CHECK(uvk_error_retain(nullptr) == nullptr); }
BAD_INPUT(uvk_error_release) { touches_nothing([] { uvk_error_release(nullptr); }); }
BAD_INPUT(uvk_error_format) {
  // NULL error, NULL buffer, zero length: the length is still counted.
  CHECK(uvk_error_format(nullptr, nullptr, 0) == strlen("no error"));
  CHECK(uvk_error_format(nullptr, nullptr, 100) == strlen("no error"));
  char one[1] = {'x'};
  CHECK(uvk_error_format(nullptr, one, sizeof one) == strlen("no error"));
  CHECK(one[0] == '\0');
}

BAD_INPUT(uvk_log_level_name) {
  CHECK(uvk_log_level_name(3) == nullptr);
  CHECK(uvk_log_level_name(-1) == nullptr);
  CHECK(uvk_log_level_name(INT32_MAX) == nullptr);
}
BAD_INPUT(uvk_event_name) {
  CHECK(uvk_event_name(0) == nullptr);
  CHECK(uvk_event_name(-1) == nullptr);
  CHECK(uvk_event_name(INT32_MAX) == nullptr);
}
BAD_INPUT(uvk_event_type_from_name) {
  CHECK(uvk_event_type_from_name(nullptr) == 0);
  CHECK(uvk_event_type_from_name("") == 0);
  CHECK(uvk_event_type_from_name(kBadUtf8) == 0);
}

// ---- codecs ---------------------------------------------------------------------------------

BAD_INPUT(uvk_codec_out_write) {
  expect(uvk_codec_out_write(nullptr, "x", 1), UVK_EINVAL);
  expect(uvk_codec_out_write(nullptr, nullptr, 0), UVK_EINVAL);
}
BAD_INPUT(uvk_codec_register) {
  expect(uvk_codec_register(UVK_CODEC_GZIP, nullptr, codec_fn, nullptr), UVK_EINVAL);
  expect(uvk_codec_register(UVK_CODEC_GZIP, codec_fn, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_codec_register(0, codec_fn, codec_fn, nullptr), UVK_EINVAL);
  expect(uvk_codec_register(5, codec_fn, codec_fn, nullptr), UVK_EINVAL);
  expect(uvk_codec_register(-1, codec_fn, codec_fn, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_codec_unregister) {
  expect(uvk_codec_unregister(0), UVK_EINVAL);
  expect(uvk_codec_unregister(-1), UVK_EINVAL);
  expect(uvk_codec_unregister(99), UVK_EINVAL);
  expect(uvk_codec_unregister(UVK_CODEC_GZIP), UVK_ENOTFOUND);  // nothing registered
}
BAD_INPUT(uvk_codec_available) {
  CHECK(uvk_codec_available(-1) == 0);
  CHECK(uvk_codec_available(5) == 0);
  CHECK(uvk_codec_available(INT32_MAX) == 0);
}

// ---- configs ---------------------------------------------------------------------------------

BAD_INPUT(uvk_config_new) {
  uvk_config *c = uvk_config_new();
  CHECK(c != nullptr);
  uvk_config_free(c);
}
BAD_INPUT(uvk_config_dup) { CHECK(uvk_config_dup(nullptr) == nullptr); }
BAD_INPUT(uvk_config_free) { touches_nothing([] { uvk_config_free(nullptr); }); }

BAD_INPUT(uvk_config_set) {
  char err[256] = "untouched";
  expect(uvk_config_set(nullptr, "clientId", "x", err, sizeof err), UVK_EINVAL);
  CHECK(strstr(err, "NULL") != nullptr);
  expect(uvk_config_set(nullptr, nullptr, nullptr, nullptr, 0), UVK_EINVAL);
  uvk_config *c = uvk_config_new();
  expect(uvk_config_set(c, nullptr, "x", err, sizeof err), UVK_EINVAL);
  CHECK(strstr(err, "NULL") != nullptr);
  expect(uvk_config_set(c, "clientId", nullptr, err, sizeof err), UVK_EINVAL);
  CHECK(strstr(err, "clientId") != nullptr);
  CHECK(strcmp(uvk_config_last_error(c), err) == 0);
  expect(uvk_config_set(c, "", "x", nullptr, 0), UVK_EINVAL);  // errbuf may be NULL
  CHECK(strstr(uvk_config_last_error(c), "unknown configuration key") != nullptr);
  expect(uvk_config_set(c, kBadUtf8, "x", err, sizeof err), UVK_EINVAL);
  expect(uvk_config_set(c, "brokers", kBadUtf8, err, sizeof err), UVK_EINVAL);
  CHECK(strstr(err, "brokers") != nullptr);
  expect(uvk_config_set(c, "sasl.mechanism", kBadUtf8, err, sizeof err), UVK_EINVAL);
  CHECK(strstr(err, "sasl.mechanism") != nullptr);
  // A one-byte error buffer still gets its NUL.
  char tiny[1] = {'x'};
  expect(uvk_config_set(c, "retry.retries", "-5", tiny, sizeof tiny), UVK_EINVAL);
  CHECK(tiny[0] == '\0');
  uvk_config_free(c);
}
BAD_INPUT(uvk_config_set_int) {
  expect(uvk_config_set_int(nullptr, "retry.retries", 1), UVK_EINVAL);
  uvk_config *c = uvk_config_new();
  expect(uvk_config_set_int(c, nullptr, 1), UVK_EINVAL);
  expect(uvk_config_set_int(c, "nope", 1), UVK_EINVAL);
  expect(uvk_config_set_int(c, "retry.retries", -1), UVK_EINVAL);
  CHECK(strstr(uvk_config_last_error(c), "retry.retries") != nullptr);
  expect(uvk_config_set_int(c, "retry.retries", INT64_MIN), UVK_EINVAL);
  expect(uvk_config_set_int(c, "retry.retries", INT64_MAX), UVK_EINVAL);
  uvk_config_free(c);
}
BAD_INPUT(uvk_config_set_double) {
  expect(uvk_config_set_double(nullptr, "retry.factor", 0.5), UVK_EINVAL);
  uvk_config *c = uvk_config_new();
  expect(uvk_config_set_double(c, nullptr, 0.5), UVK_EINVAL);
  expect(uvk_config_set_double(c, "retry.factor", NAN), UVK_EINVAL);
  CHECK(strstr(uvk_config_last_error(c), "retry.factor") != nullptr);
  expect(uvk_config_set_double(c, "retry.factor", INFINITY), UVK_EINVAL);
  expect(uvk_config_set_double(c, "retry.retries", 1.5), UVK_EINVAL);
  uvk_config_free(c);
}
BAD_INPUT(uvk_config_set_bool) {
  expect(uvk_config_set_bool(nullptr, "ssl", 1), UVK_EINVAL);
  uvk_config *c = uvk_config_new();
  expect(uvk_config_set_bool(c, nullptr, 1), UVK_EINVAL);
  expect(uvk_config_set_bool(c, "retry.retries", 1), UVK_EINVAL);
  CHECK(strstr(uvk_config_last_error(c), "retry.retries") != nullptr);
  uvk_config_free(c);
}
BAD_INPUT(uvk_config_set_str) {
  expect(uvk_config_set_str(nullptr, "clientId", "x"), UVK_EINVAL);
  uvk_config *c = uvk_config_new();
  expect(uvk_config_set_str(c, nullptr, "x"), UVK_EINVAL);
  expect(uvk_config_set_str(c, "clientId", nullptr), UVK_EINVAL);
  CHECK(strstr(uvk_config_last_error(c), "clientId") != nullptr);
  expect(uvk_config_set_str(c, "partitioner", kBadUtf8), UVK_EINVAL);
  expect(uvk_config_set_str(c, "protocolVersionCap", kOverlong), UVK_EINVAL);
  uvk_config_free(c);
}
BAD_INPUT(uvk_config_last_error) { CHECK(strcmp(uvk_config_last_error(nullptr), "") == 0); }
BAD_INPUT(uvk_config_get) {
  char buf[64];
  expect(uvk_config_get(nullptr, "clientId", buf, sizeof buf), UVK_EINVAL);
  uvk_config *c = uvk_config_new();
  expect(uvk_config_get(c, nullptr, buf, sizeof buf), UVK_EINVAL);
  expect(uvk_config_get(c, "nope", buf, sizeof buf), UVK_EINVAL);
  expect(uvk_config_get(c, kBadUtf8, buf, sizeof buf), UVK_EINVAL);
  // NULL buffer: only the length (snprintf semantics), also with a length given.
  CHECK(uvk_config_get(c, "clientId", nullptr, 0) == int(strlen("uvkafka")));
  CHECK(uvk_config_get(c, "clientId", nullptr, 50) == int(strlen("uvkafka")));
  REQUIRE(uvk_config_set(c, "brokers", "a:1,b:2", nullptr, 0) == 0);
  CHECK(uvk_config_get(c, "brokers", nullptr, 50) == int(strlen("a:1,b:2")));
  char one[1] = {'x'};
  CHECK(uvk_config_get(c, "brokers", one, sizeof one) == int(strlen("a:1,b:2")));
  CHECK(one[0] == '\0');
  uvk_config_free(c);
}
BAD_INPUT(uvk_config_set_brokers) {
  const char *list[] = {"a:1", nullptr};
  expect(uvk_config_set_brokers(nullptr, list, 1), UVK_EINVAL);
  uvk_config *c = uvk_config_new();
  expect(uvk_config_set_brokers(c, nullptr, 2), UVK_EINVAL);
  expect(uvk_config_set_brokers(c, list, 2), UVK_EINVAL);  // a NULL entry
  CHECK(strstr(uvk_config_last_error(c), "brokers") != nullptr);
  const char *bad[] = {"", "a:0", "a:65536", "a:-1", kBadUtf8, "[::1", "::1:9092", "a:b"};
  for (const char *b : bad) {
    INFO(b);
    expect(uvk_config_set_brokers(c, &b, 1), UVK_EINVAL);
    CHECK(strstr(uvk_config_last_error(c), "brokers") != nullptr);
  }
  uvk_config_free(c);
}
BAD_INPUT(uvk_config_set_brokers_cb) {
  expect(uvk_config_set_brokers_cb(nullptr, brokers_fn, nullptr), UVK_EINVAL);
  uvk_config *c = uvk_config_new();
  expect(uvk_config_set_brokers_cb(c, nullptr, nullptr), UVK_EINVAL);
  uvk_config_free(c);
}
BAD_INPUT(uvk_brokers_add) {
  expect(uvk_brokers_add(nullptr, "a:1"), UVK_EINVAL);
  // A real collector, from a brokers callback at client creation.
  struct Seen {
    int null_host = 1, empty = 1, utf8 = 1, port = 1;
  } seen;
  uvk_config *cfg = unreachable_config();
  REQUIRE(uvk_config_set_brokers_cb(cfg, [](void *ud, uvk_brokers *out) -> int {
    Seen *s = static_cast<Seen *>(ud);
    s->null_host = uvk_brokers_add(out, nullptr);
    s->empty = uvk_brokers_add(out, "");
    s->utf8 = uvk_brokers_add(out, kBadUtf8);
    s->port = uvk_brokers_add(out, "a:99999");
    return uvk_brokers_add(out, "127.0.0.1:1");
  }, &seen) == 0);
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  uvk_client *client = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_config_free(cfg);
  expect(seen.null_host, UVK_EINVAL);
  expect(seen.empty, UVK_EINVAL);
  expect(seen.utf8, UVK_EINVAL);
  expect(seen.port, UVK_EINVAL);
  uvk_client_free(client);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}
BAD_INPUT(uvk_config_set_logger) { expect(uvk_config_set_logger(nullptr, nullptr, nullptr), UVK_EINVAL); }
BAD_INPUT(uvk_config_set_allocator) {
  expect(uvk_config_set_allocator(nullptr, a_malloc, a_realloc, a_free, nullptr), UVK_EINVAL);
  uvk_config *c = uvk_config_new();
  expect(uvk_config_set_allocator(c, a_malloc, nullptr, a_free, nullptr), UVK_EINVAL);
  CHECK(strstr(uvk_config_last_error(c), "allocator") != nullptr);
  expect(uvk_config_set_allocator(c, nullptr, a_realloc, a_free, nullptr), UVK_EINVAL);
  expect(uvk_config_set_allocator(c, a_malloc, a_realloc, nullptr, nullptr), UVK_EINVAL);
  uvk_config_free(c);
}
BAD_INPUT(uvk_config_set_socket_factory) {
  expect(uvk_config_set_socket_factory(nullptr, open_fn, release_fn, nullptr), UVK_EINVAL);
  uvk_config *c = uvk_config_new();
  expect(uvk_config_set_socket_factory(c, open_fn, nullptr, nullptr), UVK_EINVAL);
  CHECK(strstr(uvk_config_last_error(c), "socket factory") != nullptr);
  expect(uvk_config_set_socket_factory(c, nullptr, release_fn, nullptr), UVK_EINVAL);
  uvk_config_free(c);
}
BAD_INPUT(uvk_config_set_sasl_mechanism) {
  expect(uvk_config_set_sasl_mechanism(nullptr, "X", sasl_step, nullptr), UVK_EINVAL);
  uvk_config *c = uvk_config_new();
  expect(uvk_config_set_sasl_mechanism(c, nullptr, sasl_step, nullptr), UVK_EINVAL);
  expect(uvk_config_set_sasl_mechanism(c, "", sasl_step, nullptr), UVK_EINVAL);
  expect(uvk_config_set_sasl_mechanism(c, kBadUtf8, sasl_step, nullptr), UVK_EINVAL);
  expect(uvk_config_set_sasl_mechanism(c, "lower", sasl_step, nullptr), UVK_EINVAL);
  expect(uvk_config_set_sasl_mechanism(c, "A23456789012345678901", sasl_step, nullptr), UVK_EINVAL);
  uvk_config_free(c);
}
BAD_INPUT(uvk_config_set_oauthbearer_provider) {
  expect(uvk_config_set_oauthbearer_provider(nullptr, oauth_fn, nullptr), UVK_EINVAL);
}

// ---- client ---------------------------------------------------------------------------------

BAD_INPUT(uvk_client_new) {
  uvk_client *client = reinterpret_cast<uvk_client *>(&client);
  uvk_config *cfg = unreachable_config();
  expect(uvk_client_new(nullptr, nullptr, &client), UVK_EINVAL);
  expect(uvk_client_new(nullptr, cfg, nullptr), UVK_EINVAL);
  uvk_config *none = uvk_config_new();  // no brokers
  expect(uvk_client_new(nullptr, none, &client), UVK_EINVAL);
  CHECK(client == nullptr);
  // Names that are not UTF-8 are sent as they are (the broker decides); no crash.
  char err[256];
  REQUIRE(uvk_config_set(cfg, "clientId", kBadUtf8, err, sizeof err) == 0);
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
  uvk_client_free(client);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
  uvk_config_free(none);
  uvk_config_free(cfg);
}
BAD_INPUT(uvk_client_loop) { CHECK(uvk_client_loop(nullptr) == nullptr); }
BAD_INPUT(uvk_client_connect) {
  expect(uvk_client_connect(nullptr, client_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_client_connect(r.client, nullptr, nullptr), UVK_EINVAL);
  r.disconnect();
  expect(uvk_client_connect(r.client, client_cb, nullptr), UVK_ECLOSED);
}
BAD_INPUT(uvk_client_metadata) {
  const char *topics[] = {"a", nullptr, ""};
  expect(uvk_client_metadata(nullptr, topics, 1, metadata_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_client_metadata(r.client, topics, 1, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_client_metadata(r.client, nullptr, 3, metadata_cb, nullptr), UVK_EINVAL);
  expect(uvk_client_metadata(r.client, topics + 1, 1, metadata_cb, nullptr), UVK_EINVAL);  // NULL name
  expect(uvk_client_metadata(r.client, topics + 2, 1, metadata_cb, nullptr), UVK_EINVAL);  // empty name
  expect(uvk_client_metadata(r.client, topics, SIZE_MAX, metadata_cb, nullptr), UVK_EINVAL);
  r.disconnect();
  expect(uvk_client_metadata(r.client, topics, 1, metadata_cb, nullptr), UVK_ECLOSED);
}
BAD_INPUT(uvk_client_disconnect) {
  expect(uvk_client_disconnect(nullptr, client_cb, nullptr), UVK_EINVAL);
  Rig r;
  r.disconnect();
  expect(uvk_client_disconnect(r.client, client_cb, nullptr), UVK_ESTATE);  // twice
}
BAD_INPUT(uvk_client_free) { touches_nothing([] { uvk_client_free(nullptr); }); }
BAD_INPUT(uvk_client_on) {
  CHECK(uvk_client_on(nullptr, UVK_EVENT_CONNECT, event_fn, nullptr) == UVK_EINVAL);
  Rig r;
  CHECK(uvk_client_on(r.client, UVK_EVENT_CONNECT, nullptr, nullptr) == UVK_EINVAL);
  CHECK(uvk_client_on(r.client, 0, event_fn, nullptr) == UVK_EINVAL);
  CHECK(uvk_client_on(r.client, -1, event_fn, nullptr) == UVK_EINVAL);
  CHECK(uvk_client_on(r.client, 100000, event_fn, nullptr) == UVK_EINVAL);
  // The consumer's events are never emitted by a client: refused, not taken and left silent.
  for (int type = UVK_EVENT_GROUP_JOIN; type < UVK_EVENT_TYPE_LAST_; type++) {
    INFO(uvk_event_name(type));
    CHECK(uvk_client_on(r.client, type, event_fn, nullptr) == UVK_EINVAL);
  }
  for (int type = UVK_EVENT_CONNECT; type <= UVK_EVENT_REQUEST_QUEUE_SIZE; type++)
    CHECK(uvk_client_on(r.client, type, event_fn, nullptr) > 0);
}
BAD_INPUT(uvk_client_off) {
  expect(uvk_client_off(nullptr, 1), UVK_EINVAL);
  Rig r;
  expect(uvk_client_off(r.client, 0), UVK_EINVAL);
  expect(uvk_client_off(r.client, -1), UVK_EINVAL);
  expect(uvk_client_off(r.client, 12345), UVK_ENOTFOUND);
}
BAD_INPUT(uvk_client_run) {
  expect(uvk_client_run(nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_client_run(r.client), UVK_EINVAL);  // it runs on the application's loop
}
BAD_INPUT(uvk_config_set_stats_cb) {
  expect(uvk_config_set_stats_cb(nullptr, nullptr, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_client_get_stats) {
  uvk_client_stats st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  expect(uvk_client_get_stats(nullptr, &st), UVK_EINVAL);
  Rig r;
  expect(uvk_client_get_stats(r.client, nullptr), UVK_EINVAL);
  uvk_client_stats small;
  memset(&small, 0, sizeof small);
  small.struct_size = 1;
  expect(uvk_client_get_stats(r.client, &small), UVK_EINVAL);
  REQUIRE(uvk_client_get_stats(r.client, &st) == 0);
  CHECK(st.txmsgs == 0);
}
BAD_INPUT(uvk_client_stats_json) {
  CHECK(uvk_client_stats_json(nullptr, nullptr, 0) == 0);
  Rig r;
  CHECK(uvk_client_stats_json(r.client, nullptr, 0) > 0);  // the length it needs
}

// Metadata accessors: NULL (there is no snapshot outside a callback) gives 0 / NULL / -1.
ALSO_COVERS(uvk_metadata_controller_id);
ALSO_COVERS(uvk_metadata_broker_count);
ALSO_COVERS(uvk_metadata_broker_id);
ALSO_COVERS(uvk_metadata_broker_host);
ALSO_COVERS(uvk_metadata_broker_port);
ALSO_COVERS(uvk_metadata_topic_count);
ALSO_COVERS(uvk_metadata_topic_name);
ALSO_COVERS(uvk_metadata_topic_error);
ALSO_COVERS(uvk_metadata_partition_count);
ALSO_COVERS(uvk_metadata_partition_id);
ALSO_COVERS(uvk_metadata_partition_leader);
ALSO_COVERS(uvk_metadata_partition_replica_count);
ALSO_COVERS(uvk_metadata_partition_isr_count);
ALSO_COVERS(uvk_metadata_partition_replica);
ALSO_COVERS(uvk_metadata_partition_isr);
ALSO_COVERS(uvk_metadata_partition_error);
ALSO_COVERS(uvk_metadata_partition_offline_count);
ALSO_COVERS(uvk_metadata_partition_offline);
BAD_INPUT(uvk_metadata_cluster_id) {
  CHECK(uvk_metadata_cluster_id(nullptr) == nullptr);
  CHECK(uvk_metadata_controller_id(nullptr) == -1);
  CHECK(uvk_metadata_broker_count(nullptr) == 0);
  CHECK(uvk_metadata_broker_id(nullptr, SIZE_MAX) == -1);
  CHECK(uvk_metadata_broker_host(nullptr, 0) == nullptr);
  CHECK(uvk_metadata_broker_port(nullptr, 0) == -1);
  CHECK(uvk_metadata_topic_count(nullptr) == 0);
  CHECK(uvk_metadata_topic_name(nullptr, 0) == nullptr);
  CHECK(uvk_metadata_topic_error(nullptr, 0) == 0);
  CHECK(uvk_metadata_partition_count(nullptr, 0) == 0);
  CHECK(uvk_metadata_partition_id(nullptr, 0, SIZE_MAX) == -1);
  CHECK(uvk_metadata_partition_leader(nullptr, SIZE_MAX, 0) == -1);
  CHECK(uvk_metadata_partition_replica_count(nullptr, 0, 0) == 0);
  CHECK(uvk_metadata_partition_isr_count(nullptr, 0, 0) == 0);
  CHECK(uvk_metadata_partition_replica(nullptr, 0, 0, 0) == -1);
  CHECK(uvk_metadata_partition_isr(nullptr, 0, 0, SIZE_MAX) == -1);
  CHECK(uvk_metadata_partition_error(nullptr, SIZE_MAX, 0) == 0);
  CHECK(uvk_metadata_partition_offline_count(nullptr, 0, 0) == 0);
  CHECK(uvk_metadata_partition_offline(nullptr, 0, 0, 0) == -1);
}

// SASL answers name a step that is not awaited: NULL client is EINVAL, an unknown step
// ENOTFOUND, a malformed token EINVAL before anything is looked up.
BAD_INPUT(uvk_sasl_send) {
  expect(uvk_sasl_send(nullptr, 1, "x", 1), UVK_EINVAL);
  Rig r;
  expect(uvk_sasl_send(r.client, 1, nullptr, 5), UVK_EINVAL);
  expect(uvk_sasl_send(r.client, 1, "x", 1), UVK_ENOTFOUND);
  expect(uvk_sasl_send(r.client, UINT64_MAX, nullptr, 0), UVK_ENOTFOUND);
}
BAD_INPUT(uvk_sasl_done) {
  expect(uvk_sasl_done(nullptr, 1), UVK_EINVAL);
  Rig r;
  expect(uvk_sasl_done(r.client, 0), UVK_ENOTFOUND);
  expect(uvk_sasl_done(r.client, UINT64_MAX), UVK_ENOTFOUND);
}
BAD_INPUT(uvk_sasl_fail) {
  expect(uvk_sasl_fail(nullptr, 1, "why"), UVK_EINVAL);
  Rig r;
  expect(uvk_sasl_fail(r.client, 1, nullptr), UVK_ENOTFOUND);
  expect(uvk_sasl_fail(r.client, 1, kBadUtf8), UVK_ENOTFOUND);
}
BAD_INPUT(uvk_oauthbearer_token) {
  expect(uvk_oauthbearer_token(nullptr, 1, "tok", nullptr, 0), UVK_EINVAL);
  Rig r;
  expect(uvk_oauthbearer_token(r.client, 1, nullptr, nullptr, 0), UVK_EINVAL);
  expect(uvk_oauthbearer_token(r.client, 1, "", nullptr, 0), UVK_EINVAL);
  expect(uvk_oauthbearer_token(r.client, 1, kBadUtf8, nullptr, 0), UVK_EINVAL);
  expect(uvk_oauthbearer_token(r.client, 1, "tok", nullptr, 1), UVK_EINVAL);
  const char *null_key[] = {nullptr, "v"};
  expect(uvk_oauthbearer_token(r.client, 1, "tok", null_key, 1), UVK_EINVAL);
  const char *null_value[] = {"k", nullptr};
  expect(uvk_oauthbearer_token(r.client, 1, "tok", null_value, 1), UVK_EINVAL);
  const char *bad_value[] = {"k", kBadUtf8};
  expect(uvk_oauthbearer_token(r.client, 1, "tok", bad_value, 1), UVK_EINVAL);
  const char *auth_key[] = {"auth", "v"};
  expect(uvk_oauthbearer_token(r.client, 1, "tok", auth_key, 1), UVK_EINVAL);
  expect(uvk_oauthbearer_token(r.client, 1, "tok", nullptr, 0), UVK_ENOTFOUND);
}
BAD_INPUT(uvk_oauthbearer_fail) {
  expect(uvk_oauthbearer_fail(nullptr, 1, "why"), UVK_EINVAL);
  Rig r;
  expect(uvk_oauthbearer_fail(r.client, 1, nullptr), UVK_ENOTFOUND);
}

// ---- producer -------------------------------------------------------------------------------

BAD_INPUT(uvk_send_options_init) {
  touches_nothing([] { uvk_send_options_init(nullptr); });
  uvk_send_options o;
  memset(&o, 0xab, sizeof o);
  uvk_send_options_init(&o);
  CHECK(o.struct_size == sizeof o);
}

BAD_INPUT(uvk_producer_new) {
  uvk_producer *p = nullptr;
  expect(uvk_producer_new(nullptr, nullptr, &p), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_new(r.client, nullptr, nullptr), UVK_EINVAL);
  r.disconnect();
  expect(uvk_producer_new(r.client, nullptr, &p), UVK_ECLOSED);
  CHECK(p == nullptr);
}
BAD_INPUT(uvk_producer_set_partitioner) {
  expect(uvk_producer_set_partitioner(nullptr, nullptr, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_producer_set_drain_cb) { expect(uvk_producer_set_drain_cb(nullptr, producer_cb, nullptr), UVK_EINVAL); }
BAD_INPUT(uvk_producer_connect) {
  expect(uvk_producer_connect(nullptr, producer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_connect(r.producer, nullptr, nullptr), UVK_EINVAL);
  r.disconnect();
  expect(uvk_producer_connect(r.producer, producer_cb, nullptr), UVK_ECLOSED);
}

BAD_INPUT(uvk_producer_send) {
  uvk_message m;
  memset(&m, 0, sizeof m);
  m.value = "v";
  m.value_len = 1;
  m.partition = -1;
  m.timestamp = -1;
  expect(uvk_producer_send(nullptr, "t", &m, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  Rig r;
  uvk_producer *p = r.producer;
  expect(uvk_producer_send(p, "t", &m, 1, nullptr, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_producer_send(p, nullptr, &m, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send(p, "", &m, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send(p, "t", nullptr, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send(p, "t", &m, 0, nullptr, send_cb, nullptr), UVK_EINVAL);  // nothing to send
  std::string long_name(250, 'a');
  expect(uvk_producer_send(p, long_name.c_str(), &m, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  // Kafka topic names are ASCII letters, digits, '.', '_' and '-': anything else (bytes
  // that are not UTF-8, spaces, '/') can never name a topic and is refused at the call.
  for (const char *bad : {kBadUtf8, kOverlong, "a b", "a/b", "caf\xc3\xa9"}) {
    INFO(bad);
    expect(uvk_producer_send(p, bad, &m, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  }
  uvk_message neg = m;
  neg.partition = -2;
  expect(uvk_producer_send(p, "t", &neg, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  neg.partition = INT32_MIN;
  expect(uvk_producer_send(p, "t", &neg, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  uvk_message hdrs = m;
  hdrs.n_headers = 2;  // headers NULL
  expect(uvk_producer_send(p, "t", &hdrs, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  uvk_header null_name = {nullptr, "v", 1};
  hdrs.headers = &null_name;
  hdrs.n_headers = 1;
  expect(uvk_producer_send(p, "t", &hdrs, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  uvk_message huge = m;
  huge.value_len = size_t(INT32_MAX) + 1;  // never read: refused by its length
  expect(uvk_producer_send(p, "t", &huge, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  huge = m;
  huge.key = "k";
  huge.key_len = SIZE_MAX;
  expect(uvk_producer_send(p, "t", &huge, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  uvk_send_options o;
  uvk_send_options_init(&o);
  o.acks = 2;
  expect(uvk_producer_send(p, "t", &m, 1, &o, send_cb, nullptr), UVK_EINVAL);
  uvk_send_options_init(&o);
  o.timeout = -1;
  expect(uvk_producer_send(p, "t", &m, 1, &o, send_cb, nullptr), UVK_EINVAL);
  uvk_send_options_init(&o);
  o.compression = -1;
  expect(uvk_producer_send(p, "t", &m, 1, &o, send_cb, nullptr), UVK_EINVAL);
  o.compression = 8;
  expect(uvk_producer_send(p, "t", &m, 1, &o, send_cb, nullptr), UVK_EINVAL);
  CHECK(uvk_producer_buffered_bytes(p) == 0);  // nothing refused was queued
  r.disconnect();
  expect(uvk_producer_send(p, "t", &m, 1, nullptr, send_cb, nullptr), UVK_ECLOSED);
}

BAD_INPUT(uvk_producer_send_batch) {
  uvk_message m;
  memset(&m, 0, sizeof m);
  m.value = "v";
  m.value_len = 1;
  m.partition = -1;
  m.timestamp = -1;
  uvk_topic_messages tm[2] = {{"t", &m, 1}, {nullptr, &m, 1}};
  expect(uvk_producer_send_batch(nullptr, tm, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  Rig r;
  uvk_producer *p = r.producer;
  expect(uvk_producer_send_batch(p, nullptr, 1, nullptr, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_batch(p, tm, 0, nullptr, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_batch(p, tm, 2, nullptr, send_cb, nullptr), UVK_EINVAL);  // 2nd topic NULL
  tm[1].topic = kBadUtf8;
  expect(uvk_producer_send_batch(p, tm, 2, nullptr, send_cb, nullptr), UVK_EINVAL);
  tm[1].topic = "u";
  tm[1].messages = nullptr;
  expect(uvk_producer_send_batch(p, tm, 2, nullptr, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_batch(p, tm, SIZE_MAX, nullptr, send_cb, nullptr), UVK_EINVAL);
  CHECK(uvk_producer_buffered_bytes(p) == 0);
}

// A message larger than bufferMemory can never be sent: UVK_ETOOLARGE, not a queue-full wait.
TEST_CASE("bad input: a message over the producer's limit", "[capi][bad_input]") {
  Rig r;
  uvk_config *cfg = uvk_config_new();
  REQUIRE(uvk_config_set_int(cfg, "bufferMemory", 1024) == 0);
  uvk_producer *p = nullptr;
  REQUIRE(uvk_producer_new(r.client, cfg, &p) == 0);
  uvk_config_free(cfg);
  std::string big(2048, 'x');
  uvk_message m;
  memset(&m, 0, sizeof m);
  m.value = big.data();
  m.value_len = big.size();
  m.partition = -1;
  m.timestamp = -1;
  expect(uvk_producer_send(p, "t", &m, 1, nullptr, send_cb, nullptr), UVK_ETOOLARGE);
  uvk_header h = {"h", big.data(), big.size()};
  m.value_len = 1;
  m.headers = &h;
  m.n_headers = 1;
  expect(uvk_producer_send(p, "t", &m, 1, nullptr, send_cb, nullptr), UVK_ETOOLARGE);
  CHECK(uvk_producer_buffered_bytes(p) == 0);
  uvk_producer_free(p);
}

BAD_INPUT(uvk_producer_flush) {
  expect(uvk_producer_flush(nullptr, producer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_flush(r.producer, nullptr, nullptr), UVK_EINVAL);
  r.disconnect();
  expect(uvk_producer_flush(r.producer, producer_cb, nullptr), UVK_ECLOSED);
}
BAD_INPUT(uvk_producer_disconnect) {
  expect(uvk_producer_disconnect(nullptr, producer_cb, nullptr), UVK_EINVAL);
  Rig r;
  bool done = false;
  REQUIRE(uvk_producer_disconnect(r.producer, [](uvk_producer *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
  }, &done) == 0);
  expect(uvk_producer_disconnect(r.producer, producer_cb, nullptr), UVK_ESTATE);  // twice
  r.run_until(&done);
  // A disconnected producer refuses sends.
  uvk_message m;
  memset(&m, 0, sizeof m);
  m.partition = -1;
  expect(uvk_producer_send(r.producer, "t", &m, 1, nullptr, send_cb, nullptr), UVK_ECLOSED);
  r.disconnect();
  expect(uvk_producer_disconnect(r.producer, producer_cb, nullptr), UVK_ESTATE);
}

// Transactions on a producer without transactionalId, and out of order on one with it.
BAD_INPUT(uvk_producer_begin_transaction) {
  expect(uvk_producer_begin_transaction(nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_begin_transaction(r.producer), UVK_ESTATE);  // not transactional
  r.disconnect();
  expect(uvk_producer_begin_transaction(r.producer), UVK_ECLOSED);
}
BAD_INPUT(uvk_producer_commit_transaction) {
  expect(uvk_producer_commit_transaction(nullptr, producer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_commit_transaction(r.producer, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_producer_commit_transaction(r.producer, producer_cb, nullptr), UVK_ESTATE);
  uvk_config *cfg = uvk_config_new();
  REQUIRE(uvk_config_set_str(cfg, "transactionalId", "uvk-bad-input-txn") == 0);
  uvk_producer *tp = nullptr;
  REQUIRE(uvk_producer_new(r.client, cfg, &tp) == 0);
  uvk_config_free(cfg);
  expect(uvk_producer_commit_transaction(tp, producer_cb, nullptr), UVK_ESTATE);  // none open
  // Outside a transaction a transactional producer refuses sends.
  uvk_message m;
  memset(&m, 0, sizeof m);
  m.partition = -1;
  expect(uvk_producer_send(tp, "t", &m, 1, nullptr, send_cb, nullptr), UVK_ESTATE);
  uvk_producer_free(tp);
  r.disconnect();
  expect(uvk_producer_commit_transaction(r.producer, producer_cb, nullptr), UVK_ECLOSED);
}
BAD_INPUT(uvk_producer_abort_transaction) {
  expect(uvk_producer_abort_transaction(nullptr, producer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_abort_transaction(r.producer, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_producer_abort_transaction(r.producer, producer_cb, nullptr), UVK_ESTATE);
  r.disconnect();
  expect(uvk_producer_abort_transaction(r.producer, producer_cb, nullptr), UVK_ECLOSED);
}
BAD_INPUT(uvk_producer_send_offsets) {
  uvk_topic_partition_offset o = {"t", 0, 1};
  expect(uvk_producer_send_offsets(nullptr, "g", &o, 1, producer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_send_offsets(r.producer, "g", &o, 1, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_offsets(r.producer, "g", nullptr, 1, producer_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_offsets(r.producer, nullptr, &o, 1, producer_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_offsets(r.producer, "", &o, 1, producer_cb, nullptr), UVK_EINVAL);
  // Without an open transaction the state is refused before the entries are read.
  uvk_topic_partition_offset neg = {"t", -1, 1};
  expect(uvk_producer_send_offsets(r.producer, "g", &neg, 1, producer_cb, nullptr), UVK_ESTATE);
  uvk_topic_partition_offset null_topic = {nullptr, 0, 1};
  expect(uvk_producer_send_offsets(r.producer, "g", &null_topic, 1, producer_cb, nullptr), UVK_ESTATE);
  expect(uvk_producer_send_offsets(r.producer, "g", &o, 1, producer_cb, nullptr), UVK_ESTATE);  // no transaction
  r.disconnect();
  expect(uvk_producer_send_offsets(r.producer, "g", &o, 1, producer_cb, nullptr), UVK_ECLOSED);
}
BAD_INPUT(uvk_producer_send_consumer_offsets) {
  uvk_topic_partition_offset o = {"t", 0, 1};
  uvk_group_metadata g = {"g", "member-1", 3, nullptr};
  expect(uvk_producer_send_consumer_offsets(nullptr, &g, &o, 1, producer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_producer_send_consumer_offsets(r.producer, nullptr, &o, 1, producer_cb, nullptr), UVK_EINVAL);
  uvk_group_metadata no_member = {"g", nullptr, 3, nullptr};
  expect(uvk_producer_send_consumer_offsets(r.producer, &no_member, &o, 1, producer_cb, nullptr), UVK_EINVAL);
  uvk_group_metadata no_group = {nullptr, "member-1", 3, nullptr};
  expect(uvk_producer_send_consumer_offsets(r.producer, &no_group, &o, 1, producer_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_consumer_offsets(r.producer, &g, nullptr, 1, producer_cb, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_consumer_offsets(r.producer, &g, &o, 1, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_producer_send_consumer_offsets(r.producer, &g, &o, 1, producer_cb, nullptr), UVK_ESTATE);  // no transaction
  r.disconnect();
  expect(uvk_producer_send_consumer_offsets(r.producer, &g, &o, 1, producer_cb, nullptr), UVK_ECLOSED);
}
BAD_INPUT(uvk_producer_free) { touches_nothing([] { uvk_producer_free(nullptr); }); }
BAD_INPUT(uvk_send_queue_options_init) {
  touches_nothing([] { uvk_send_queue_options_init(nullptr); });
  uvk_send_queue_options o;
  uvk_send_queue_options_init(&o);
  CHECK(o.struct_size == sizeof o);
  CHECK(o.max_messages == 100000);
}
BAD_INPUT(uvk_send_queue_new) {
  uvk_send_queue *q = nullptr;
  expect(uvk_send_queue_new(nullptr, nullptr, &q), UVK_EINVAL);
  Rig r;
  expect(uvk_send_queue_new(r.producer, nullptr, nullptr), UVK_EINVAL);
  uvk_send_queue_options o;
  uvk_send_queue_options_init(&o);
  o.max_messages = 0;
  expect(uvk_send_queue_new(r.producer, &o, &q), UVK_EINVAL);
  REQUIRE(uvk_send_queue_new(r.producer, nullptr, &q) == 0);
  uvk_send_queue *second = nullptr;
  expect(uvk_send_queue_new(r.producer, nullptr, &second), UVK_ESTATE);  // one queue per producer
  uvk_send_queue_release(q);
}
BAD_INPUT(uvk_send_queue_send) {
  uvk_message m = {nullptr, 0, "v", 1, -1, -1, nullptr, 0};
  expect(uvk_send_queue_send(nullptr, "t", &m, 1, nullptr, 0, send_cb, nullptr), UVK_EINVAL);
  Rig r;
  uvk_send_queue *q = nullptr;
  REQUIRE(uvk_send_queue_new(r.producer, nullptr, &q) == 0);
  expect(uvk_send_queue_send(q, nullptr, &m, 1, nullptr, 0, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_send_queue_send(q, "", &m, 1, nullptr, 0, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_send_queue_send(q, "t", nullptr, 1, nullptr, 0, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_send_queue_send(q, "t", &m, 0, nullptr, 0, send_cb, nullptr), UVK_EINVAL);
  expect(uvk_send_queue_send(q, "t", &m, 1, nullptr, 0, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_send_queue_send(q, "t", &m, 1, nullptr, 5, send_cb, nullptr), UVK_ESTATE);  // a wait on the loop thread
  uvk_send_queue_release(q);
}
BAD_INPUT(uvk_send_queue_get_stats) {
  uvk_send_queue_stats st;
  memset(&st, 0, sizeof st);
  st.struct_size = sizeof st;
  expect(uvk_send_queue_get_stats(nullptr, &st), UVK_EINVAL);
  Rig r;
  uvk_send_queue *q = nullptr;
  REQUIRE(uvk_send_queue_new(r.producer, nullptr, &q) == 0);
  expect(uvk_send_queue_get_stats(q, nullptr), UVK_EINVAL);
  uvk_send_queue_stats small;
  memset(&small, 0, sizeof small);
  small.struct_size = 1;
  expect(uvk_send_queue_get_stats(q, &small), UVK_EINVAL);
  REQUIRE(uvk_send_queue_get_stats(q, &st) == 0);
  CHECK(st.sends == 0);
  uvk_send_queue_release(q);
}
BAD_INPUT(uvk_send_queue_release) { touches_nothing([] { uvk_send_queue_release(nullptr); }); }
BAD_INPUT(uvk_producer_buffered_bytes) { CHECK(uvk_producer_buffered_bytes(nullptr) == 0); }

// ---- consumer -------------------------------------------------------------------------------

BAD_INPUT(uvk_run_options_init) {
  touches_nothing([] { uvk_run_options_init(nullptr); });
  uvk_run_options o;
  memset(&o, 0xab, sizeof o);
  uvk_run_options_init(&o);
  CHECK(o.struct_size == sizeof o);
}

BAD_INPUT(uvk_consumer_new) {
  uvk_consumer *c = nullptr;
  Rig r;
  uvk_config *cfg = uvk_config_new();
  expect(uvk_consumer_new(nullptr, cfg, &c), UVK_EINVAL);
  expect(uvk_consumer_new(r.client, nullptr, &c), UVK_EINVAL);
  expect(uvk_consumer_new(r.client, cfg, nullptr), UVK_EINVAL);
  expect(uvk_consumer_new(r.client, cfg, &c), UVK_EINVAL);  // no groupId
  CHECK(c == nullptr);
  // A group id that is not UTF-8 goes to the broker as it is: accepted, no crash.
  REQUIRE(uvk_config_set_str(cfg, "groupId", kBadUtf8) == 0);
  REQUIRE(uvk_consumer_new(r.client, cfg, &c) == 0);
  uvk_consumer_free(c);
  c = nullptr;
  r.disconnect();
  expect(uvk_consumer_new(r.client, cfg, &c), UVK_ECLOSED);
  uvk_config_free(cfg);
}
// ---- the share consumer (uvk_share.h) --------------------------------------------------
namespace {
// A share consumer over the rig's client (its broker refuses every connection).
uvk_share_consumer *new_share(Rig &r) {
  uvk_config *cfg = unreachable_config();
  REQUIRE(uvk_config_set_str(cfg, "groupId", "uvk-bad-input-share") == 0);
  uvk_share_consumer *s = nullptr;
  REQUIRE(uvk_share_consumer_new(r.client, cfg, &s) == 0);
  uvk_config_free(cfg);
  return s;
}
int share_record(uvk_share_consumer *, const uvk_share_record *, void *) { return 0; }
}  // namespace

BAD_INPUT(uvk_share_run_options_init) {
  touches_nothing([] { uvk_share_run_options_init(nullptr); });
  uvk_share_run_options o;
  memset(&o, 0xab, sizeof o);
  uvk_share_run_options_init(&o);
  CHECK(o.struct_size == sizeof o);
  CHECK(o.max_records == 500);
  CHECK(o.each_record == nullptr);
}
BAD_INPUT(uvk_share_consumer_new) {
  uvk_share_consumer *s = nullptr;
  Rig r;
  uvk_config *cfg = uvk_config_new();
  expect(uvk_share_consumer_new(nullptr, cfg, &s), UVK_EINVAL);
  expect(uvk_share_consumer_new(r.client, nullptr, &s), UVK_EINVAL);
  expect(uvk_share_consumer_new(r.client, cfg, nullptr), UVK_EINVAL);
  expect(uvk_share_consumer_new(r.client, cfg, &s), UVK_EINVAL);  // no groupId
  CHECK(s == nullptr);
  uvk_config_free(cfg);
  r.disconnect();
  cfg = unreachable_config();
  REQUIRE(uvk_config_set_str(cfg, "groupId", "g") == 0);
  expect(uvk_share_consumer_new(r.client, cfg, &s), UVK_ECLOSED);
  uvk_config_free(cfg);
}
BAD_INPUT(uvk_share_consumer_free) { touches_nothing([] { uvk_share_consumer_free(nullptr); }); }
BAD_INPUT(uvk_share_consumer_subscribe) {
  expect(uvk_share_consumer_subscribe(nullptr, "t"), UVK_EINVAL);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  expect(uvk_share_consumer_subscribe(s, nullptr), UVK_EINVAL);
  expect(uvk_share_consumer_subscribe(s, ""), UVK_EINVAL);
  for (const char *bad : {kBadUtf8, kOverlong, "a b", "a/b"}) {
    INFO(bad);
    expect(uvk_share_consumer_subscribe(s, bad), UVK_EINVAL);
  }
  REQUIRE(uvk_share_consumer_subscribe(s, "t") == 0);
  uvk_share_run_options o;
  uvk_share_run_options_init(&o);
  o.each_record = share_record;
  REQUIRE(uvk_share_consumer_run(s, &o) == 0);
  expect(uvk_share_consumer_subscribe(s, "u"), UVK_ESTATE);  // running
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_run) {
  uvk_share_run_options o;
  uvk_share_run_options_init(&o);
  o.each_record = share_record;
  expect(uvk_share_consumer_run(nullptr, &o), UVK_EINVAL);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  expect(uvk_share_consumer_run(s, nullptr), UVK_EINVAL);
  expect(uvk_share_consumer_run(s, &o), UVK_EINVAL);  // nothing subscribed
  REQUIRE(uvk_share_consumer_subscribe(s, "t") == 0);
  uvk_share_run_options both = o;
  both.each_batch = [](uvk_share_consumer *, const uvk_share_batch *, void *) { return 0; };
  expect(uvk_share_consumer_run(s, &both), UVK_EINVAL);  // exactly one handler
  uvk_share_run_options none = o;
  none.each_record = nullptr;
  expect(uvk_share_consumer_run(s, &none), UVK_EINVAL);
  uvk_share_run_options zero = o;
  zero.max_records = 0;
  expect(uvk_share_consumer_run(s, &zero), UVK_EINVAL);
  uvk_share_run_options small = o;
  small.struct_size = 3;
  expect(uvk_share_consumer_run(s, &small), UVK_EINVAL);  // never initialised
  uvk_share_run_options big = o;
  big.struct_size = sizeof big + 8;
  expect(uvk_share_consumer_run(s, &big), UVK_EUNSUPPORTED);  // a newer header
  REQUIRE(uvk_share_consumer_run(s, &o) == 0);
  expect(uvk_share_consumer_run(s, &o), UVK_ESTATE);
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_ack) {
  expect(uvk_share_ack(nullptr, "t", 0, 0, UVK_SHARE_ACCEPT), UVK_EINVAL);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  expect(uvk_share_ack(s, nullptr, 0, 0, UVK_SHARE_ACCEPT), UVK_EINVAL);
  expect(uvk_share_ack(s, "t", 0, 0, 0), UVK_EINVAL);   // GAP is the library's own
  expect(uvk_share_ack(s, "t", 0, 0, 5), UVK_EINVAL);
  expect(uvk_share_ack(s, "t", 0, 0, UVK_SHARE_ACCEPT), UVK_ENOTFOUND);  // nothing delivered
  expect(uvk_share_ack(s, "t", -1, -5, UVK_SHARE_RENEW), UVK_ENOTFOUND);
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_held) {
  CHECK(uvk_share_consumer_held(nullptr) == 0);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  CHECK(uvk_share_consumer_held(s) == 0);
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_set_ack_cb) {
  expect(uvk_share_consumer_set_ack_cb(nullptr, nullptr, nullptr), UVK_EINVAL);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  CHECK(uvk_share_consumer_set_ack_cb(s, nullptr, nullptr) == 0);  // NULL: none
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_set_crash_cb) {
  expect(uvk_share_consumer_set_crash_cb(nullptr, nullptr, nullptr), UVK_EINVAL);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  CHECK(uvk_share_consumer_set_crash_cb(s, nullptr, nullptr) == 0);
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_close) {
  expect(uvk_share_consumer_close(nullptr, nullptr, nullptr), UVK_EINVAL);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  bool done = false;
  int code = 1;
  struct Ctx {
    bool *done;
    int *code;
  } ctx{&done, &code};
  // Never run: the close completes on the loop's next turn, not inside the call.
  REQUIRE(uvk_share_consumer_close(s, [](uvk_share_consumer *, const uvk_error *e, void *ud) {
    Ctx *c = static_cast<Ctx *>(ud);
    *c->done = true;
    *c->code = e ? uvk_error_code(e) : 0;
  }, &ctx) == 0);
  CHECK(!done);
  expect(uvk_share_consumer_close(s, nullptr, nullptr), UVK_ESTATE);  // one close at a time
  r.run_until(&done);
  CHECK(code == 0);
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_member_id) {
  CHECK(strcmp(uvk_share_consumer_member_id(nullptr), "") == 0);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  CHECK(strcmp(uvk_share_consumer_member_id(s), "") == 0);  // made at run
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_member_epoch) {
  CHECK(uvk_share_consumer_member_epoch(nullptr) == -1);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  CHECK(uvk_share_consumer_member_epoch(s) == 0);
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_assignment) {
  CHECK(uvk_share_consumer_assignment(nullptr, nullptr, 0) == 0);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  CHECK(uvk_share_consumer_assignment(s, nullptr, 5) == 0);  // NULL out with a capacity
  uvk_topic_partition tp[2];
  CHECK(uvk_share_consumer_assignment(s, tp, 2) == 0);
  uvk_share_consumer_free(s);
}

BAD_INPUT(uvk_consumer_free) { touches_nothing([] { uvk_consumer_free(nullptr); }); }
BAD_INPUT(uvk_consumer_subscribe) {
  expect(uvk_consumer_subscribe(nullptr, "t", 0), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_subscribe(r.consumer, nullptr, 0), UVK_EINVAL);
  expect(uvk_consumer_subscribe(r.consumer, "", 0), UVK_EINVAL);
  std::string long_name(250, 'a');
  expect(uvk_consumer_subscribe(r.consumer, long_name.c_str(), 0), UVK_EINVAL);
  for (const char *bad : {kBadUtf8, kOverlong, "a b", "a/b", "caf\xc3\xa9"}) {
    INFO(bad);
    expect(uvk_consumer_subscribe(r.consumer, bad, 0), UVK_EINVAL);
  }
}
BAD_INPUT(uvk_consumer_subscribe_pattern) {
  expect(uvk_consumer_subscribe_pattern(nullptr, "t.*", 0), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_subscribe_pattern(r.consumer, nullptr, 0), UVK_EINVAL);
  expect(uvk_consumer_subscribe_pattern(r.consumer, "", 0), UVK_EINVAL);
  expect(uvk_consumer_subscribe_pattern(r.consumer, "(", 0), UVK_EINVAL);
  expect(uvk_consumer_subscribe_pattern(r.consumer, "[a-", 0), UVK_EINVAL);
  std::string long_pattern(1025, 'a');
  expect(uvk_consumer_subscribe_pattern(r.consumer, long_pattern.c_str(), 0), UVK_EINVAL);
}

// run, then every call that is only allowed before it; stop; stop again.
BAD_INPUT(uvk_consumer_run) {
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.each_message = each_message;
  expect(uvk_consumer_run(nullptr, &o), UVK_EINVAL);
  Rig r;
  uvk_consumer *c = r.consumer;
  expect(uvk_consumer_run(c, nullptr), UVK_EINVAL);
  expect(uvk_consumer_run(c, &o), UVK_EINVAL);  // nothing subscribed
  REQUIRE(uvk_consumer_subscribe(c, "t", 1) == 0);
  uvk_run_options both = o;
  both.each_batch = [](uvk_consumer *, const uvk_batch *, void *) { return 0; };
  expect(uvk_consumer_run(c, &both), UVK_EINVAL);  // exactly one handler
  uvk_run_options none = o;
  none.each_message = nullptr;
  expect(uvk_consumer_run(c, &none), UVK_EINVAL);
  REQUIRE(uvk_consumer_run(c, &o) == 0);
  expect(uvk_consumer_run(c, &o), UVK_ESTATE);
  expect(uvk_consumer_subscribe(c, "u", 0), UVK_ESTATE);
  expect(uvk_consumer_subscribe_pattern(c, "u.*", 0), UVK_ESTATE);
  expect(uvk_consumer_add_assigner(c, "X", 0, nullptr, 0, assign_fn, nullptr), UVK_ESTATE);
  CHECK(uvk_consumer_is_running(c) == 1);
  bool stopped = false;
  REQUIRE(uvk_consumer_stop(c, [](uvk_consumer *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
  }, &stopped) == 0);
  expect(uvk_consumer_stop(c, consumer_cb, nullptr), UVK_ESTATE);
  r.run_until(&stopped);
  r.disconnect();
  expect(uvk_consumer_run(c, &o), UVK_ECLOSED);
}
BAD_INPUT(uvk_consumer_stop) {
  expect(uvk_consumer_stop(nullptr, consumer_cb, nullptr), UVK_EINVAL);
  Rig r;
  bool stopped = false;
  // Never run: stop still completes (once), with a NULL callback allowed on the second try.
  REQUIRE(uvk_consumer_stop(r.consumer, [](uvk_consumer *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
  }, &stopped) == 0);
  expect(uvk_consumer_stop(r.consumer, nullptr, nullptr), UVK_ESTATE);
  r.run_until(&stopped);
}
BAD_INPUT(uvk_consumer_disconnect) {
  expect(uvk_consumer_disconnect(nullptr, consumer_cb, nullptr), UVK_EINVAL);
  Rig r;
  bool stopped = false;
  REQUIRE(uvk_consumer_disconnect(r.consumer, [](uvk_consumer *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
  }, &stopped) == 0);
  expect(uvk_consumer_disconnect(r.consumer, consumer_cb, nullptr), UVK_ESTATE);
  r.run_until(&stopped);
}
BAD_INPUT(uvk_consumer_set_crash_cb) { expect(uvk_consumer_set_crash_cb(nullptr, consumer_cb, nullptr), UVK_EINVAL); }
BAD_INPUT(uvk_consumer_set_rebalance_listener) {
  expect(uvk_consumer_set_rebalance_listener(nullptr, nullptr, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_set_rebalance_listener(r.consumer, nullptr, nullptr), 0);  // none
}
BAD_INPUT(uvk_consumer_rebalance_done) {
  expect(uvk_consumer_rebalance_done(nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_rebalance_done(r.consumer), UVK_ENOTFOUND);  // no listener call pending
}
BAD_INPUT(uvk_consumer_done) {
  expect(uvk_consumer_done(nullptr, "t", 0, 0), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_done(r.consumer, nullptr, 0, 0), UVK_EINVAL);
  expect(uvk_consumer_done(r.consumer, "t", -1, 0), UVK_ENOTFOUND);  // nothing pending
  expect(uvk_consumer_done(r.consumer, kBadUtf8, 0, 0), UVK_ENOTFOUND);
}
BAD_INPUT(uvk_consumer_resolve_offset) {
  expect(uvk_consumer_resolve_offset(nullptr, "t", 0, 0), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_resolve_offset(r.consumer, nullptr, 0, 0), UVK_EINVAL);
  expect(uvk_consumer_resolve_offset(r.consumer, "t", 0, -1), UVK_EINVAL);
  expect(uvk_consumer_resolve_offset(r.consumer, "t", -1, 0), UVK_ENOTFOUND);  // not assigned
}
BAD_INPUT(uvk_consumer_commit_offsets_if_necessary) {
  expect(uvk_consumer_commit_offsets_if_necessary(nullptr), UVK_EINVAL);
  Rig r;
  CHECK(uvk_consumer_commit_offsets_if_necessary(r.consumer) == 0);  // not a member: nothing to do
}
BAD_INPUT(uvk_consumer_commit_offsets) {
  uvk_topic_partition_offset o = {"t", 0, 1};
  expect(uvk_consumer_commit_offsets(nullptr, &o, 1, consumer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_commit_offsets(r.consumer, nullptr, 1, consumer_cb, nullptr), UVK_EINVAL);
  expect(uvk_consumer_commit_offsets(r.consumer, &o, 0, consumer_cb, nullptr), UVK_EINVAL);
  uvk_topic_partition_offset bad[] = {{nullptr, 0, 1}, {"t", -1, 1}, {"t", 0, -1}};
  for (const auto &b : bad) expect(uvk_consumer_commit_offsets(r.consumer, &b, 1, consumer_cb, nullptr), UVK_EINVAL);
  expect(uvk_consumer_commit_offsets(r.consumer, &o, 5000, consumer_cb, nullptr), UVK_EINVAL);  // over 4096
  // Before the consumer joined there is no group coordinator to commit to.
  bool called = false;
  expect(uvk_consumer_commit_offsets(r.consumer, &o, 1, [](uvk_consumer *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
  }, &called), UVK_ENOTFOUND);
  uv_run(&r.loop, UV_RUN_NOWAIT);
  CHECK_FALSE(called);  // a call that returns an error never calls back
}
BAD_INPUT(uvk_consumer_seek) {
  expect(uvk_consumer_seek(nullptr, "t", 0, 0), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_seek(r.consumer, nullptr, 0, 0), UVK_EINVAL);
  expect(uvk_consumer_seek(r.consumer, "t", -1, 0), UVK_EINVAL);
  expect(uvk_consumer_seek(r.consumer, "t", 0, -1), UVK_EINVAL);
  expect(uvk_consumer_seek(r.consumer, "t", 0, 0), UVK_ESTATE);  // before run
}
BAD_INPUT(uvk_consumer_pause) {
  int32_t parts[] = {0, -1};
  expect(uvk_consumer_pause(nullptr, "t", nullptr, 0), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_pause(r.consumer, nullptr, nullptr, 0), UVK_EINVAL);
  expect(uvk_consumer_pause(r.consumer, "", nullptr, 0), UVK_EINVAL);
  expect(uvk_consumer_pause(r.consumer, "t", nullptr, 2), UVK_EINVAL);
  expect(uvk_consumer_pause(r.consumer, "t", parts, 2), UVK_EINVAL);  // a negative partition
  expect(uvk_consumer_pause(r.consumer, "t", parts, SIZE_MAX), UVK_EINVAL);
}
BAD_INPUT(uvk_consumer_resume) {
  int32_t parts[] = {-5};
  expect(uvk_consumer_resume(nullptr, "t", nullptr, 0), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_resume(r.consumer, nullptr, nullptr, 0), UVK_EINVAL);
  expect(uvk_consumer_resume(r.consumer, "t", nullptr, 1), UVK_EINVAL);
  expect(uvk_consumer_resume(r.consumer, "t", parts, 1), UVK_EINVAL);
}
BAD_INPUT(uvk_consumer_is_paused) {
  CHECK(uvk_consumer_is_paused(nullptr, "t", 0) == 0);
  Rig r;
  CHECK(uvk_consumer_is_paused(r.consumer, nullptr, 0) == 0);
  CHECK(uvk_consumer_is_paused(r.consumer, "t", -1) == 0);
}
BAD_INPUT(uvk_consumer_is_running) { CHECK(uvk_consumer_is_running(nullptr) == 0); }
BAD_INPUT(uvk_consumer_is_stale) {
  CHECK(uvk_consumer_is_stale(nullptr, "t", 0) == 1);
  Rig r;
  CHECK(uvk_consumer_is_stale(r.consumer, nullptr, 0) == 1);
}
BAD_INPUT(uvk_consumer_heartbeat) { expect(uvk_consumer_heartbeat(nullptr), UVK_EINVAL); }
BAD_INPUT(uvk_consumer_assignment) {
  CHECK(uvk_consumer_assignment(nullptr, nullptr, 0) == 0);
  Rig r;
  CHECK(uvk_consumer_assignment(r.consumer, nullptr, 5) == 0);  // NULL out with a capacity
}
BAD_INPUT(uvk_consumer_position) {
  int64_t pos = 7, hw = 7;
  expect(uvk_consumer_position(nullptr, "t", 0, &pos, &hw), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_position(r.consumer, nullptr, 0, &pos, &hw), UVK_EINVAL);
  expect(uvk_consumer_position(r.consumer, "t", -1, nullptr, nullptr), UVK_ENOTFOUND);
  CHECK(pos == 7);
  CHECK(hw == 7);
}
BAD_INPUT(uvk_consumer_add_assigner) {
  expect(uvk_consumer_add_assigner(nullptr, "X", 0, nullptr, 0, assign_fn, nullptr), UVK_EINVAL);
  Rig r;
  uvk_consumer *c = r.consumer;
  expect(uvk_consumer_add_assigner(c, nullptr, 0, nullptr, 0, assign_fn, nullptr), UVK_EINVAL);
  expect(uvk_consumer_add_assigner(c, "", 0, nullptr, 0, assign_fn, nullptr), UVK_EINVAL);
  expect(uvk_consumer_add_assigner(c, "X", 0, nullptr, 0, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_consumer_add_assigner(c, "X", -1, nullptr, 0, assign_fn, nullptr), UVK_EINVAL);
  expect(uvk_consumer_add_assigner(c, "X", 40000, nullptr, 0, assign_fn, nullptr), UVK_EINVAL);
  expect(uvk_consumer_add_assigner(c, "X", 0, nullptr, 10, assign_fn, nullptr), UVK_EINVAL);
  REQUIRE(uvk_consumer_add_assigner(c, "X", 0, nullptr, 0, assign_fn, nullptr) == 0);
  expect(uvk_consumer_add_assigner(c, "X", 0, nullptr, 0, assign_fn, nullptr), UVK_EINVAL);  // twice
}
// A builder exists only inside an assign callback; outside, NULL is all a caller has.
BAD_INPUT(uvk_assignment_set) {
  expect(uvk_assignment_set(nullptr, "m", "x", 1), UVK_EINVAL);
  expect(uvk_assignment_set(nullptr, nullptr, nullptr, 0), UVK_EINVAL);
}
BAD_INPUT(uvk_assignment_set_partitions) {
  uvk_topic_partition tp = {"t", 0};
  expect(uvk_assignment_set_partitions(nullptr, "m", 0, &tp, 1, nullptr, 0), UVK_EINVAL);
  expect(uvk_assignment_set_partitions(nullptr, nullptr, 0, nullptr, 1, nullptr, 5), UVK_EINVAL);
}
BAD_INPUT(uvk_member_metadata_decode) {
  int err = 0;
  CHECK(uvk_member_metadata_decode(nullptr, 10, &err) == nullptr);
  expect(err, UVK_EINVAL);
  CHECK(uvk_member_metadata_decode(nullptr, 10, nullptr) == nullptr);  // err may be NULL
  const uint8_t garbage[] = {0x00, 0x01, 0x7f, 0xff, 0xff, 0xff};  // topic count -1 then nothing
  err = 0;
  CHECK(uvk_member_metadata_decode(garbage, sizeof garbage, &err) == nullptr);
  CHECK(err < 0);
  const uint8_t huge_count[] = {0x00, 0x00, 0x7f, 0xff, 0xff, 0xff};
  err = 0;
  CHECK(uvk_member_metadata_decode(huge_count, sizeof huge_count, &err) == nullptr);
  CHECK(err < 0);
}
BAD_INPUT(uvk_member_metadata_free) { touches_nothing([] { uvk_member_metadata_free(nullptr); }); }
BAD_INPUT(uvk_member_assignment_decode) {
  int err = 0;
  CHECK(uvk_member_assignment_decode(nullptr, 3, &err) == nullptr);
  expect(err, UVK_EINVAL);
  const uint8_t truncated[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x05, 't'};
  err = 0;
  CHECK(uvk_member_assignment_decode(truncated, sizeof truncated, &err) == nullptr);
  CHECK(err < 0);
}
BAD_INPUT(uvk_member_assignment_free) { touches_nothing([] { uvk_member_assignment_free(nullptr); }); }
BAD_INPUT(uvk_consumer_describe_group) {
  expect(uvk_consumer_describe_group(nullptr, describe_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_describe_group(r.consumer, nullptr, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_consumer_member_id) { CHECK(strcmp(uvk_consumer_member_id(nullptr), "") == 0); }
BAD_INPUT(uvk_consumer_generation) { CHECK(uvk_consumer_generation(nullptr) == -1); }
BAD_INPUT(uvk_consumer_group_metadata) {
  uvk_group_metadata g;
  CHECK(uvk_consumer_group_metadata(nullptr, &g) == UVK_EINVAL);
  Rig r;
  CHECK(uvk_consumer_group_metadata(r.consumer, nullptr) == UVK_EINVAL);
  REQUIRE(uvk_consumer_group_metadata(r.consumer, &g) == 0);
  CHECK(std::string(g.group_id) == "uvk-bad-input");
  CHECK(std::string(g.member_id).empty());  // never joined
  CHECK(g.generation_id == -1);
  CHECK(g.group_instance_id == nullptr);
}
BAD_INPUT(uvk_consumer_on) {
  CHECK(uvk_consumer_on(nullptr, UVK_EVENT_GROUP_JOIN, event_fn, nullptr) == UVK_EINVAL);
  Rig r;
  CHECK(uvk_consumer_on(r.consumer, UVK_EVENT_GROUP_JOIN, nullptr, nullptr) == UVK_EINVAL);
  CHECK(uvk_consumer_on(r.consumer, 0, event_fn, nullptr) == UVK_EINVAL);
  CHECK(uvk_consumer_on(r.consumer, -3, event_fn, nullptr) == UVK_EINVAL);
  // The network events are its client's (uvk_client_on): refused here.
  for (int type = UVK_EVENT_CONNECT; type <= UVK_EVENT_REQUEST_QUEUE_SIZE; type++) {
    INFO(uvk_event_name(type));
    CHECK(uvk_consumer_on(r.consumer, type, event_fn, nullptr) == UVK_EINVAL);
  }
  for (int type = UVK_EVENT_GROUP_JOIN; type < UVK_EVENT_TYPE_LAST_; type++)
    CHECK(uvk_consumer_on(r.consumer, type, event_fn, nullptr) > 0);
}
BAD_INPUT(uvk_consumer_off) {
  expect(uvk_consumer_off(nullptr, 1), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_off(r.consumer, 0), UVK_EINVAL);
  expect(uvk_consumer_off(r.consumer, -1), UVK_EINVAL);
  expect(uvk_consumer_off(r.consumer, 999), UVK_ENOTFOUND);
}

// ---- admin -----------------------------------------------------------------------------------

BAD_INPUT(uvk_admin_new) {
  uvk_admin *a = nullptr;
  expect(uvk_admin_new(nullptr, nullptr, &a), UVK_EINVAL);
  Rig r;
  expect(uvk_admin_new(r.client, nullptr, nullptr), UVK_EINVAL);
  r.disconnect();
  expect(uvk_admin_new(r.client, nullptr, &a), UVK_ECLOSED);
  CHECK(a == nullptr);
}
BAD_INPUT(uvk_admin_free) { touches_nothing([] { uvk_admin_free(nullptr); }); }
BAD_INPUT(uvk_admin_on) {
  CHECK(uvk_admin_on(nullptr, UVK_EVENT_CONNECT, event_fn, nullptr) == UVK_EINVAL);
  Rig r;
  CHECK(uvk_admin_on(r.admin, UVK_EVENT_CONNECT, nullptr, nullptr) == UVK_EINVAL);
  CHECK(uvk_admin_on(r.admin, UVK_EVENT_GROUP_JOIN, event_fn, nullptr) == UVK_EINVAL);  // a consumer event
  CHECK(uvk_admin_on(r.admin, 0, event_fn, nullptr) == UVK_EINVAL);
}
BAD_INPUT(uvk_admin_off) {
  expect(uvk_admin_off(nullptr, 1), UVK_EINVAL);
  Rig r;
  expect(uvk_admin_off(r.admin, 0), UVK_EINVAL);
  expect(uvk_admin_off(r.admin, 77), UVK_ENOTFOUND);
}
BAD_INPUT(uvk_admin_new_topic_init) {
  touches_nothing([] { uvk_admin_new_topic_init(nullptr, "t"); });
  uvk_admin_new_topic t;
  memset(&t, 0xab, sizeof t);
  uvk_admin_new_topic_init(&t, nullptr);  // a NULL name is stored as given
  CHECK(t.topic == nullptr);
  CHECK(t.num_partitions == -1);
  CHECK(t.replication_factor == -1);
  CHECK(t.replica_assignment == nullptr);
  CHECK(t.config_entries == nullptr);
}
BAD_INPUT(uvk_admin_topic_options_init) {
  touches_nothing([] { uvk_admin_topic_options_init(nullptr); });
  uvk_admin_topic_options o;
  memset(&o, 0xab, sizeof o);
  uvk_admin_topic_options_init(&o);
  CHECK(o.struct_size == sizeof o);
  CHECK(o.timeout == 5000);
}
BAD_INPUT(uvk_acl_filter_init) {
  touches_nothing([] { uvk_acl_filter_init(nullptr); });
  uvk_acl f;
  memset(&f, 0xab, sizeof f);
  uvk_acl_filter_init(&f);
  CHECK(f.resource_type == UVK_ACL_RESOURCE_ANY);
  CHECK(f.resource_name == nullptr);
  CHECK(f.principal == nullptr);
}

// Every admin operation: NULL admin EINVAL, NULL callback EINVAL, NULL / empty arrays and
// names EINVAL, and ECLOSED once the client disconnected. `call` runs it on an admin with
// the callback given or not.
namespace {
template <typename Call>
void admin_basics(Call call) {
  expect(call(nullptr, true), UVK_EINVAL);
  Rig r;
  expect(call(r.admin, false), UVK_EINVAL);
  r.disconnect();
  expect(call(r.admin, true), UVK_ECLOSED);
}
}  // namespace

BAD_INPUT(uvk_admin_create_topics) {
  uvk_admin_new_topic t;
  uvk_admin_new_topic_init(&t, "t");
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_create_topics(a, &t, 1, nullptr, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_create_topics(r.admin, nullptr, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_create_topics(r.admin, &t, 0, nullptr, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_new_topic bad = t;
  bad.topic = nullptr;
  expect(uvk_admin_create_topics(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  bad.topic = "";
  expect(uvk_admin_create_topics(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  bad = t;
  bad.n_replica_assignment = 2;  // array NULL
  expect(uvk_admin_create_topics(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_replica_assignment ra = {0, nullptr, 3};
  bad.replica_assignment = &ra;
  bad.n_replica_assignment = 1;
  expect(uvk_admin_create_topics(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  bad = t;
  bad.n_config_entries = 1;
  expect(uvk_admin_create_topics(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_config_entry ce = {nullptr, "v"};
  bad.config_entries = &ce;
  expect(uvk_admin_create_topics(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_delete_topics) {
  const char *names[] = {"t", nullptr, ""};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_delete_topics(a, names, 1, nullptr, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_delete_topics(r.admin, nullptr, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_topics(r.admin, names, 0, nullptr, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_topics(r.admin, names + 1, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_topics(r.admin, names + 2, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_create_partitions) {
  uvk_admin_new_partitions np = {"t", 3, nullptr, 0};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_create_partitions(a, &np, 1, nullptr, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_create_partitions(r.admin, nullptr, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_new_partitions bad = {nullptr, 3, nullptr, 0};
  expect(uvk_admin_create_partitions(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  bad = {"t", -1, nullptr, 0};
  expect(uvk_admin_create_partitions(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
  bad = {"t", 3, nullptr, 2};
  expect(uvk_admin_create_partitions(r.admin, &bad, 1, nullptr, results_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_list_topics) {
  admin_basics([&](uvk_admin *a, bool cb) { return uvk_admin_list_topics(a, cb ? names_cb : nullptr, nullptr); });
}
BAD_INPUT(uvk_admin_fetch_topic_metadata) {
  const char *names[] = {"t", nullptr, ""};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_fetch_topic_metadata(a, names, 1, cb ? admin_md_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_fetch_topic_metadata(r.admin, nullptr, 2, admin_md_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_topic_metadata(r.admin, names + 1, 1, admin_md_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_topic_metadata(r.admin, names + 2, 1, admin_md_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_describe_cluster) {
  admin_basics([&](uvk_admin *a, bool cb) { return uvk_admin_describe_cluster(a, cb ? admin_md_cb : nullptr, nullptr); });
}
BAD_INPUT(uvk_admin_fetch_topic_offsets) {
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_fetch_topic_offsets(a, "t", cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_fetch_topic_offsets(r.admin, nullptr, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_topic_offsets(r.admin, "", offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_fetch_topic_offsets_by_timestamp) {
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_fetch_topic_offsets_by_timestamp(a, "t", 0, cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_fetch_topic_offsets_by_timestamp(r.admin, nullptr, 0, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_topic_offsets_by_timestamp(r.admin, "", 0, offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_fetch_offsets) {
  const char *names[] = {"t", nullptr};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_fetch_offsets(a, "g", names, 1, 0, cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_fetch_offsets(r.admin, nullptr, names, 1, 0, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_offsets(r.admin, "", names, 1, 0, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_offsets(r.admin, "g", nullptr, 1, 0, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_offsets(r.admin, "g", names, 2, 0, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_fetch_offsets(r.admin, "g", names, 65, 0, offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_set_offsets) {
  uvk_admin_seek s = {0, 1};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_set_offsets(a, "g", "t", &s, 1, cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_set_offsets(r.admin, nullptr, "t", &s, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_set_offsets(r.admin, "g", nullptr, &s, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_set_offsets(r.admin, "g", "t", nullptr, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_set_offsets(r.admin, "g", "t", &s, 0, offsets_cb, nullptr), UVK_EINVAL);
  uvk_admin_seek neg = {-1, 1};
  expect(uvk_admin_set_offsets(r.admin, "g", "t", &neg, 1, offsets_cb, nullptr), UVK_EINVAL);
  neg = {0, -1};
  expect(uvk_admin_set_offsets(r.admin, "g", "t", &neg, 1, offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_reset_offsets) {
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_reset_offsets(a, "g", "t", 1, cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_reset_offsets(r.admin, nullptr, "t", 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_reset_offsets(r.admin, "g", nullptr, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_reset_offsets(r.admin, "g", "", 1, offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_delete_topic_records) {
  uvk_admin_seek s = {0, -1};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_delete_topic_records(a, "t", &s, 1, cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_delete_topic_records(r.admin, nullptr, &s, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_topic_records(r.admin, "t", nullptr, 1, offsets_cb, nullptr), UVK_EINVAL);
  uvk_admin_seek neg = {-1, 0};
  expect(uvk_admin_delete_topic_records(r.admin, "t", &neg, 1, offsets_cb, nullptr), UVK_EINVAL);
  neg = {0, -2};
  expect(uvk_admin_delete_topic_records(r.admin, "t", &neg, 1, offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_list_groups) {
  admin_basics([&](uvk_admin *a, bool cb) { return uvk_admin_list_groups(a, cb ? groups_cb : nullptr, nullptr); });
}
BAD_INPUT(uvk_admin_describe_groups) {
  const char *ids[] = {"g", nullptr, ""};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_describe_groups(a, ids, 1, cb ? groups_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_describe_groups(r.admin, nullptr, 1, groups_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_groups(r.admin, ids, 0, groups_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_groups(r.admin, ids + 1, 1, groups_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_groups(r.admin, ids + 2, 1, groups_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_delete_groups) {
  const char *ids[] = {"g", nullptr, ""};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_delete_groups(a, ids, 1, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_delete_groups(r.admin, nullptr, 1, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_groups(r.admin, ids + 1, 1, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_groups(r.admin, ids + 2, 1, results_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_describe_share_groups) {
  const char *ids[] = {"g", nullptr, ""};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_describe_share_groups(a, ids, 1, cb ? groups_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_describe_share_groups(r.admin, nullptr, 1, groups_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_share_groups(r.admin, ids, 0, groups_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_share_groups(r.admin, ids + 1, 1, groups_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_share_groups(r.admin, ids + 2, 1, groups_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_describe_share_group_offsets) {
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_describe_share_group_offsets(a, "g", nullptr, cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_describe_share_group_offsets(r.admin, nullptr, "t", offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_share_group_offsets(r.admin, "", "t", offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_share_group_offsets(r.admin, "g", "", offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_alter_share_group_offsets) {
  uvk_admin_seek s{0, 5};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_alter_share_group_offsets(a, "g", "t", &s, 1, cb ? offsets_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_alter_share_group_offsets(r.admin, nullptr, "t", &s, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_alter_share_group_offsets(r.admin, "g", nullptr, &s, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_alter_share_group_offsets(r.admin, "g", "", &s, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_alter_share_group_offsets(r.admin, "g", "t", nullptr, 1, offsets_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_alter_share_group_offsets(r.admin, "g", "t", &s, 0, offsets_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_delete_share_group_offsets) {
  const char *topics[] = {"t", nullptr, ""};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_delete_share_group_offsets(a, "g", topics, 1, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_delete_share_group_offsets(r.admin, nullptr, topics, 1, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_share_group_offsets(r.admin, "g", nullptr, 1, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_share_group_offsets(r.admin, "g", topics, 0, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_share_group_offsets(r.admin, "g", topics + 1, 1, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_share_group_offsets(r.admin, "g", topics + 2, 1, results_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_describe_configs) {
  uvk_admin_config_resource res;
  memset(&res, 0, sizeof res);
  res.type = UVK_RESOURCE_TOPIC;
  res.name = "t";
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_describe_configs(a, &res, 1, 0, cb ? configs_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_describe_configs(r.admin, nullptr, 1, 0, configs_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_configs(r.admin, &res, 0, 0, configs_cb, nullptr), UVK_EINVAL);
  uvk_admin_config_resource bad = res;
  bad.name = nullptr;
  expect(uvk_admin_describe_configs(r.admin, &bad, 1, 0, configs_cb, nullptr), UVK_EINVAL);
  bad = res;
  bad.type = -1;
  expect(uvk_admin_describe_configs(r.admin, &bad, 1, 0, configs_cb, nullptr), UVK_EINVAL);
  bad = res;
  bad.type = UVK_RESOURCE_BROKER;
  bad.name = "not-a-number";
  expect(uvk_admin_describe_configs(r.admin, &bad, 1, 0, configs_cb, nullptr), UVK_EINVAL);
  bad = res;
  bad.n_config_names = 2;  // names NULL
  expect(uvk_admin_describe_configs(r.admin, &bad, 1, 0, configs_cb, nullptr), UVK_EINVAL);
  const char *null_name[] = {nullptr};
  bad.config_names = null_name;
  bad.n_config_names = 1;
  expect(uvk_admin_describe_configs(r.admin, &bad, 1, 0, configs_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_alter_configs) {
  uvk_admin_config_entry e = {"retention.ms", "1000"};
  uvk_admin_config_resource res;
  memset(&res, 0, sizeof res);
  res.type = UVK_RESOURCE_TOPIC;
  res.name = "t";
  res.config_entries = &e;
  res.n_config_entries = 1;
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_alter_configs(a, &res, 1, 0, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_alter_configs(r.admin, nullptr, 1, 0, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_config_resource bad = res;
  bad.config_entries = nullptr;
  expect(uvk_admin_alter_configs(r.admin, &bad, 1, 0, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_config_entry null_name = {nullptr, "x"};
  bad.config_entries = &null_name;
  expect(uvk_admin_alter_configs(r.admin, &bad, 1, 0, results_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_incremental_alter_configs) {
  uvk_admin_config_op op = {"retention.ms", "1000", UVK_CONFIG_SET};
  uvk_admin_config_change ch = {UVK_RESOURCE_TOPIC, "t", &op, 1};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_incremental_alter_configs(a, &ch, 1, 0, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_incremental_alter_configs(r.admin, nullptr, 1, 0, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_config_change bad = ch;
  bad.ops = nullptr;
  expect(uvk_admin_incremental_alter_configs(r.admin, &bad, 1, 0, results_cb, nullptr), UVK_EINVAL);
  bad = ch;
  bad.name = nullptr;
  expect(uvk_admin_incremental_alter_configs(r.admin, &bad, 1, 0, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_config_op bad_op = {nullptr, "1", UVK_CONFIG_SET};
  bad = ch;
  bad.ops = &bad_op;
  expect(uvk_admin_incremental_alter_configs(r.admin, &bad, 1, 0, results_cb, nullptr), UVK_EINVAL);
  bad_op = {"retention.ms", "1", 99};
  expect(uvk_admin_incremental_alter_configs(r.admin, &bad, 1, 0, results_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_alter_partition_reassignments) {
  int32_t replicas[] = {1};
  uvk_admin_reassignment ra = {"t", 0, replicas, 1};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_alter_partition_reassignments(a, &ra, 1, -1, cb ? partitions_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_alter_partition_reassignments(r.admin, nullptr, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
  uvk_admin_reassignment bad = {nullptr, 0, replicas, 1};
  expect(uvk_admin_alter_partition_reassignments(r.admin, &bad, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
  bad = {"t", -1, replicas, 1};
  expect(uvk_admin_alter_partition_reassignments(r.admin, &bad, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
  bad = {"t", 0, nullptr, 2};
  expect(uvk_admin_alter_partition_reassignments(r.admin, &bad, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_list_partition_reassignments) {
  uvk_admin_topic_partitions tp = {"t", nullptr, 0};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_list_partition_reassignments(a, &tp, 1, -1, cb ? reassignments_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_list_partition_reassignments(r.admin, nullptr, 1, -1, reassignments_cb, nullptr), UVK_EINVAL);
  uvk_admin_topic_partitions bad = {nullptr, nullptr, 0};
  expect(uvk_admin_list_partition_reassignments(r.admin, &bad, 1, -1, reassignments_cb, nullptr), UVK_EINVAL);
  bad = {"t", nullptr, 3};
  expect(uvk_admin_list_partition_reassignments(r.admin, &bad, 1, -1, reassignments_cb, nullptr), UVK_EINVAL);
  int32_t neg[] = {-1};
  bad = {"t", neg, 1};
  expect(uvk_admin_list_partition_reassignments(r.admin, &bad, 1, -1, reassignments_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_elect_leaders) {
  uvk_admin_topic_partitions tp = {"t", nullptr, 0};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_elect_leaders(a, UVK_ELECTION_PREFERRED, &tp, 1, -1, cb ? partitions_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_elect_leaders(r.admin, 7, &tp, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_elect_leaders(r.admin, -1, &tp, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_elect_leaders(r.admin, UVK_ELECTION_PREFERRED, nullptr, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
  int32_t neg[] = {-4};
  uvk_admin_topic_partitions bad = {"t", neg, 1};
  expect(uvk_admin_elect_leaders(r.admin, UVK_ELECTION_PREFERRED, &bad, 1, -1, partitions_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_delete_group_offsets) {
  uvk_admin_topic_partitions tp = {"t", nullptr, 0};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_delete_group_offsets(a, "g", &tp, cb ? partitions_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_delete_group_offsets(r.admin, nullptr, &tp, partitions_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_group_offsets(r.admin, "", &tp, partitions_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_group_offsets(r.admin, "g", nullptr, partitions_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_create_acls) {
  uvk_acl acl = {UVK_ACL_RESOURCE_TOPIC, "t", UVK_ACL_PATTERN_LITERAL, "User:a", "*", UVK_ACL_OP_READ,
                 UVK_ACL_PERMISSION_ALLOW};
  admin_basics([&](uvk_admin *a, bool cb) { return uvk_admin_create_acls(a, &acl, 1, cb ? acls_cb : nullptr, nullptr); });
  Rig r;
  expect(uvk_admin_create_acls(r.admin, nullptr, 1, acls_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_create_acls(r.admin, &acl, 0, acls_cb, nullptr), UVK_EINVAL);
  uvk_acl bad = acl;
  bad.resource_name = nullptr;  // a binding needs every string
  expect(uvk_admin_create_acls(r.admin, &bad, 1, acls_cb, nullptr), UVK_EINVAL);
  bad = acl;
  bad.principal = nullptr;
  expect(uvk_admin_create_acls(r.admin, &bad, 1, acls_cb, nullptr), UVK_EINVAL);
  bad = acl;
  bad.operation = UVK_ACL_OP_ANY;  // filters only
  expect(uvk_admin_create_acls(r.admin, &bad, 1, acls_cb, nullptr), UVK_EINVAL);
  bad = acl;
  bad.resource_type = 99;
  expect(uvk_admin_create_acls(r.admin, &bad, 1, acls_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_describe_acls) {
  uvk_acl f;
  uvk_acl_filter_init(&f);
  admin_basics([&](uvk_admin *a, bool cb) { return uvk_admin_describe_acls(a, &f, cb ? acls_cb : nullptr, nullptr); });
  Rig r;
  expect(uvk_admin_describe_acls(r.admin, nullptr, acls_cb, nullptr), UVK_EINVAL);
  uvk_acl bad = f;
  bad.permission_type = -3;
  expect(uvk_admin_describe_acls(r.admin, &bad, acls_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_delete_acls) {
  uvk_acl f;
  uvk_acl_filter_init(&f);
  admin_basics([&](uvk_admin *a, bool cb) { return uvk_admin_delete_acls(a, &f, 1, cb ? acls_cb : nullptr, nullptr); });
  Rig r;
  expect(uvk_admin_delete_acls(r.admin, nullptr, 1, acls_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_delete_acls(r.admin, &f, 0, acls_cb, nullptr), UVK_EINVAL);
  uvk_acl bad = f;
  bad.operation = 1000;
  expect(uvk_admin_delete_acls(r.admin, &bad, 1, acls_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_describe_user_scram_credentials) {
  const char *users[] = {"u", nullptr, ""};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_describe_user_scram_credentials(a, users, 1, cb ? scram_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_describe_user_scram_credentials(r.admin, nullptr, 2, scram_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_user_scram_credentials(r.admin, users + 1, 1, scram_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_describe_user_scram_credentials(r.admin, users + 2, 1, scram_cb, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_admin_alter_user_scram_credentials) {
  uvk_admin_scram_alteration alt = {"u", UVK_SCRAM_SHA_256, "pw", 0};
  admin_basics([&](uvk_admin *a, bool cb) {
    return uvk_admin_alter_user_scram_credentials(a, &alt, 1, cb ? results_cb : nullptr, nullptr);
  });
  Rig r;
  expect(uvk_admin_alter_user_scram_credentials(r.admin, nullptr, 1, results_cb, nullptr), UVK_EINVAL);
  expect(uvk_admin_alter_user_scram_credentials(r.admin, &alt, 0, results_cb, nullptr), UVK_EINVAL);
  uvk_admin_scram_alteration bad = alt;
  bad.user = nullptr;
  expect(uvk_admin_alter_user_scram_credentials(r.admin, &bad, 1, results_cb, nullptr), UVK_EINVAL);
  bad = alt;
  bad.mechanism = 3;
  expect(uvk_admin_alter_user_scram_credentials(r.admin, &bad, 1, results_cb, nullptr), UVK_EINVAL);
  bad = alt;
  bad.iterations = -1;
  expect(uvk_admin_alter_user_scram_credentials(r.admin, &bad, 1, results_cb, nullptr), UVK_EINVAL);
}

// ---- coverage ------------------------------------------------------------------------------

namespace {

std::vector<std::string> header_functions() {
  std::string dir = std::string(UVK_SOURCE_ROOT) + "/include/uvkafka";
  DIR *d = opendir(dir.c_str());
  REQUIRE(d);
  std::vector<std::string> names;
  // The declaration's name: the identifier right before the first '(' after UVK_EXTERN.
  std::regex decl(R"(UVK_EXTERN\s+[^;(]*?\b(uvk_[a-z0-9_]+)\s*\()");
  while (dirent *e = readdir(d)) {
    std::string f = e->d_name;
    if (f.size() < 3 || f.compare(f.size() - 2, 2, ".h") != 0) continue;
    std::ifstream in(dir + "/" + f);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    for (std::sregex_iterator it(text.begin(), text.end(), decl), end; it != end; ++it)
      names.push_back((*it)[1].str());
  }
  closedir(d);
  return names;
}

}  // namespace

TEST_CASE("bad input: every UVK_EXTERN function of the headers has a case", "[capi][bad_input]") {
  std::vector<std::string> fns = header_functions();
  CHECK(fns.size() > 140);  // the parser found the API (about 150 functions)
  size_t missing = 0;
  for (const std::string &f : fns)
    if (!covered().count(f)) {
      UNSCOPED_INFO("no bad-input case for " << f);
      missing++;
    }
  CHECK(missing == 0);
  // And nothing registered that the headers do not declare (a renamed function).
  std::set<std::string> declared(fns.begin(), fns.end());
  for (const std::string &c : covered()) {
    INFO(c);
    CHECK(declared.count(c) == 1);
  }
}
