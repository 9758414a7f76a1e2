// socketReceiveBufferBytes / socketSendBufferBytes reach the sockets the driver opens; at 0
// the kernel keeps its own sizes. The client's socket is found among this process's
// descriptors by its peer: the listener's port.
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <uv.h>

#include "listener.h"
#include "uvkafka/uvkafka.h"

using namespace io_test;

namespace {

// The descriptor connected to 127.0.0.1:port (the client's side), or -1.
int socket_to(uint16_t port) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  int found = -1;
  for (struct dirent *e; found < 0 && (e = readdir(d));) {
    int fd = atoi(e->d_name);
    struct stat st;
    if (e->d_name[0] == '.' || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    if (getpeername(fd, reinterpret_cast<struct sockaddr *>(&peer), &len) == 0 && peer.sin_family == AF_INET &&
        ntohs(peer.sin_port) == port)
      found = fd;
  }
  closedir(d);
  return found;
}

int option_of(int fd, int name) {
  int v = -1;
  socklen_t len = sizeof v;
  REQUIRE(getsockopt(fd, SOL_SOCKET, name, &v, &len) == 0);
  return v;
}

long sysctl_of(const char *path) {
  FILE *f = fopen(path, "r");
  long v = -1;
  if (f) {
    if (fscanf(f, "%ld", &v) != 1) v = -1;
    fclose(f);
  }
  return v;
}

void ignore_connect(uvk_client *, const uvk_error *, void *) {}

// The receive and send buffer sizes of a client's connection made with these settings.
void buffers_of(const char *recv, const char *send, int *rcv, int *snd) {
  uv_loop_t loop;
  REQUIRE(uv_loop_init(&loop) == 0);
  Listener l;
  char brokers[64];
  listen_local(&loop, &l, brokers, sizeof brokers);
  uvk_config *cfg = uvk_config_new();
  REQUIRE(uvk_config_set(cfg, "brokers", brokers, nullptr, 0) == 0);
  REQUIRE(uvk_config_set(cfg, "logLevel", "NOTHING", nullptr, 0) == 0);
  if (recv) REQUIRE(uvk_config_set(cfg, "socketReceiveBufferBytes", recv, nullptr, 0) == 0);
  if (send) REQUIRE(uvk_config_set(cfg, "socketSendBufferBytes", send, nullptr, 0) == 0);
  uvk_client *c = nullptr;
  REQUIRE(uvk_client_new(&loop, cfg, &c) == 0);
  uvk_config_free(cfg);
  REQUIRE(uvk_client_connect(c, ignore_connect, nullptr) == 0);
  REQUIRE(run_until_accepted(&loop, &l, 1));
  int fd = socket_to(l.port);
  REQUIRE(fd >= 0);
  *rcv = option_of(fd, SO_RCVBUF);
  *snd = option_of(fd, SO_SNDBUF);
  uvk_client_free(c);
  close_listener(&loop, &l);
  CHECK(uv_loop_close(&loop) == 0);
}

}  // namespace

TEST_CASE("io: socket buffer sizes are the kernel's unless set, and set before the handshake", "[io]") {
  int rcv0 = 0, snd0 = 0;
  buffers_of(nullptr, nullptr, &rcv0, &snd0);
  // Linux's default receive buffer for a new TCP socket is tcp_rmem's middle value (its send
  // buffer it sizes from the path's MSS at the handshake: no fixed value to compare).
  long rmem[3] = {0, 0, 0}, wmem[3] = {0, 0, 0};
  FILE *f = fopen("/proc/sys/net/ipv4/tcp_rmem", "r");
  REQUIRE(f);
  REQUIRE(fscanf(f, "%ld %ld %ld", &rmem[0], &rmem[1], &rmem[2]) == 3);
  fclose(f);
  f = fopen("/proc/sys/net/ipv4/tcp_wmem", "r");
  REQUIRE(f);
  REQUIRE(fscanf(f, "%ld %ld %ld", &wmem[0], &wmem[1], &wmem[2]) == 3);
  fclose(f);
  CHECK(rcv0 == rmem[1]);

  // Asked sizes: Linux doubles what it grants (bookkeeping), up to twice the system's cap.
  const long want_rcv = 3 * rmem[1], want_snd = 3 * wmem[1];
  char rs[32], ss[32];
  snprintf(rs, sizeof rs, "%ld", want_rcv);
  snprintf(ss, sizeof ss, "%ld", want_snd);
  int rcv = 0, snd = 0;
  buffers_of(rs, ss, &rcv, &snd);
  long rmax = sysctl_of("/proc/sys/net/core/rmem_max"), wmax = sysctl_of("/proc/sys/net/core/wmem_max");
  REQUIRE(rmax > 0);
  REQUIRE(wmax > 0);
  CHECK(rcv == 2 * (want_rcv < rmax ? want_rcv : rmax));
  CHECK(snd == 2 * (want_snd < wmax ? want_snd : wmax));
  CHECK(snd != snd0);
}

TEST_CASE("io: socket buffer settings refuse negative and absurd sizes", "[io]") {
  uvk_config *cfg = uvk_config_new();
  char err[128];
  CHECK(uvk_config_set(cfg, "socketReceiveBufferBytes", "-1", err, sizeof err) != 0);
  CHECK(uvk_config_set(cfg, "socketSendBufferBytes", "4294967296", err, sizeof err) != 0);
  CHECK(uvk_config_set(cfg, "socketReceiveBufferBytes", "0", err, sizeof err) == 0);
  uvk_config_free(cfg);
}
