// The consumer against the real cluster: group membership, assignments, delivery exactly as
// produced (by our producer and by kcat under every codec), commits, pause / resume / seek,
// eachBatch. Every wait ends on an event (a handler or a consumer event calls uv_stop).
// The transactional cases (read_committed) are in consumer_txn_test.cc.
#include "consumer_it.h"

using namespace consumer_it;

TEST_CASE("consumer: one member reads every message once, in order per partition", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-one");
  create_topic(rig, topic, 4);
  const int n = 5000;
  produce(rig, topic, 0, n);
  Member m(rig, uniq("uvk-it-group"), topic, true);
  m.run_each_message();
  while (m.seen.size() < size_t(n)) rig.turn();
  CHECK(m.joins == 1);
  CHECK(m.assignment.size() == 4);
  std::string member = uvk_consumer_member_id(m.c);
  CHECK_FALSE(member.empty());
  struct D {
    bool done = false;
    std::string state, protocol, member;
    size_t members = 0;
    uv_loop_t *loop;
  } d;
  d.loop = &rig.loop;
  REQUIRE(uvk_consumer_describe_group(m.c, [](uvk_consumer *, const uvk_error *err, const uvk_group_description *g, void *ud) {
    D *x = static_cast<D *>(ud);
    x->done = true;
    CHECK(err == nullptr);
    if (g) {
      x->state = g->state;
      x->protocol = g->protocol;
      x->members = g->n_members;
      if (g->n_members) x->member = g->members[0].member_id;
    }
    uv_stop(x->loop);
  }, &d) == 0);
  while (!d.done) rig.turn();
  CHECK(d.state == "Stable");
  CHECK(d.protocol == "RoundRobinAssigner");
  CHECK(d.members == 1);
  CHECK(d.member == member);
  m.stop();
  check_all({&m}, n, true);
}

TEST_CASE("consumer: fetches run in incremental fetch sessions, and a lost session is replaced", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-session");
  create_topic(rig, topic, 6);
  Member m(rig, uniq("uvk-it-group-session"), topic, true);
  struct Fetches {
    int started = 0, finished = 0;
    uv_loop_t *loop;
  } f;
  f.loop = &rig.loop;
  REQUIRE(uvk_consumer_on(m.c, UVK_EVENT_FETCH_START, [](void *ud, const uvk_event *) {
    static_cast<Fetches *>(ud)->started++;
  }, &f) > 0);
  REQUIRE(uvk_consumer_on(m.c, UVK_EVENT_FETCH, [](void *ud, const uvk_event *) {
    Fetches *x = static_cast<Fetches *>(ud);
    x->finished++;
    uv_stop(x->loop);
  }, &f) > 0);
  m.run_each_message();
  // Several rounds, so offsets move and the later requests are incremental.
  int n = 0;
  for (int round = 0; round < 4; round++, n += 500) {
    produce(rig, topic, n, n + 500);
    while (m.seen.size() < size_t(n + 500)) rig.turn();
  }
  uvk::Consumer *c = uvk::consumer_of(m.c);
  int with_session = 0;
  for (int32_t i = 0; i < c->n_fsessions; i++)
    if (c->fsessions[i].id != 0 && c->fsessions[i].epoch >= 2) with_session++;
  INFO(c->n_fsessions << " broker(s) fetched from");
  CHECK(with_session >= 1);

  // Pause everything and let the fetches in flight finish, then make every session unknown to
  // its broker: the next request fails with FETCH_SESSION_ID_NOT_FOUND and a new one starts.
  REQUIRE(uvk_consumer_pause(m.c, topic.c_str(), nullptr, 0) == 0);
  while (f.finished < f.started) rig.turn();
  g_sessions_lost_logged = 0;
  for (int32_t i = 0; i < c->n_fsessions; i++) {
    c->fsessions[i].id = 0x7ffffff0 - i;
    c->fsessions[i].epoch = 5;
  }
  REQUIRE(uvk_consumer_resume(m.c, topic.c_str(), nullptr, 0) == 0);
  produce(rig, topic, n, n + 500);
  n += 500;
  while (m.seen.size() < size_t(n)) rig.turn();
  CHECK(g_sessions_lost_logged >= 1);
  int renewed = 0;
  for (int32_t i = 0; i < c->n_fsessions; i++)
    renewed += c->fsessions[i].id != 0 && c->fsessions[i].id != 0x7ffffff0 - i;
  CHECK(renewed >= 1);
  m.stop();
  check_all({&m}, n, true);
}

TEST_CASE("consumer: three members over six partitions; a member leaves and nothing is lost", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-group");
  create_topic(rig, topic, 6);
  std::string group = uniq("uvk-it-group3");
  Member a(rig, group, topic, true), b(rig, group, topic, true), c(rig, group, topic, true);
  std::vector<Member *> all = {&a, &b, &c};
  for (Member *m : all) m->run_each_message();
  // Wait for one generation in which all three hold an assignment.
  auto settled = [&] {
    int32_t g = a.joined_generation;
    size_t total = 0;
    for (Member *m : all) {
      if (m->joined_generation != g || g < 0) return false;
      total += m->assignment.size();
    }
    return total == 6;
  };
  while (!settled()) rig.turn();
  std::set<int32_t> parts;
  for (Member *m : all) {
    CHECK(m->assignment.size() == 2);  // round robin: 6 / 3
    for (const uvk_topic_partition &tp : m->assignment) {
      CHECK(std::string(tp.topic) == topic);
      CHECK(parts.insert(tp.partition).second);  // disjoint
    }
  }
  CHECK(parts.size() == 6);  // complete
  const int n = 6000;
  produce(rig, topic, 0, n / 2);
  while (total_seen(all) < size_t(n / 4)) rig.turn();
  // c leaves (stop commits and sends LeaveGroup); a and b take its partitions.
  c.stop();
  produce(rig, topic, n / 2, n);
  std::vector<Member *> rest = {&a, &b};
  auto covered = [&] {
    std::set<long> ids;
    for (Member *m : all)
      for (const Seen &s : m->seen) ids.insert(atol(s.value.c_str()));
    return ids.size() == size_t(n);
  };
  while (!covered()) rig.turn();
  size_t after = 0;
  for (Member *m : rest) after += m->assignment.size();
  CHECK(after == 6);
  a.stop();
  b.stop();
  check_all(all, n, false);  // at least once across a rebalance
}

TEST_CASE("consumer: a member that dies without leaving is replaced after the session timeout; nothing is lost",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-dead");
  create_topic(rig, topic, 4);
  std::string group = uniq("uvk-it-group-dead");
  Member a(rig, group, topic, true);
  Member *b = new Member(rig, group, topic, true);
  a.run_each_message();
  b->run_each_message();
  while (!(a.joined_generation >= 0 && a.joined_generation == b->joined_generation && a.assignment.size() == 2 &&
           b->assignment.size() == 2))
    rig.turn();
  const int n = 4000;
  produce(rig, topic, 0, n / 2);
  while (a.seen.size() + b->seen.size() < size_t(n / 4)) rig.turn();
  // b vanishes: no LeaveGroup, no more heartbeats (as if its process was killed). What it
  // saw stays counted; what it did not commit comes again to a.
  std::vector<Seen> b_seen = b->seen;
  delete b;
  Member dead_copy(rig, uniq("uvk-it-unused"), topic, true);  // holds b's messages for check_all
  dead_copy.seen = b_seen;
  produce(rig, topic, n / 2, n);  // half of these land on b's partitions: only a can read them
  auto covered = [&] {
    std::set<long> ids;
    for (const Seen &s : a.seen) ids.insert(atol(s.value.c_str()));
    for (const Seen &s : b_seen) ids.insert(atol(s.value.c_str()));
    return ids.size() == size_t(n);
  };
  while (!covered()) rig.turn();
  CHECK(a.assignment.size() == 4);  // a took over after the coordinator dropped b
  a.stop();
  check_all({&a, &dead_copy}, n, false);
}

TEST_CASE("consumer: a pattern subscription picks up matching topics created while it runs", "[integration]") {
  Rig rig("500");  // metadataMaxAge: the topic list is read again every 500 ms
  std::string prefix = uniq("uvk-it-re");
  create_topic(rig, prefix + "-a", 2);
  produce(rig, prefix + "-a", 0, 100);
  Member m(rig, uniq("uvk-it-group-re"), "re:^" + prefix + "-(a|b)$", true);
  m.run_each_message();
  while (m.seen.size() < 100) rig.turn();
  create_topic(rig, prefix + "-b", 2);
  create_topic(rig, prefix + "-c", 2);  // does not match
  produce(rig, prefix + "-c", 200, 300);
  produce(rig, prefix + "-b", 100, 200);
  while (m.seen.size() < 200) rig.turn();
  CHECK(m.joins >= 2);  // it rejoined to get the new topic assigned
  std::set<std::string> topics;
  for (const uvk_topic_partition &tp : m.assignment) topics.insert(tp.topic);
  CHECK(topics == std::set<std::string>({prefix + "-a", prefix + "-b"}));
  m.stop();
  check_all({&m}, 200, true);  // 0..199 once each; nothing from -c (ids 200+ would fail)
  std::string bad = "re:(";
  uvk_consumer *c = nullptr;
  uvk_config *cfg = base_config();
  char err[256];
  REQUIRE(uvk_config_set(cfg, "groupId", "g", err, sizeof err) == 0);
  REQUIRE(uvk_consumer_new(rig.client, cfg, &c) == 0);
  uvk_config_free(cfg);
  CHECK(uvk_consumer_subscribe_pattern(c, "(", 0) == UVK_EINVAL);
  uvk_consumer_free(c);
}

namespace {
// A custom assigner: every partition to the member whose user data is "A".
int all_to_a(void *ud, const uvk_group_member *members, size_t n, const uvk_assign_topic *topics, size_t n_topics,
             uvk_assignment_builder *out) {
  int *calls = static_cast<int *>(ud);
  (*calls)++;
  for (size_t i = 0; i < n; i++) {
    int err = 1;
    uvk_member_metadata *md = uvk_member_metadata_decode(members[i].metadata, members[i].metadata_len, &err);
    if (!md) return err;
    bool is_a = md->user_data_len == 1 && memcmp(md->user_data, "A", 1) == 0;
    bool subscribed = md->n_topics == 1 && n_topics == 1 && strcmp(md->topics[0], topics[0].topic) == 0;
    uvk_member_metadata_free(md);
    if (!subscribed) return UVK_EINVAL;
    if (!is_a) continue;
    std::vector<uvk_topic_partition> parts;
    for (int32_t p = 0; p < topics[0].n_partitions; p++) parts.push_back(uvk_topic_partition{topics[0].topic, p});
    parts.push_back(uvk_topic_partition{"uvk-it-nobody-subscribed", 0});  // reported and ignored
    int rc = uvk_assignment_set_partitions(out, members[i].member_id, 0, parts.data(), parts.size(), nullptr, 0);
    if (rc != 0) return rc;
  }
  return 0;
}
}  // namespace

TEST_CASE("consumer: a custom assigner decides the assignment", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-custom");
  create_topic(rig, topic, 4);
  std::string group = uniq("uvk-it-group-custom");
  int calls = 0;
  Member a(rig, group, topic, true), b(rig, group, topic, true);
  REQUIRE(uvk_consumer_add_assigner(a.c, "uvk-test-all-to-a", 0, "A", 1, all_to_a, &calls) == 0);
  REQUIRE(uvk_consumer_add_assigner(b.c, "uvk-test-all-to-a", 0, "B", 1, all_to_a, &calls) == 0);
  CHECK(uvk_consumer_add_assigner(b.c, "uvk-test-all-to-a", 0, nullptr, 0, all_to_a, &calls) == UVK_EINVAL);
  int unsubscribed = 0;
  REQUIRE(uvk_consumer_on(a.c, UVK_EVENT_RECEIVED_UNSUBSCRIBED_TOPICS, [](void *ud, const uvk_event *ev) {
    const uvk_event_unsubscribed_topics *u = static_cast<const uvk_event_unsubscribed_topics *>(ev->payload);
    CHECK(u->n_topics_not_subscribed == 1);
    CHECK(std::string(u->topics_not_subscribed[0]) == "uvk-it-nobody-subscribed");
    ++*static_cast<int *>(ud);
  }, &unsubscribed) > 0);
  // B first: alone, it leads and its assigner gives it nothing (an empty assignment must
  // still be sent). Then A joins and gets everything.
  b.run_each_message();
  while (b.joins == 0) rig.turn();
  CHECK(b.assignment.empty());
  a.run_each_message();
  while (!(a.joined_generation >= 0 && a.joined_generation == b.joined_generation && a.assignment.size() == 4))
    rig.turn();
  CHECK(b.assignment.empty());
  CHECK(calls >= 1);
  CHECK(unsubscribed >= 1);
  produce(rig, topic, 0, 500);
  while (a.seen.size() < 500) rig.turn();
  CHECK(b.seen.empty());
  a.stop();
  b.stop();
  check_all({&a}, 500, true);
  // The helpers refuse what is not ConsumerProtocol.
  int err = 0;
  const unsigned char junk[] = {0, 0, 0x7f, 0xff, 0xff, 0xff};
  CHECK(uvk_member_metadata_decode(junk, sizeof junk, &err) == nullptr);
  CHECK(err == UVK_EPROTO);
  CHECK(uvk_member_assignment_decode(junk, sizeof junk, &err) == nullptr);
}

namespace {
// Work that finishes after the session timeout: each message is done by a timer, not in the
// handler. The loop keeps heartbeating meanwhile.
struct SlowWork {
  Member *m;
  uv_timer_t timer;
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::string value;
  int handled = 0;
  int32_t generation_at_start = -1;
};
}  // namespace

TEST_CASE("consumer: a handler that finishes after the session timeout keeps its membership", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-slow");
  create_topic(rig, topic, 1);
  produce(rig, topic, 0, 3);
  Member m(rig, uniq("uvk-it-group-slow"), topic, true);  // sessionTimeout 10 s
  SlowWork w;
  w.m = &m;
  REQUIRE(uv_timer_init(&rig.loop, &w.timer) == 0);
  w.timer.data = &w;
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.ud = &w;
  o.each_message = [](uvk_consumer *c, const uvk_batch *b, const uvk_consumer_message *msg, void *ud) -> int {
    SlowWork *x = static_cast<SlowWork *>(ud);
    if (x->generation_at_start < 0) x->generation_at_start = uvk_consumer_generation(c);
    x->topic = b->topic;
    x->partition = b->partition;
    x->offset = msg->offset;
    x->value.assign(static_cast<const char *>(msg->value), msg->value_len);
    // The first message takes 12 s (past the 10 s session timeout); the others 10 ms.
    uint64_t ms = x->handled == 0 ? 12000 : 10;
    uv_timer_start(&x->timer, [](uv_timer_t *t) {
      SlowWork *y = static_cast<SlowWork *>(t->data);
      y->handled++;
      y->m->seen.push_back(Seen{y->partition, y->offset, "k" + std::to_string(atoi(y->value.c_str()) % 13), y->value, y->topic});
      y->m->values_by_partition[y->partition].push_back(atol(y->value.c_str()));
      CHECK(uvk_consumer_done(y->m->c, y->topic.c_str(), y->partition, 0) == 0);
      uv_stop(t->loop);
    }, ms, 0);
    return UVK_PENDING;
  };
  REQUIRE(uvk_consumer_run(m.c, &o) == 0);
  while (m.seen.size() < 3) rig.turn();
  CHECK(m.joins == 1);  // never dropped from the group
  CHECK(uvk_consumer_generation(m.c) == w.generation_at_start);
  CHECK(uvk_consumer_done(m.c, topic.c_str(), 0, 0) == UVK_ENOTFOUND);  // nothing pending now
  uv_close(reinterpret_cast<uv_handle_t *>(&w.timer), nullptr);
  m.stop();
  check_all({&m}, 3, true);
}

TEST_CASE("consumer: commit, stop, and a new member resumes at the committed offset", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-commit");
  create_topic(rig, topic, 4);
  std::string group = uniq("uvk-it-group-commit");
  produce(rig, topic, 0, 1000);
  {
    Member first(rig, group, topic, true);
    first.run_each_message();
    while (first.seen.size() < 1000) rig.turn();
    first.stop();  // commits what it processed
    check_all({&first}, 1000, true);
  }
  produce(rig, topic, 1000, 1500);
  Member second(rig, group, topic, true);
  second.run_each_message();
  while (second.seen.size() < 500) rig.turn();
  second.stop();
  // Only the new messages: nothing from before the commit came again.
  for (const Seen &s : second.seen) CHECK(atol(s.value.c_str()) >= 1000);
  CHECK(second.seen.size() == 500);
}

TEST_CASE("consumer: a failing handler gets the same message again; nothing is skipped", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-retry");
  create_topic(rig, topic, 1);
  produce(rig, topic, 0, 100);
  Member m(rig, uniq("uvk-it-group-retry"), topic, true);
  m.fail_next = 3;
  m.run_each_message();
  while (m.seen.size() < 100) rig.turn();
  m.stop();
  check_all({&m}, 100, true);
  CHECK(m.seen.front().offset == 0);
}

TEST_CASE("consumer: pause, resume and seek", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-pause");
  create_topic(rig, topic, 2);
  produce(rig, topic, 0, 1000, true);  // ids 0..499 on partition 0, 500..999 on partition 1
  Member m(rig, uniq("uvk-it-group-pause"), topic, true);
  int32_t zero = 0;
  REQUIRE(uvk_consumer_pause(m.c, topic.c_str(), &zero, 1) == 0);
  CHECK(uvk_consumer_is_paused(m.c, topic.c_str(), 0) == 1);
  CHECK(uvk_consumer_is_paused(m.c, topic.c_str(), 1) == 0);
  m.run_each_message();
  while (m.seen.size() < 500) rig.turn();
  for (const Seen &s : m.seen) CHECK(s.topic_partition == 1);  // nothing from the paused one
  REQUIRE(uvk_consumer_resume(m.c, topic.c_str(), &zero, 1) == 0);
  while (m.seen.size() < 1000) rig.turn();
  check_all({&m}, 1000, true);
  // Seek partition 1 back to offset 400: its last 100 messages come again.
  REQUIRE(uvk_consumer_seek(m.c, topic.c_str(), 1, 400) == 0);
  while (m.seen.size() < 1100) rig.turn();
  for (size_t i = 1000; i < 1100; i++) {
    CHECK(m.seen[i].topic_partition == 1);
    CHECK(m.seen[i].offset == int64_t(400 + (i - 1000)));
  }
  CHECK(uvk_consumer_seek(m.c, topic.c_str(), 7, 0) == UVK_ENOTFOUND);
  m.stop();
}

namespace {
struct BatchRig {
  Member *m;
  int batches = 0;
  bool resolved_half = false;
};
}  // namespace

TEST_CASE("consumer: eachBatch without auto-resolve: only what the handler resolves moves on", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-batch");
  create_topic(rig, topic, 1);
  produce(rig, topic, 0, 300);
  Member m(rig, uniq("uvk-it-group-batch"), topic, true);
  BatchRig br{&m};
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.each_batch_auto_resolve = 0;
  o.ud = &br;
  o.each_batch = [](uvk_consumer *c, const uvk_batch *b, void *ud) -> int {
    BatchRig *x = static_cast<BatchRig *>(ud);
    x->batches++;
    uv_stop(&x->m->rig->loop);
    CHECK(uvk_consumer_is_running(c) == 1);
    // Resolve one message per call: the rest of the batch must come again.
    const uvk_consumer_message *msg = &b->messages[0];
    x->m->seen.push_back(Seen{b->partition, msg->offset, std::string(static_cast<const char *>(msg->key), msg->key_len),
                              std::string(static_cast<const char *>(msg->value), msg->value_len)});
    x->m->values_by_partition[b->partition].push_back(atol(x->m->seen.back().value.c_str()));
    CHECK(b->first_offset == msg->offset);
    CHECK(b->offset_lag_low >= b->offset_lag);
    REQUIRE(uvk_consumer_resolve_offset(c, b->topic, b->partition, msg->offset) == 0);
    return 0;
  };
  REQUIRE(uvk_consumer_run(m.c, &o) == 0);
  while (m.seen.size() < 300) rig.turn();
  m.stop();
  check_all({&m}, 300, true);
  CHECK(br.batches == 300);
}

TEST_CASE("consumer: messages kcat wrote under every codec are read back exactly", "[integration]") {
  Rig rig;
  for (const char *codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    DYNAMIC_SECTION("codec " << codec) {
      std::string topic = uniq(std::string("uvk-it-consume-kcat-") + codec);
      create_topic(rig, topic, 3);
      std::string cmd = "kcat -P -q -b '" + env("UVK_TEST_BROKERS") + "' -t '" + topic + "' -K '\\t' -z " + codec +
                        " -X linger.ms=20";
      FILE *f = popen(cmd.c_str(), "w");
      REQUIRE(f);
      for (int i = 0; i < 2000; i++) fprintf(f, "k%d\t%d\n", i % 13, i);
      REQUIRE(pclose(f) == 0);
      Member m(rig, uniq("uvk-it-group-kcat"), topic, true);
      m.run_each_message();
      while (m.seen.size() < 2000) rig.turn();
      m.stop();
      check_all({&m}, 2000, true);
    }
  }
}

namespace {

// A KafkaJS member (test/interop/kafkajs_member.js) in a child process; its stdout lines
// arrive through a pipe in our loop, so waiting on them is waiting on events.
struct KafkaJs {
  uv_process_t proc;
  uv_pipe_t in, out;
  std::string buf;
  std::vector<int32_t> partitions;
  bool joined = false, exited = false;
  int64_t exit_status = -1;
  std::vector<Seen> seen;
  uv_loop_t *loop;

  static void on_alloc(uv_handle_t *, size_t, uv_buf_t *b) {
    static char mem[65536];
    *b = uv_buf_init(mem, sizeof mem);
  }
  static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
    KafkaJs *k = static_cast<KafkaJs *>(s->data);
    if (n < 0) {
      uv_close(reinterpret_cast<uv_handle_t *>(s), nullptr);
      return;
    }
    k->buf.append(b->base, size_t(n));
    size_t nl;
    while ((nl = k->buf.find('\n')) != std::string::npos) {
      std::string line = k->buf.substr(0, nl);
      k->buf.erase(0, nl + 1);
      if (line.rfind("JOIN ", 0) == 0) {
        k->joined = true;
        k->partitions.clear();
        size_t sp = line.find(' ', 5);
        std::string list = sp == std::string::npos ? "" : line.substr(sp + 1);
        for (size_t at = 0; at < list.size();) {
          size_t comma = list.find(',', at);
          k->partitions.push_back(atoi(list.substr(at, comma - at).c_str()));
          at = comma == std::string::npos ? list.size() : comma + 1;
        }
      } else if (line.rfind("MSG ", 0) == 0) {
        int p = 0;
        long long off = 0;
        char value[64] = "";
        if (sscanf(line.c_str(), "MSG %d %lld %63s", &p, &off, value) == 3)
          k->seen.push_back(Seen{p, off, "", value});
      }
    }
    uv_stop(k->loop);
  }
  static void on_exit(uv_process_t *p, int64_t status, int) {
    KafkaJs *k = static_cast<KafkaJs *>(p->data);
    k->exited = true;
    k->exit_status = status;
    uv_close(reinterpret_cast<uv_handle_t *>(p), nullptr);
    uv_stop(k->loop);
  }

  KafkaJs(uv_loop_t *l, const std::string &group, const std::string &topic) : loop(l) {
    std::string node_path;
    FILE *f = popen((std::string(UVK_SOURCE_ROOT) + "/test/lib/kafkajs.sh").c_str(), "r");
    REQUIRE(f);
    char line[4096];
    if (fgets(line, sizeof line, f)) node_path = line;
    REQUIRE(pclose(f) == 0);
    while (!node_path.empty() && node_path.back() == '\n') node_path.pop_back();
    INFO("npm kafkajs is needed for the interop test (test/lib/kafkajs.sh)");
    REQUIRE_FALSE(node_path.empty());
    std::string script = std::string(UVK_SOURCE_ROOT) + "/test/interop/kafkajs_member.js";
    std::string brokers = env("UVK_TEST_BROKERS");
    std::string np = "NODE_PATH=" + node_path, path = "PATH=" + env("PATH");
    char *args[] = {const_cast<char *>("node"), const_cast<char *>(script.c_str()),
                    const_cast<char *>(brokers.c_str()), const_cast<char *>(group.c_str()),
                    const_cast<char *>(topic.c_str()), nullptr};
    char *envp[] = {const_cast<char *>(np.c_str()), const_cast<char *>(path.c_str()), nullptr};
    REQUIRE(uv_pipe_init(loop, &in, 0) == 0);
    REQUIRE(uv_pipe_init(loop, &out, 0) == 0);
    in.data = out.data = this;
    uv_stdio_container_t stdio[3];
    stdio[0].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_READABLE_PIPE);
    stdio[0].data.stream = reinterpret_cast<uv_stream_t *>(&in);
    stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[1].data.stream = reinterpret_cast<uv_stream_t *>(&out);
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    uv_process_options_t o;
    memset(&o, 0, sizeof o);
    o.file = "node";
    o.args = args;
    o.env = envp;
    o.stdio = stdio;
    o.stdio_count = 3;
    o.exit_cb = on_exit;
    proc.data = this;
    REQUIRE(uv_spawn(loop, &proc, &o) == 0);
    REQUIRE(uv_read_start(reinterpret_cast<uv_stream_t *>(&out), on_alloc, on_read) == 0);
  }
  // Closing its stdin makes it leave the group and exit.
  void leave() { uv_close(reinterpret_cast<uv_handle_t *>(&in), nullptr); }
};

}  // namespace

TEST_CASE("consumer: a group of one uvkafka and one KafkaJS member splits the partitions and reads every message once",
          "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-consume-kafkajs");
  create_topic(rig, topic, 6);
  std::string group = uniq("uvk-it-group-kafkajs");
  KafkaJs js(&rig.loop, group, topic);
  Member m(rig, group, topic, true);  // RoundRobinAssigner: the protocol KafkaJS speaks
  m.run_each_message();
  // Both in one generation: each holds three of the six partitions.
  while (!(js.joined && js.partitions.size() == 3 && m.assignment.size() == 3) && !js.exited) rig.turn();
  REQUIRE_FALSE(js.exited);
  std::set<int32_t> parts(js.partitions.begin(), js.partitions.end());
  for (const uvk_topic_partition &tp : m.assignment) CHECK(parts.insert(tp.partition).second);
  CHECK(parts.size() == 6);
  const int n = 3000;
  produce(rig, topic, 0, n);
  while (m.seen.size() + js.seen.size() < size_t(n) && !js.exited) rig.turn();
  js.leave();
  while (!js.exited) rig.turn();
  CHECK(js.exit_status == 0);
  m.stop();
  CHECK(m.seen.size() > 0);
  CHECK(js.seen.size() > 0);
  std::vector<int> count(size_t(n), 0);
  for (const Seen &s : m.seen) count[size_t(atol(s.value.c_str()))]++;
  for (const Seen &s : js.seen) count[size_t(atol(s.value.c_str()))]++;
  int missing = 0, dup = 0;
  for (int c : count) {
    missing += c == 0;
    dup += c > 1;
  }
  CHECK(missing == 0);
  CHECK(dup == 0);
}
