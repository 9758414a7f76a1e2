// What the bad-input files share (bad_input_test.cc holds the coverage check): the
// BAD_INPUT registry of covered functions, the expected-code check, no-op callbacks of every
// shape, a counting allocator and a rig with a producer, a consumer and an admin.
#pragma once
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <string.h>

#include <set>
#include <string>

#include <uv.h>

#include "uvkafka/uvkafka.h"

namespace bad_input {


inline std::set<std::string> &covered() {
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
inline void expect(int rc, int want) {
  CHECK(rc == want);
  CHECK(strcmp(uvk_strerror(rc), "unknown error") != 0);
  CHECK(strcmp(uvk_err_name(rc), "UNKNOWN") != 0);
}

const char kBadUtf8[] = "t\xff\xfe\xc3";  // a lone continuation-less lead byte at the end
const char kOverlong[] = "\xc0\xaf";      // overlong '/'

// No-op callbacks of every shape.
inline void client_cb(uvk_client *, const uvk_error *, void *) {}
inline void metadata_cb(uvk_client *, const uvk_error *, const uvk_metadata *, void *) {}
inline void event_fn(void *, const uvk_event *) {}
inline void send_cb(uvk_producer *, const uvk_error *, const uvk_record_metadata *, size_t, void *) {}
inline void producer_cb(uvk_producer *, const uvk_error *, void *) {}
inline void consumer_cb(uvk_consumer *, const uvk_error *, void *) {}
inline int each_message(uvk_consumer *, const uvk_batch *, const uvk_consumer_message *, void *) { return 0; }
inline void describe_cb(uvk_consumer *, const uvk_error *, const uvk_group_description *, void *) {}
inline int assign_fn(void *, const uvk_group_member *, size_t, const uvk_assign_topic *, size_t, uvk_assignment_builder *) {
  return 0;
}
inline void results_cb(uvk_admin *, const uvk_error *, const uvk_admin_result *, size_t, void *) {}
inline void offsets_cb(uvk_admin *, const uvk_error *, const uvk_admin_partition_offset *, size_t, void *) {}
inline void names_cb(uvk_admin *, const uvk_error *, const char *const *, size_t, void *) {}
inline void admin_md_cb(uvk_admin *, const uvk_error *, const uvk_metadata *, void *) {}
inline void groups_cb(uvk_admin *, const uvk_error *, const uvk_group_description *, size_t, void *) {}
inline void configs_cb(uvk_admin *, const uvk_error *, const uvk_admin_described_resource *, size_t, void *) {}
inline void partitions_cb(uvk_admin *, const uvk_error *, const uvk_admin_partition_result *, size_t, void *) {}
inline void reassignments_cb(uvk_admin *, const uvk_error *, const uvk_admin_reassignment_state *, size_t, void *) {}
inline void acls_cb(uvk_admin *, const uvk_error *, const uvk_admin_acl_result *, size_t, void *) {}
inline void scram_cb(uvk_admin *, const uvk_error *, const uvk_admin_scram_user *, size_t, void *) {}
inline int codec_fn(void *, const uint8_t *, size_t, uvk_codec_out *) { return 0; }
inline int brokers_fn(void *, uvk_brokers *) { return 0; }
inline void sasl_step(void *, uvk_client *, const uvk_sasl_step *) {}
inline void oauth_fn(void *, uvk_client *, uint64_t) {}
inline int open_fn(void *, void *, const char *, uint16_t, int, uvk_socket_ready_fn, void *) { return 0; }
inline void release_fn(void *, void *) {}
inline void *a_malloc(void *, size_t n) { return malloc(n); }
inline void *a_realloc(void *, void *p, size_t n) { return realloc(p, n); }
inline void a_free(void *, void *p) { free(p); }

// A config whose broker refuses every connection (port 1), retrying nothing: enough for
// every state check, and quick to give up.
inline uvk_config *unreachable_config() {
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
inline void *c_malloc(void *ud, size_t n) {
  Counted *c = static_cast<Counted *>(ud);
  c->calls++;
  void *p = malloc(n);
  if (p) c->live++;
  return p;
}
inline void *c_realloc(void *ud, void *old, size_t n) {
  Counted *c = static_cast<Counted *>(ud);
  c->calls++;
  void *p = realloc(old, n);
  if (!old && p) c->live++;
  return p;
}
inline void c_free(void *ud, void *p) {
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
inline void touches_nothing(F call) {
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


}  // namespace bad_input
