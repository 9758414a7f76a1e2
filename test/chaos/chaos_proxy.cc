// The chaos soak's TCP faults (test/chaos/soak.py): a chaos_worker started with CHAOS_PROXY=FILE
// routes every broker connection (bootstrap and advertised addresses) through a fault proxy of
// its own (test/lib/fault_proxy.h, one per host:port, on the worker's loop). On SIGUSR1 it reads
// FILE: "delay MS", "reset", "blackhole" (reset, and new connections get no answer), "onebyte"
// (broker bytes one per write) or "clear", and applies it to every proxy.
#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

#include <uv.h>

#include "fault_proxy.h"
#include "uvkafka/uvkafka.h"

extern "C" int chaos_proxy_install(uvk_config *cfg, uv_loop_t *loop, const char *ctl);

namespace {

struct Entry {
  std::string addr;
  uvk_test::FaultProxy *proxy;
  uint16_t port;
};

struct Proxies {
  uv_loop_t *loop = nullptr;
  std::string ctl;
  std::vector<Entry> list;
  uvk_test::FaultConfig cfg;
  uv_signal_t usr1;
};

Proxies g;

struct HookConn {
  uv_tcp_t tcp;  // first: release() gets the stream back
  uv_connect_t req;
  uvk_socket_ready_fn ready;
  void *token;
};

void conn_closed(uv_handle_t *h) { delete static_cast<HookConn *>(h->data); }

void connected(uv_connect_t *req, int status) {
  HookConn *h = static_cast<HookConn *>(req->data);
  if (status == 0) {
    uv_tcp_nodelay(&h->tcp, 1);
    h->ready(h->token, 0, &h->tcp);
    return;
  }
  h->ready(h->token, status, nullptr);
  uv_close(reinterpret_cast<uv_handle_t *>(&h->tcp), conn_closed);
}

int hook_open(void *, void *loop, const char *host, uint16_t port, int, uvk_socket_ready_fn ready, void *token) {
  std::string addr = std::string(host) + ":" + std::to_string(port);
  uint16_t proxy_port = 0;
  for (const Entry &e : g.list)
    if (e.addr == addr) proxy_port = e.port;
  if (proxy_port == 0) {
    uvk_test::FaultProxy *p = nullptr;
    int rc = uvk_test::fault_proxy_start(g.loop, host, port, &p, &proxy_port);
    if (rc != 0) return rc;
    uvk_test::fault_proxy_set(p, g.cfg);
    g.list.push_back(Entry{addr, p, proxy_port});
  }
  HookConn *h = new HookConn();
  h->ready = ready;
  h->token = token;
  h->tcp.data = h;
  h->req.data = h;
  int rc = uv_tcp_init(static_cast<uv_loop_t *>(loop), &h->tcp);
  if (rc != 0) {
    delete h;
    return rc;
  }
  struct sockaddr_in a;
  uv_ip4_addr("127.0.0.1", proxy_port, &a);
  rc = uv_tcp_connect(&h->req, &h->tcp, reinterpret_cast<const struct sockaddr *>(&a), connected);
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t *>(&h->tcp), conn_closed);
    return rc;
  }
  return 0;
}

void hook_release(void *, void *stream) { delete reinterpret_cast<HookConn *>(stream); }

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
    c = g.cfg;
    reset = true;
  } else if (strncmp(line, "blackhole", 9) == 0) {
    c.blackhole = true;
    reset = true;  // the open connections go; the client's new ones are never answered
  } else if (strncmp(line, "onebyte", 7) == 0) {
    c.one_byte_writes = true;
  }  // "clear" or anything else: no fault
  g.cfg = c;
  for (Entry &e : g.list) {
    uvk_test::fault_proxy_set(e.proxy, c);
    if (reset) uvk_test::fault_proxy_reset_all(e.proxy);
  }
  fprintf(stderr, "chaos_worker: tcp fault: %s", line[0] ? line : "clear\n");
}

}  // namespace

int chaos_proxy_install(uvk_config *cfg, uv_loop_t *loop, const char *ctl) {
  g.loop = loop;
  g.ctl = ctl;
  uv_signal_init(loop, &g.usr1);
  uv_unref(reinterpret_cast<uv_handle_t *>(&g.usr1));  // not a reason to keep the loop alive
  uv_signal_start(&g.usr1, on_usr1, SIGUSR1);
  return uvk_config_set_socket_factory(cfg, hook_open, hook_release, nullptr);
}
