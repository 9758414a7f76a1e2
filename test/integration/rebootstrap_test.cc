// The cluster replaced behind the same addresses: a client keeps working when every broker it
// knew went away and a fresh cluster (new cluster id, new topic ids, leader epochs from 0)
// answers on the same ports. Replaces the test cluster (cluster.sh down, then up with the
// same shape and version), so it runs alone, last on its cluster round (test/run.sh).
#include <catch2/catch.hpp>

#include "raw_rig.h"

namespace {

struct Sent {
  bool done = false;
  int code = 1;
  int64_t base = -1;
  std::vector<std::string> values;
};

// Values prefix0..prefixN-1 to partition 0 through p; `out` completes later.
void produce_start(Rig &rig, uvk_producer *p, const std::string &topic, const std::string &prefix, int n, Sent *out) {
  (void)rig;
  for (int i = 0; i < n; i++) out->values.push_back(prefix + std::to_string(i));
  std::vector<uvk_message> msgs;
  for (const std::string &v : out->values) msgs.push_back(uvk_message{"k", 1, v.data(), v.size(), 0, -1, nullptr, 0});
  REQUIRE(uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), nullptr,
                            [](uvk_producer *, const uvk_error *err, const uvk_record_metadata *md, size_t n_md,
                               void *ud) {
                              Sent *x = static_cast<Sent *>(ud);
                              x->done = true;
                              x->code = err ? uvk_error_code(err) : 0;
                              if (n_md == 1) x->base = md[0].base_offset;
                            }, out) == 0);
}

// The same, waited for: the acknowledged base offset (*code: the outcome).
int64_t produce_wait(Rig &rig, uvk_producer *p, const std::string &topic, const std::string &prefix, int n, int *code) {
  Sent s;
  produce_start(rig, p, topic, prefix, n, &s);
  while (!s.done) uv_run(&rig.loop, UV_RUN_ONCE);
  *code = s.code;
  return s.base;
}

// cluster.sh down, then up with the same shape, version and ports, in a child process while
// the loop runs (the client sees its brokers go and come back as an application would).
struct Replacement {
  uv_process_t proc;
  bool done = false;
  int64_t status = -1;
  std::string cmd;
};

void replace_cluster_start(Rig &rig, Replacement *child) {
  std::string sh = env("UVK_TEST_CLUSTER_SH"), dir = env("UVK_TEST_CLUSTER_DIR");
  INFO("UVK_TEST_CLUSTER_SH and the cluster's UVK_TEST_* variables must be set");
  REQUIRE(!sh.empty());
  REQUIRE(!dir.empty());
  std::string pre = "UVK_CLUSTER_DIR='" + dir + "' UVK_TEST_PORT_OFFSET='" + env("UVK_TEST_PORT_OFFSET") + "' '" + sh + "'";
  child->cmd = pre + " down >&2 && " + pre + " up --nodes " + env("UVK_TEST_NODES") + " --version " +
               env("UVK_TEST_KAFKA_VERSION") + " >/dev/null";
  const char *args[] = {"/bin/sh", "-c", child->cmd.c_str(), nullptr};
  uv_process_options_t o;
  memset(&o, 0, sizeof o);
  o.file = args[0];
  o.args = const_cast<char **>(args);
  o.exit_cb = [](uv_process_t *pr, int64_t status, int) {
    Replacement *c = static_cast<Replacement *>(pr->data);
    c->done = true;
    c->status = status;
    uv_close(reinterpret_cast<uv_handle_t *>(pr), nullptr);
    uv_stop(pr->loop);
  };
  uv_stdio_container_t stdio[3];
  stdio[0].flags = UV_IGNORE;
  stdio[1].flags = UV_INHERIT_FD;
  stdio[1].data.fd = 1;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = 2;
  o.stdio = stdio;
  o.stdio_count = 3;
  child->proc.data = child;
  REQUIRE(uv_spawn(&rig.loop, &child->proc, &o) == 0);
}

}  // namespace

TEST_CASE("rebootstrap: a fresh cluster behind the same addresses: the client goes on", "[rebootstrap]") {
  // Enough retries to outlast the replacement (tens of seconds), 2 s apart at most.
  Rig rig("retry.retries", "200");
  char err[256];
  std::string topic = uniq("uvk-it-rebootstrap");
  create_topic(rig, topic, 1);
  uvk_config *cfg = uvk_config_new();
  REQUIRE(uvk_config_set(cfg, "retry.maxRetryTime", "2000", err, sizeof err) == 0);
  REQUIRE(uvk_config_set(cfg, "retry.retries", "200", err, sizeof err) == 0);
  uvk_producer *p = nullptr;
  REQUIRE(uvk_producer_new(rig.client, cfg, &p) == 0);
  uvk_config_free(cfg);
  int code = 1;
  CHECK(produce_wait(rig, p, topic, "before-", 10, &code) == 0);
  REQUIRE(code == 0);
  // Every broker goes away; a send made meanwhile waits, and lands in the new cluster (which
  // creates the topic anew on the producer's metadata request: offsets from 0).
  Replacement child;
  int disconnects = 0;
  REQUIRE(uvk_client_on(rig.client, UVK_EVENT_DISCONNECT, [](void *ud, const uvk_event *) {
    ++*static_cast<int *>(ud);
  }, &disconnects) > 0);
  replace_cluster_start(rig, &child);
  while (disconnects == 0 && !child.done) uv_run(&rig.loop, UV_RUN_ONCE);  // the old cluster is gone
  REQUIRE(disconnects > 0);
  Sent during;
  produce_start(rig, p, topic, "during-", 5, &during);
  while (!child.done || !during.done) uv_run(&rig.loop, UV_RUN_ONCE);
  REQUIRE(child.status == 0);
  INFO("the send made while the cluster was replaced: " << uvk_err_name(during.code));
  CHECK(during.code == 0);
  CHECK(during.base == 0);
  // And later sends follow on.
  CHECK(produce_wait(rig, p, topic, "after-", 5, &code) == 5);
  CHECK(code == 0);
  uvk_producer_free(p);
}
