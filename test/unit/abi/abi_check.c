/* The public header as a strict C99 program sees it: compiled with -std=c99 -pedantic
 * -Wall -Wextra -Werror, and exercised through uvk_abi_c_check(), which the Catch2 test
 * in abi_test.cc calls. */
#include "uvkafka/uvkafka.h"

#include <string.h>

int uvk_abi_c_check(void);

static int g_log_calls;

static void on_log(void *ud, const char *ns, int level, const char *label, const char *ts,
                   const char *message, const char *const *extra, size_t n_extra) {
  (void)ud; (void)ns; (void)level; (void)label; (void)ts; (void)message; (void)extra;
  (void)n_extra;
  g_log_calls++;
}

static int brokers(void *ud, uvk_brokers *out) {
  (void)ud;
  return uvk_brokers_add(out, "[::1]:9092");
}

static void on_event(void *ud, const uvk_event *ev) {
  (void)ud;
  (void)ev;
}

int uvk_abi_c_check(void) {
  uvk_config *cfg;
  uvk_config *copy;
  char err[128];
  char buf[64];
  const char *list[2];
  uvk_event_fn ev_fn = on_event;
  uvk_event_request req;
  uvk_topic_partition_offset_metadata commit = {"t", 0, 1, "m"};
  int failures = 0;

  if (strlen(uvk_version()) < 5) failures++;
  if (UVK_VERSION_HEX < 0x000100) failures++;
  if (strcmp(uvk_err_name(UVK_EINVAL), "UVK_EINVAL") != 0) failures++;
  if (uvk_err_is_retriable(UVK_ERR_KAFKA(UVK_KAFKA_LEADER_NOT_AVAILABLE)) != 1) failures++;
  if (uvk_txn_error_class_of(UVK_ERR_KAFKA(UVK_KAFKA_PRODUCER_FENCED)) != UVK_TXN_ERR_PRODUCER_FATAL) failures++;
  if (uvk_error_txn_class(NULL) != UVK_TXN_ERR_NONE) failures++;
  if (strcmp(uvk_strerror(UVK_ERETRIES), "number of retries exceeded") != 0) failures++;
  if (uvk_error_code(NULL) != 0) failures++;
  if (strcmp(uvk_log_level_name(UVK_LOG_WARN), "WARN") != 0) failures++;
  if (strcmp(uvk_event_name(UVK_EVENT_REQUEST), "request") != 0) failures++;
  if (uvk_consumer_commit_offsets_with_metadata(NULL, &commit, 1, NULL, NULL) != UVK_EINVAL) failures++;
  if (UVK_COMMIT_METADATA_MAX != 32767) failures++;

  cfg = uvk_config_new();
  if (!cfg) return 100;
  list[0] = "k1:9092";
  list[1] = "[::1]:9093";
  if (uvk_config_set(cfg, "retry.retries", "8", err, sizeof err) != UVK_OK) failures++;
  if (uvk_config_set(cfg, "retry.retries", "many", err, sizeof err) != UVK_EINVAL) failures++;
  if (strstr(err, "retry.retries") == NULL) failures++;
  if (uvk_config_set_int(cfg, "requestTimeout", 1000) != UVK_OK) failures++;
  if (uvk_config_set_double(cfg, "retry.factor", 0.1) != UVK_OK) failures++;
  if (uvk_config_set_bool(cfg, "ssl", 1) != UVK_OK) failures++;
  if (uvk_config_set_str(cfg, "clientId", "c99") != UVK_OK) failures++;
  if (uvk_config_set_brokers(cfg, list, 2) != UVK_OK) failures++;
  if (uvk_config_get(cfg, "brokers", buf, sizeof buf) != 18) failures++;
  if (uvk_config_set_brokers_cb(cfg, brokers, NULL) != UVK_OK) failures++;
  if (uvk_config_set_logger(cfg, on_log, NULL) != UVK_OK) failures++;
  if (uvk_config_set_allocator(cfg, NULL, NULL, NULL, NULL) != UVK_OK) failures++;
  if (uvk_config_set_socket_factory(cfg, NULL, NULL, NULL) != UVK_OK) failures++;
  if (uvk_config_last_error(cfg)[0] != '\0') failures++;
  copy = uvk_config_dup(cfg);
  if (!copy) failures++;
  uvk_config_free(copy);
  uvk_config_free(cfg);

  memset(&req, 0, sizeof req);
  req.api_key = 3;
  (void)ev_fn;
  return failures;
}
