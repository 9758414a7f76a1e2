// The public header as a C++ program sees it (-pedantic, no internal headers), including
// each sibling header first to prove the include order does not matter.
#include "uvkafka/uvk_config.h"
#include "uvkafka/uvk_events.h"
#include "uvkafka/uvkafka.h"

int uvk_abi_cxx_check();

int uvk_abi_cxx_check() {
  uvk_config *cfg = uvk_config_new();
  if (!cfg) return 100;
  int failures = 0;
  char err[128];
  if (uvk_config_set(cfg, "logLevel", "DEBUG", err, sizeof err) != UVK_OK) failures++;
  if (uvk_config_set(cfg, "logLevel", "LOUD", err, sizeof err) != UVK_EINVAL) failures++;
  uvk_config_free(cfg);
  uvk_event ev = {};
  ev.type = UVK_EVENT_CONNECT;
  if (uvk_event_type_from_name("connect") != ev.type) failures++;
  if (UVK_ERR_KAFKA_CODE(UVK_ERR_KAFKA(UVK_KAFKA_NOT_COORDINATOR)) != 16) failures++;
  return failures;
}
