// Two fake brokers of one FakeCluster on a uv loop (node 1 leads partition 0, node 2 leads
// partition 1 and coordinates the group) and the client a test builds on them: the part
// the hostile-broker and group-error tests share. Include after catch2 (it REQUIREs).
// A test derives from it, frees its producer / consumer in its own destructor, and leaves
// the client (unless it calls close_client first), the brokers and the loop to this one.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <uv.h>

#include "fake_broker.h"
#include "uvkafka/uvkafka.h"

namespace uvk_test {

struct TwoBrokerRig {
  uv_loop_t loop;
  FakeCluster cluster;
  FakeBroker b1, b2;
  uvk_client *client = nullptr;
  std::vector<std::string> logs;  // "LEVEL ns: message", when log_to was used

  TwoBrokerRig() {
    REQUIRE(uv_loop_init(&loop) == 0);
    cluster.leaders = {1, 2};
    cluster.coordinator = 2;
    REQUIRE(fake_broker_start(&b1, &loop, &cluster, 1) == 0);
    REQUIRE(fake_broker_start(&b2, &loop, &cluster, 2) == 0);
  }
  TwoBrokerRig(const TwoBrokerRig &) = delete;
  TwoBrokerRig &operator=(const TwoBrokerRig &) = delete;

  ~TwoBrokerRig() {
    close_client();
    fake_broker_stop(&b1);
    fake_broker_stop(&b2);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }

  // Disconnects and frees the client. A test whose client uses something of its own (an
  // allocator's state) calls this in its destructor, before that goes.
  void close_client() {
    if (!client) return;
    bool closed = false;
    if (uvk_client_disconnect(client, [](uvk_client *, const uvk_error *, void *ud) { *static_cast<bool *>(ud) = true; },
                              &closed) == 0)
      run_until([&] { return closed; });
    uvk_client_free(client);
    client = nullptr;
  }

  std::string addr(const FakeBroker &b) const { return "127.0.0.1:" + std::to_string(b.port); }

  // The client's log lines go to `logs`.
  void log_to(uvk_config *cfg) {
    REQUIRE(uvk_config_set_logger(cfg,
                                  [](void *ud, const char *ns, int, const char *label, const char *, const char *message,
                                     const char *const *, size_t) {
                                    static_cast<TwoBrokerRig *>(ud)->logs.push_back(std::string(label) + " " + ns +
                                                                                    ": " + message);
                                  },
                                  this) == 0);
  }

  // Runs the loop until pred() holds; `limit_ms` is a safety net that fails the test
  // instead of hanging (or, where a test expects false, the window watched for traffic).
  bool run_until(const std::function<bool()> &pred, uint64_t limit_ms = 20000) {
    uv_timer_t tick;
    uv_timer_init(&loop, &tick);
    uv_timer_start(&tick, [](uv_timer_t *) {}, 10, 10);  // wakes the loop to re-check
    uint64_t deadline = uv_now(&loop) + limit_ms;
    bool ok = true;
    while (!pred()) {
      if (uv_now(&loop) > deadline) {
        ok = false;
        break;
      }
      uv_run(&loop, UV_RUN_ONCE);
    }
    uv_close(reinterpret_cast<uv_handle_t *>(&tick), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);
    return ok;
  }

  bool logged(const std::string &needle) const {
    for (const std::string &l : logs)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
  std::string all_logs() const {
    std::string s;
    for (const std::string &l : logs) s += l + "\n";
    return s;
  }
};

}  // namespace uvk_test
