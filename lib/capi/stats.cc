// uvk_stats.h: statistics documents on an interval, and on demand.
#include "capi/stats.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <atomic>

#include "capi/client_internal.h"
#include "capi/config.h"
#include "client/stats.h"

using namespace uvk;

namespace uvk {

namespace {

std::atomic<uint32_t> g_instances{0};

// The first release's uvk_client_stats ends with `partitions`.
constexpr size_t kStatsMinSize = offsetof(uvk_client_stats, partitions) + sizeof(int32_t);

// Builds the document into out (NUL-terminated); false when memory ran out.
bool build(uvk_client *c, ClientStats *s, uint64_t now, Buf *out) {
  Engine *e = client_engine(c);
  StatsCollector sc;
  memset(&sc, 0, sizeof sc);
  sc.alloc = client_alloc(c);
  stats_collect(e, now, &sc);
  char name[300];
  snprintf(name, sizeof name, "%s#%s-%u", e->cfg.conn.client_id, stats_type(sc), unsigned(s->instance));
  StatsClient cl{name, e->cfg.conn.client_id, now, engine_wall_ms(e), s->created_ms};
  out->alloc = client_alloc(c);
  buf_clear(out);
  if (!sc.failed) stats_json(e, cl, sc, out);
  put_u8(out, '\0');
  bool ok = !sc.failed && !out->failed;
  stats_collector_free(&sc);
  return ok;
}

void on_interval(void *ud, uint64_t now) {
  uvk_client *c = static_cast<uvk_client *>(ud);
  ClientStats *s = client_stats(c);
  Engine *e = client_engine(c);
  if (e->shutting_down || client_closing(c) || !s->fn) return;
  // The next one first: the callback may free the client (then shutting_down cancels it).
  engine_add_timer(e, &s->timer, now + s->interval_ms, on_interval, c);
  bool ok = build(c, s, now, &s->doc);
  broker_stats_roll(e);  // windows cover one interval each
  if (!ok) return;       // out of memory: this interval's document is skipped
  ClientScope scope(c, false);
  s->fn(s->ud, reinterpret_cast<const char *>(s->doc.data), s->doc.len - 1);
}

}  // namespace

void client_stats_start(uvk_client *c, ClientStats *s, const uvk_config *cfg, uint64_t now) {
  s->fn = cfg->stats_fn;
  s->ud = cfg->stats_ud;
  s->interval_ms = uint64_t(cfg->statistics_interval);
  s->created_ms = now;
  s->instance = ++g_instances;
  if (s->fn && s->interval_ms > 0) engine_add_timer(client_engine(c), &s->timer, now + s->interval_ms, on_interval, c);
}

void client_stats_free(ClientStats *s) { buf_free(&s->doc); }

}  // namespace uvk

namespace uvk {

int client_stats_get(uvk_client *c, uvk_client_stats *out) {
  if (!c || !out || out->struct_size < kStatsMinSize) return UVK_EINVAL;
  if (out->struct_size > sizeof(uvk_client_stats)) return UVK_EUNSUPPORTED;
  Engine *e = client_engine(c);
  ClientStats *s = client_stats(c);
  uint64_t now = client_now(c);
  StatsCollector sc;
  memset(&sc, 0, sizeof sc);
  sc.alloc = client_alloc(c);
  stats_collect(e, now, &sc);
  int rc = sc.failed ? UVK_ENOMEM : 0;
  StatsClient cl{"", e->cfg.conn.client_id, now, engine_wall_ms(e), s->created_ms};
  if (rc == 0) stats_summary(e, cl, sc, out);
  stats_collector_free(&sc);
  return rc;
}

size_t client_stats_json(uvk_client *c, char *buf, size_t buflen) {
  if (!c) return 0;
  // A buffer of its own: the interval document may be in the application's hands right now
  // (this call from inside the statistics callback must not move it).
  Buf doc;
  bool ok = build(c, client_stats(c), client_now(c), &doc);
  size_t len = ok ? doc.len - 1 : 0;
  if (buf && buflen) {
    size_t n = len < buflen - 1 ? len : buflen - 1;
    if (n) memcpy(buf, doc.data, n);
    buf[n] = '\0';
  }
  buf_free(&doc);
  return len;
}

}  // namespace uvk
