// Statistics of a uvk_client: the interval timer and the application's callback.
#pragma once
#include <stdint.h>

#include "common/buf.h"
#include "engine/engine.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

struct ClientStats {
  uvk_stats_fn fn;
  void *ud;
  uint64_t interval_ms;  // 0: no documents
  uint64_t created_ms;   // the loop's clock when the client was made
  uint32_t instance;     // n in the document's name "<clientId>#<type>-<n>"
  EngineTimer timer;
  Buf doc;               // reused for every document
};

// Arms the first interval (after the engine exists).
void client_stats_start(uvk_client *c, ClientStats *s, const uvk_config *cfg, uint64_t now);
void client_stats_free(ClientStats *s);
// uvk_client_get_stats and uvk_client_stats_json, after the handle check (client.cc).
int client_stats_get(uvk_client *c, uvk_client_stats *out);
size_t client_stats_json(uvk_client *c, char *buf, size_t buflen);

}  // namespace uvk
