// What the fault cases check their data and admin calls with (fault_rig.h): an idempotent
// produce stream, the topic read back by kcat (a client nobody here wrote), and admin
// replies that must come exactly once.
#pragma once
#include "fault_rig.h"

namespace fault_it {

// ---- produce and read back -------------------------------------------------------------

// An idempotent (acks -1) stream of messages key "k<i % 97>", value "<i>", at most 8 sends
// in flight so a fault lands on requests that are on the wire.
struct Stream {
  uvk_producer *p = nullptr;
  std::string topic;
  int total = 0, per_send = 500, sent = 0;
  long sends = 0, reports = 0, failed = 0;
  std::string first_error;
  bool room = true;

  static void on_sent(uvk_producer *, const uvk_error *err, const uvk_record_metadata *, size_t, void *ud) {
    Stream *s = static_cast<Stream *>(ud);
    s->reports++;
    if (err) {
      if (s->failed++ == 0) {
        char text[512];
        uvk_error_format(err, text, sizeof text);
        s->first_error = text;
      }
    }
    wake();
  }

  Stream(Rig &rig, const std::string &t, int n) : topic(t), total(n) {
    uvk_config *cfg = uvk_config_new();
    char err[256];
    REQUIRE(uvk_config_set(cfg, "idempotent", "true", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "linger", "5", err, sizeof err) == 0);
    REQUIRE(uvk_config_set(cfg, "batchSize", "65536", err, sizeof err) == 0);
    REQUIRE(uvk_producer_new(rig.client, cfg, &p) == 0);
    uvk_config_free(cfg);
    REQUIRE(uvk_producer_set_drain_cb(p, [](uvk_producer *, const uvk_error *, void *ud) {
      static_cast<Stream *>(ud)->room = true;
      wake();
    }, this) == 0);
    // The topic exists (auto-created by a marker message, skipped when reading back) and
    // has leaders before the fault.
    uvk_message marker = {"marker", 6, "marker", 6, -1, -1, nullptr, 0};
    uvk_send_options o;
    uvk_send_options_init(&o);
    REQUIRE(uvk_producer_send(p, topic.c_str(), &marker, 1, &o, on_sent, this) == 0);
    sends++;
    rig.until([&] { return reports == sends; });
    INFO(first_error);
    REQUIRE(failed == 0);
  }
  ~Stream() { uvk_producer_free(p); }

  // Sends the next per_send messages (waiting for room when the buffer is full), then runs
  // the loop while more than 8 sends are in flight.
  void send_next(Rig &rig) {
    std::vector<std::string> keys, values;
    std::vector<uvk_message> msgs;
    int end = std::min(total, sent + per_send);
    for (int i = sent; i < end; i++) {
      keys.push_back("k" + std::to_string(i % 97));
      values.push_back(std::to_string(i));
    }
    for (size_t i = 0; i < keys.size(); i++)
      msgs.push_back(uvk_message{keys[i].data(), keys[i].size(), values[i].data(), values[i].size(), -1, -1, nullptr, 0});
    uvk_send_options o;
    uvk_send_options_init(&o);
    int rc;
    while ((rc = uvk_producer_send(p, topic.c_str(), msgs.data(), msgs.size(), &o, on_sent, this)) == UVK_EQUEUEFULL) {
      room = false;
      rig.until([&] { return room; });
    }
    REQUIRE(rc == 0);
    sends++;
    sent = end;
    rig.until([&] { return sends - reports <= 8; });
  }
  // The whole stream; `between(sent)` runs before each send (where the faults go).
  void run(Rig &rig, const std::function<void(int)> &between) {
    while (sent < total) {
      between(sent);
      send_next(rig);
    }
    rig.until([&] { return reports == sends; });
  }
};

struct Read {
  int partition;
  long long offset;
  std::string key, value;
};

// Every message of `topic`, read by kcat (librdkafka: a client nobody here wrote) from the
// beginning to the end.
inline std::vector<Read> kcat_read(const std::string &topic) {
  std::string cmd = "kcat -C -q -e -b '" + env("UVK_TEST_BROKERS") + "' -t '" + topic + "' -f '%p\\t%o\\t%k\\t%s\\n' 2>&1";
  FILE *f = popen(cmd.c_str(), "r");
  REQUIRE(f);
  std::vector<Read> out;
  char *line = nullptr;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) > 0) {
    std::string s(line, size_t(n));
    if (!s.empty() && s.back() == '\n') s.pop_back();
    size_t a = s.find('\t'), b = a == std::string::npos ? a : s.find('\t', a + 1),
           c = b == std::string::npos ? b : s.find('\t', b + 1);
    INFO("kcat printed: " << s);
    REQUIRE(c != std::string::npos);
    out.push_back(Read{atoi(s.substr(0, a).c_str()), atoll(s.substr(a + 1, b - a - 1).c_str()),
                       s.substr(b + 1, c - b - 1), s.substr(c + 1)});
  }
  free(line);
  CHECK(pclose(f) == 0);
  return out;
}

// The topic holds ids [0, total) exactly once each, in the order sent within each partition.
inline void check_exactly_once_in_order(const std::string &topic, int total) {
  std::vector<int> seen(size_t(total), 0);
  std::map<int, long> last;
  size_t n = 0;
  int out_of_order = 0, missing = 0, duplicated = 0;
  for (const Read &r : kcat_read(topic)) {
    if (r.key == "marker") continue;
    n++;
    long v = atol(r.value.c_str());
    REQUIRE(v >= 0);
    REQUIRE(v < total);
    CHECK(r.key == "k" + std::to_string(v % 97));
    seen[size_t(v)]++;
    auto it = last.find(r.partition);
    if (it != last.end() && v <= it->second && out_of_order++ == 0)
      UNSCOPED_INFO("first out of order: partition " << r.partition << " offset " << r.offset << " value " << v
                                                      << " after " << it->second);
    last[r.partition] = v;
  }
  for (size_t i = 0; i < seen.size(); i++)
    if ((seen[i] == 0 && missing++ == 0) || (seen[i] > 1 && duplicated++ == 0))
      UNSCOPED_INFO("message " << i << " read " << seen[i] << " times");
  CHECK(n == size_t(total));
  CHECK(missing == 0);
  CHECK(duplicated == 0);
  CHECK(out_of_order == 0);
}

// ---- admin -----------------------------------------------------------------------------

// One admin completion: how often it came and what it said.
struct AdminReply {
  int calls = 0;
  int code = 1;
  std::string text;  // uvk_error_format of err, "" on success
  std::vector<int> item_errors;
};

inline void take(AdminReply *r, const uvk_error *e) {
  r->calls++;
  r->code = e ? uvk_error_code(e) : 0;
  if (e) {
    char buf[512];
    uvk_error_format(e, buf, sizeof buf);
    r->text = buf;
  }
  wake();
}

inline void on_results(uvk_admin *, const uvk_error *e, const uvk_admin_result *rs, size_t n, void *ud) {
  AdminReply *r = static_cast<AdminReply *>(ud);
  take(r, e);
  for (size_t i = 0; i < n; i++) r->item_errors.push_back(rs[i].error);
}

inline void on_configs(uvk_admin *, const uvk_error *e, const uvk_admin_described_resource *rs, size_t n, void *ud) {
  AdminReply *r = static_cast<AdminReply *>(ud);
  take(r, e);
  for (size_t i = 0; i < n; i++) r->item_errors.push_back(rs[i].error);
}

struct Admin {
  uvk_admin *a = nullptr;
  Admin(Rig &rig, const Keys &retry = {}) {
    uvk_config *cfg = nullptr;
    if (!retry.empty()) {
      cfg = uvk_config_new();
      char err[256];
      for (const auto &kv : retry) REQUIRE(uvk_config_set(cfg, kv.first.c_str(), kv.second.c_str(), err, sizeof err) == 0);
    }
    REQUIRE(uvk_admin_new(rig.client, cfg, &a) == 0);
    uvk_config_free(cfg);
  }
  ~Admin() { uvk_admin_free(a); }
};

inline void create_topic(Admin &ad, const std::string &name, int partitions, AdminReply *r) {
  uvk_admin_new_topic t;
  uvk_admin_new_topic_init(&t, name.c_str());
  t.num_partitions = partitions;
  REQUIRE(uvk_admin_create_topics(ad.a, &t, 1, nullptr, on_results, r) == 0);
}

// A completion that came exactly once and is either a success or an error that says what
// failed.
inline void check_completed_once(const AdminReply &r, const char *what) {
  INFO(what << ": " << (r.code == 0 ? std::string("success") : r.text));
  CHECK(r.calls == 1);
  if (r.code != 0) CHECK_FALSE(r.text.empty());
}

// Produces ids [from, to) (key "k<i % 97>") with an idempotent producer; all must succeed.
inline void produce_range(Rig &rig, const std::string &topic, int from, int to) {
  Stream st(rig, topic, to);
  st.sent = from;
  st.run(rig, [](int) {});
  INFO(st.first_error);
  REQUIRE(st.failed == 0);
}

}  // namespace fault_it
