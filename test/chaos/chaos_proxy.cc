// The chaos soak's TCP faults (test/chaos/soak.py): a chaos_worker started with CHAOS_PROXY=FILE
// routes every broker connection (bootstrap and advertised addresses) through a fault proxy of
// its own (test/lib/fault_proxy.h, one per host:port, on the worker's loop; the socket hook of
// test/lib/proxy_hook.h, which the integration tests use too). On SIGUSR1 it reads
// FILE: "delay MS", "reset", "blackhole" (reset, and new connections get no answer), "onebyte"
// (broker bytes one per write) or "clear", and applies it to every proxy.
#include <stdio.h>
#include <string.h>

#include <string>

#include <uv.h>

#include "proxy_hook.h"
#include "uvkafka/uvkafka.h"

extern "C" int chaos_proxy_install(uvk_config *cfg, uv_loop_t *loop, const char *ctl);

namespace {

struct Chaos {
  uvk_test::Proxies proxies;  // the socket hook's proxies (test/lib/proxy_hook.h), one per broker
  std::string ctl;
  uv_signal_t usr1;
};

Chaos g;

void on_usr1(uv_signal_t *, int) {
  char line[128] = "";
  FILE *f = fopen(g.ctl.c_str(), "r");
  if (!f) return;
  if (!fgets(line, sizeof line, f)) line[0] = '\0';
  fclose(f);
  uvk_test::FaultConfig c;
  unsigned ms = 0;
  bool reset = false;
  if (sscanf(line, "delay %u", &ms) == 1) {
    c.latency_ms = ms;
  } else if (strncmp(line, "reset", 5) == 0) {
    c = g.proxies.cfg;
    reset = true;
  } else if (strncmp(line, "blackhole", 9) == 0) {
    c.blackhole = true;
    reset = true;  // the open connections go; the client's new ones are never answered
  } else if (strncmp(line, "onebyte", 7) == 0) {
    c.one_byte_writes = true;
  }  // "clear" or anything else: no fault
  g.proxies.set(c);
  if (reset) g.proxies.reset_all();
  fprintf(stderr, "chaos_worker: tcp fault: %s", line[0] ? line : "clear\n");
}

}  // namespace

int chaos_proxy_install(uvk_config *cfg, uv_loop_t *loop, const char *ctl) {
  g.proxies.loop = loop;
  g.ctl = ctl;
  uv_signal_init(loop, &g.usr1);
  uv_unref(reinterpret_cast<uv_handle_t *>(&g.usr1));  // not a reason to keep the loop alive
  uv_signal_start(&g.usr1, on_usr1, SIGUSR1);
  return uvk_config_set_socket_factory(cfg, uvk_test::hook_open, uvk_test::hook_release, &g.proxies);
}
