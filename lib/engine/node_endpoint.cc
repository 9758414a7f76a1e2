// Brokers named by KIP-951 answers, checked before they reach the broker table.
#include "engine/node_endpoint.h"

#include <string.h>

namespace uvk {

bool engine_take_node_endpoint(Engine *e, int32_t node_id, const proto::Str &host, int32_t port) {
  char buf[256];
  if (node_id < 0 || port <= 0 || port > 65535 || host.len <= 0 || size_t(host.len) >= sizeof buf ||
      memchr(host.data, 0, size_t(host.len)))
    return false;
  memcpy(buf, host.data, size_t(host.len));
  buf[host.len] = 0;
  return engine_put_broker(e, node_id, buf, uint16_t(port)) == 0;
}

}  // namespace uvk
