// The socket hook (uvk_config_set_socket_factory) that routes every broker connection of a
// client, the bootstrap address and every address metadata advertises, through a FaultProxy
// of its own (one per host:port, started on first use, on the client's loop). Used by the
// proxy and transaction-deadline integration tests and by the chaos soak's worker
// (test/chaos/chaos_proxy.cc); fault_proxy_dep puts this folder on their include path.
#pragma once

#include <uv.h>

#include <string>
#include <vector>

#include "fault_proxy.h"
#include "uvkafka/uvkafka.h"

namespace uvk_test {

struct Proxies {
  uv_loop_t *loop = nullptr;
  struct Entry {
    std::string addr;  // the broker's host:port
    FaultProxy *proxy;
    uint16_t port;     // where the proxy listens
  };
  std::vector<Entry> list;
  FaultConfig cfg;  // the faults of every proxy, also of those started later
  int start_failures = 0;
  size_t opens = 0;
  size_t clean_from_open = 0;  // nonzero: from this connection on, no faults

  void set(const FaultConfig &c) {
    cfg = c;
    for (Entry &e : list) uvk_test::fault_proxy_set(e.proxy, c);
  }
  void reset_all() {
    for (Entry &e : list) uvk_test::fault_proxy_reset_all(e.proxy);
  }
  size_t accepted() const {
    size_t n = 0;
    for (const Entry &e : list) n += uvk_test::fault_proxy_accepted(e.proxy);
    return n;
  }
  size_t b2c_writes() const {
    size_t n = 0;
    for (const Entry &e : list) n += uvk_test::fault_proxy_b2c_writes(e.proxy);
    return n;
  }
  uint64_t b2c_bytes() const {
    uint64_t n = 0;
    for (const Entry &e : list) n += uvk_test::fault_proxy_b2c_bytes(e.proxy);
    return n;
  }
  void stop() {
    for (Entry &e : list) uvk_test::fault_proxy_stop(e.proxy);
    list.clear();
  }
};

// One connection the hook opened: the stream handed to the client is `tcp`, the first
// member, so release() finds the whole struct from it.
struct HookConn {
  uv_tcp_t tcp;
  uv_connect_t req;
  uvk_socket_ready_fn ready;
  void *token;
};

inline void hook_conn_closed(uv_handle_t *h) { delete static_cast<HookConn *>(h->data); }

inline void hook_connected(uv_connect_t *req, int status) {
  HookConn *h = static_cast<HookConn *>(req->data);
  if (status == 0) {
    uv_tcp_nodelay(&h->tcp, 1);
    h->ready(h->token, 0, &h->tcp);  // the client owns the stream from here
    return;
  }
  h->ready(h->token, status, nullptr);
  uv_close(reinterpret_cast<uv_handle_t *>(&h->tcp), hook_conn_closed);
}

inline int hook_open(void *ud, void *loop, const char *host, uint16_t port, int, uvk_socket_ready_fn ready, void *token) {
  Proxies *ps = static_cast<Proxies *>(ud);
  if (++ps->opens == ps->clean_from_open) ps->set(FaultConfig());
  std::string addr = std::string(host) + ":" + std::to_string(port);
  uint16_t proxy_port = 0;
  for (const Proxies::Entry &e : ps->list)
    if (e.addr == addr) proxy_port = e.port;
  if (proxy_port == 0) {
    FaultProxy *p = nullptr;
    int rc = uvk_test::fault_proxy_start(ps->loop, host, port, &p, &proxy_port);
    if (rc != 0) {
      ps->start_failures++;
      return rc;
    }
    uvk_test::fault_proxy_set(p, ps->cfg);
    ps->list.push_back(Proxies::Entry{addr, p, proxy_port});
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
  rc = uv_tcp_connect(&h->req, &h->tcp, reinterpret_cast<const struct sockaddr *>(&a), hook_connected);
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t *>(&h->tcp), hook_conn_closed);
    return rc;
  }
  return 0;
}

inline void hook_release(void *, void *stream) { delete reinterpret_cast<HookConn *>(stream); }

}  // namespace uvk_test
