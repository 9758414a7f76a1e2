// Options structs carry struct_size (uvkafka.h, "how the ABI grows"): an application built
// against an older header passes a smaller struct and keeps the defaults of fields it never
// saw; an uninitialised struct or one from a newer header is refused before any work.
#include <stddef.h>
#include <string.h>

#include <catch2/catch.hpp>
#include <uv.h>

#include "capi/sized_options.h"
#include "uvkafka/uvkafka.h"
#include "uvkafka/uvk_admin.h"

namespace {

// A struct as a later release might have it: `added` did not exist in the first one.
struct GrownOptions {
  size_t struct_size;
  int first;
  int added;
};
constexpr size_t kGrownMin = offsetof(GrownOptions, added);

GrownOptions grown_defaults() {
  GrownOptions d;
  memset(&d, 0, sizeof d);
  d.struct_size = sizeof d;
  d.first = 1;
  d.added = 42;
  return d;
}

// A client, producer, consumer and admin on a private loop; the bootstrap address is never
// contacted because every call under test is refused before it reaches the engine.
struct Handles {
  uv_loop_t loop;
  uvk_client *client = nullptr;
  uvk_producer *producer = nullptr;
  uvk_consumer *consumer = nullptr;
  uvk_admin *admin = nullptr;

  Handles() {
    REQUIRE(uv_loop_init(&loop) == 0);
    uvk_config *cfg = uvk_config_new();
    REQUIRE(cfg);
    REQUIRE(uvk_config_set(cfg, "brokers", "127.0.0.1:1", nullptr, 0) == 0);
    REQUIRE(uvk_config_set(cfg, "groupId", "uvk-sized-options", nullptr, 0) == 0);
    REQUIRE(uvk_client_new(&loop, cfg, &client) == 0);
    REQUIRE(uvk_producer_new(client, cfg, &producer) == 0);
    REQUIRE(uvk_consumer_new(client, cfg, &consumer) == 0);
    REQUIRE(uvk_admin_new(client, cfg, &admin) == 0);
    uvk_config_free(cfg);
  }
  ~Handles() {
    uvk_admin_free(admin);
    uvk_consumer_free(consumer);
    uvk_producer_free(producer);
    uvk_client_free(client);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }
};

void never_send(uvk_producer *, const uvk_error *, const uvk_record_metadata *, size_t, void *) {
  FAIL("a refused send must never complete");
}
void never_admin(uvk_admin *, const uvk_error *, const uvk_admin_result *, size_t, void *) {
  FAIL("a refused admin call must never complete");
}
int each_message(uvk_consumer *, const uvk_batch *, const uvk_consumer_message *, void *) { return 0; }

}  // namespace

TEST_CASE("sized options: an older, smaller struct keeps the defaults of newer fields", "[capi][abi]") {
  GrownOptions out = grown_defaults();
  GrownOptions old_app;
  memset(&old_app, 0xAB, sizeof old_app);  // the bytes past its size are not the app's
  old_app.struct_size = kGrownMin;
  old_app.first = 7;
  REQUIRE(uvk::adopt_sized_options(&old_app, kGrownMin, &out) == UVK_OK);
  CHECK(out.first == 7);
  CHECK(out.added == 42);
  CHECK(out.struct_size == sizeof(GrownOptions));
}

TEST_CASE("sized options: the current size is taken whole; NULL keeps every default", "[capi][abi]") {
  GrownOptions out = grown_defaults();
  GrownOptions app = grown_defaults();
  app.first = 3;
  app.added = 4;
  REQUIRE(uvk::adopt_sized_options(&app, kGrownMin, &out) == UVK_OK);
  CHECK(out.first == 3);
  CHECK(out.added == 4);
  GrownOptions untouched = grown_defaults();
  REQUIRE(uvk::adopt_sized_options<GrownOptions>(nullptr, kGrownMin, &untouched) == UVK_OK);
  CHECK(untouched.added == 42);
}

TEST_CASE("sized options: uninitialised or newer-than-the-library structs are refused", "[capi][abi]") {
  GrownOptions out = grown_defaults();
  GrownOptions app = grown_defaults();
  app.struct_size = 0;
  CHECK(uvk::adopt_sized_options(&app, kGrownMin, &out) == UVK_EINVAL);
  app.struct_size = kGrownMin - 1;
  CHECK(uvk::adopt_sized_options(&app, kGrownMin, &out) == UVK_EINVAL);
  app.struct_size = sizeof(GrownOptions) + 8;
  CHECK(uvk::adopt_sized_options(&app, kGrownMin, &out) == UVK_EUNSUPPORTED);
  CHECK(out.added == 42);  // a refused struct changes nothing
}

TEST_CASE("sized options: every *_init sets struct_size", "[capi][abi]") {
  uvk_send_options so;
  memset(&so, 0, sizeof so);
  uvk_send_options_init(&so);
  CHECK(so.struct_size == sizeof so);
  uvk_run_options ro;
  memset(&ro, 0, sizeof ro);
  uvk_run_options_init(&ro);
  CHECK(ro.struct_size == sizeof ro);
  uvk_admin_topic_options to;
  memset(&to, 0, sizeof to);
  uvk_admin_topic_options_init(&to);
  CHECK(to.struct_size == sizeof to);
}

TEST_CASE("sized options: the public calls refuse a struct that skipped *_init", "[capi][abi]") {
  Handles h;
  uvk_message msg;
  memset(&msg, 0, sizeof msg);
  msg.value = "v";
  msg.value_len = 1;

  uvk_send_options so;
  uvk_send_options_init(&so);
  so.struct_size = 0;
  CHECK(uvk_producer_send(h.producer, "t", &msg, 1, &so, never_send, nullptr) == UVK_EINVAL);
  so.struct_size = sizeof so + 16;
  CHECK(uvk_producer_send(h.producer, "t", &msg, 1, &so, never_send, nullptr) == UVK_EUNSUPPORTED);

  uvk_run_options ro;
  uvk_run_options_init(&ro);
  ro.each_message = each_message;
  ro.struct_size = 0;
  CHECK(uvk_consumer_run(h.consumer, &ro) == UVK_EINVAL);
  ro.struct_size = sizeof ro + 16;
  CHECK(uvk_consumer_run(h.consumer, &ro) == UVK_EUNSUPPORTED);

  uvk_admin_new_topic nt;
  uvk_admin_new_topic_init(&nt, "t");
  uvk_admin_topic_options to;
  uvk_admin_topic_options_init(&to);
  to.struct_size = 0;
  CHECK(uvk_admin_create_topics(h.admin, &nt, 1, &to, never_admin, nullptr) == UVK_EINVAL);
  const char *names[] = {"t"};
  to.struct_size = sizeof to + 16;
  CHECK(uvk_admin_delete_topics(h.admin, names, 1, &to, never_admin, nullptr) == UVK_EUNSUPPORTED);
  uvk_admin_new_partitions np;
  memset(&np, 0, sizeof np);
  np.topic = "t";
  np.count = 2;
  CHECK(uvk_admin_create_partitions(h.admin, &np, 1, &to, never_admin, nullptr) == UVK_EUNSUPPORTED);
}
