// Hostile input through the C ABI: every UVK_EXTERN function of include/uvkafka/*.h is
// called with NULL for each pointer argument and, where they apply, empty names, negative
// partitions, names that are not valid UTF-8, a message over the size limit, calls after
// the client disconnected and calls from the wrong state. Each must answer with its
// documented code (and uvk_strerror must describe it), never crash or abort.
//
// Each case is registered under the function it covers; the last test case reads the
// headers and fails when a function has no case, so a new function needs one.
// This file: versions, codes, errors, codecs, configs and the client; the producer, consumer
// and admin cases are in bad_input_*_test.cc.
#include <dirent.h>
#include <math.h>
#include <stdio.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "bad_input.h"

using namespace bad_input;

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

