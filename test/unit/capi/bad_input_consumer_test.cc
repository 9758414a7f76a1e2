// Bad input through the C ABI (bad_input.h): the consumer's and the share consumer's functions.
#include "bad_input.h"

using namespace bad_input;

// ---- consumer -------------------------------------------------------------------------------

BAD_INPUT(uvk_run_options_init) {
  touches_nothing([] { uvk_run_options_init(nullptr); });
  uvk_run_options o;
  memset(&o, 0xab, sizeof o);
  uvk_run_options_init(&o);
  CHECK(o.struct_size == sizeof o);
}

BAD_INPUT(uvk_consumer_new) {
  uvk_consumer *c = nullptr;
  Rig r;
  uvk_config *cfg = uvk_config_new();
  expect(uvk_consumer_new(nullptr, cfg, &c), UVK_EINVAL);
  expect(uvk_consumer_new(r.client, nullptr, &c), UVK_EINVAL);
  expect(uvk_consumer_new(r.client, cfg, nullptr), UVK_EINVAL);
  expect(uvk_consumer_new(r.client, cfg, &c), UVK_EINVAL);  // no groupId
  CHECK(c == nullptr);
  // A group id that is not UTF-8 goes to the broker as it is: accepted, no crash.
  REQUIRE(uvk_config_set_str(cfg, "groupId", kBadUtf8) == 0);
  REQUIRE(uvk_consumer_new(r.client, cfg, &c) == 0);
  uvk_consumer_free(c);
  c = nullptr;
  r.disconnect();
  expect(uvk_consumer_new(r.client, cfg, &c), UVK_ECLOSED);
  uvk_config_free(cfg);
}
// ---- the share consumer (uvk_share.h) --------------------------------------------------
namespace {
// A share consumer over the rig's client (its broker refuses every connection).
uvk_share_consumer *new_share(Rig &r) {
  uvk_config *cfg = unreachable_config();
  REQUIRE(uvk_config_set_str(cfg, "groupId", "uvk-bad-input-share") == 0);
  uvk_share_consumer *s = nullptr;
  REQUIRE(uvk_share_consumer_new(r.client, cfg, &s) == 0);
  uvk_config_free(cfg);
  return s;
}
int share_record(uvk_share_consumer *, const uvk_share_record *, void *) { return 0; }
}  // namespace

BAD_INPUT(uvk_share_run_options_init) {
  touches_nothing([] { uvk_share_run_options_init(nullptr); });
  uvk_share_run_options o;
  memset(&o, 0xab, sizeof o);
  uvk_share_run_options_init(&o);
  CHECK(o.struct_size == sizeof o);
  CHECK(o.max_records == 500);
  CHECK(o.each_record == nullptr);
}
BAD_INPUT(uvk_share_consumer_new) {
  uvk_share_consumer *s = nullptr;
  Rig r;
  uvk_config *cfg = uvk_config_new();
  expect(uvk_share_consumer_new(nullptr, cfg, &s), UVK_EINVAL);
  expect(uvk_share_consumer_new(r.client, nullptr, &s), UVK_EINVAL);
  expect(uvk_share_consumer_new(r.client, cfg, nullptr), UVK_EINVAL);
  expect(uvk_share_consumer_new(r.client, cfg, &s), UVK_EINVAL);  // no groupId
  CHECK(s == nullptr);
  uvk_config_free(cfg);
  r.disconnect();
  cfg = unreachable_config();
  REQUIRE(uvk_config_set_str(cfg, "groupId", "g") == 0);
  expect(uvk_share_consumer_new(r.client, cfg, &s), UVK_ECLOSED);
  uvk_config_free(cfg);
}
BAD_INPUT(uvk_share_consumer_free) { touches_nothing([] { uvk_share_consumer_free(nullptr); }); }
BAD_INPUT(uvk_share_consumer_subscribe) {
  expect(uvk_share_consumer_subscribe(nullptr, "t"), UVK_EINVAL);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  expect(uvk_share_consumer_subscribe(s, nullptr), UVK_EINVAL);
  expect(uvk_share_consumer_subscribe(s, ""), UVK_EINVAL);
  for (const char *bad : {kBadUtf8, kOverlong, "a b", "a/b"}) {
    INFO(bad);
    expect(uvk_share_consumer_subscribe(s, bad), UVK_EINVAL);
  }
  REQUIRE(uvk_share_consumer_subscribe(s, "t") == 0);
  uvk_share_run_options o;
  uvk_share_run_options_init(&o);
  o.each_record = share_record;
  REQUIRE(uvk_share_consumer_run(s, &o) == 0);
  expect(uvk_share_consumer_subscribe(s, "u"), UVK_ESTATE);  // running
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_run) {
  uvk_share_run_options o;
  uvk_share_run_options_init(&o);
  o.each_record = share_record;
  expect(uvk_share_consumer_run(nullptr, &o), UVK_EINVAL);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  expect(uvk_share_consumer_run(s, nullptr), UVK_EINVAL);
  expect(uvk_share_consumer_run(s, &o), UVK_EINVAL);  // nothing subscribed
  REQUIRE(uvk_share_consumer_subscribe(s, "t") == 0);
  uvk_share_run_options both = o;
  both.each_batch = [](uvk_share_consumer *, const uvk_share_batch *, void *) { return 0; };
  expect(uvk_share_consumer_run(s, &both), UVK_EINVAL);  // exactly one handler
  uvk_share_run_options none = o;
  none.each_record = nullptr;
  expect(uvk_share_consumer_run(s, &none), UVK_EINVAL);
  uvk_share_run_options zero = o;
  zero.max_records = 0;
  expect(uvk_share_consumer_run(s, &zero), UVK_EINVAL);
  uvk_share_run_options small = o;
  small.struct_size = 3;
  expect(uvk_share_consumer_run(s, &small), UVK_EINVAL);  // never initialised
  uvk_share_run_options big = o;
  big.struct_size = sizeof big + 8;
  expect(uvk_share_consumer_run(s, &big), UVK_EUNSUPPORTED);  // a newer header
  REQUIRE(uvk_share_consumer_run(s, &o) == 0);
  expect(uvk_share_consumer_run(s, &o), UVK_ESTATE);
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_ack) {
  expect(uvk_share_ack(nullptr, "t", 0, 0, UVK_SHARE_ACCEPT), UVK_EINVAL);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  expect(uvk_share_ack(s, nullptr, 0, 0, UVK_SHARE_ACCEPT), UVK_EINVAL);
  expect(uvk_share_ack(s, "t", 0, 0, 0), UVK_EINVAL);   // GAP is the library's own
  expect(uvk_share_ack(s, "t", 0, 0, 5), UVK_EINVAL);
  expect(uvk_share_ack(s, "t", 0, 0, UVK_SHARE_ACCEPT), UVK_ENOTFOUND);  // nothing delivered
  expect(uvk_share_ack(s, "t", -1, -5, UVK_SHARE_RENEW), UVK_ENOTFOUND);
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_held) {
  CHECK(uvk_share_consumer_held(nullptr) == 0);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  CHECK(uvk_share_consumer_held(s) == 0);
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_set_ack_cb) {
  expect(uvk_share_consumer_set_ack_cb(nullptr, nullptr, nullptr), UVK_EINVAL);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  CHECK(uvk_share_consumer_set_ack_cb(s, nullptr, nullptr) == 0);  // NULL: none
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_set_crash_cb) {
  expect(uvk_share_consumer_set_crash_cb(nullptr, nullptr, nullptr), UVK_EINVAL);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  CHECK(uvk_share_consumer_set_crash_cb(s, nullptr, nullptr) == 0);
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_close) {
  expect(uvk_share_consumer_close(nullptr, nullptr, nullptr), UVK_EINVAL);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  bool done = false;
  int code = 1;
  struct Ctx {
    bool *done;
    int *code;
  } ctx{&done, &code};
  // Never run: the close completes on the loop's next turn, not inside the call.
  REQUIRE(uvk_share_consumer_close(s, [](uvk_share_consumer *, const uvk_error *e, void *ud) {
    Ctx *c = static_cast<Ctx *>(ud);
    *c->done = true;
    *c->code = e ? uvk_error_code(e) : 0;
  }, &ctx) == 0);
  CHECK(!done);
  expect(uvk_share_consumer_close(s, nullptr, nullptr), UVK_ESTATE);  // one close at a time
  r.run_until(&done);
  CHECK(code == 0);
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_member_id) {
  CHECK(strcmp(uvk_share_consumer_member_id(nullptr), "") == 0);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  CHECK(strcmp(uvk_share_consumer_member_id(s), "") == 0);  // made at run
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_member_epoch) {
  CHECK(uvk_share_consumer_member_epoch(nullptr) == -1);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  CHECK(uvk_share_consumer_member_epoch(s) == 0);
  uvk_share_consumer_free(s);
}
BAD_INPUT(uvk_share_consumer_assignment) {
  CHECK(uvk_share_consumer_assignment(nullptr, nullptr, 0) == 0);
  Rig r;
  uvk_share_consumer *s = new_share(r);
  CHECK(uvk_share_consumer_assignment(s, nullptr, 5) == 0);  // NULL out with a capacity
  uvk_topic_partition tp[2];
  CHECK(uvk_share_consumer_assignment(s, tp, 2) == 0);
  uvk_share_consumer_free(s);
}

BAD_INPUT(uvk_consumer_free) { touches_nothing([] { uvk_consumer_free(nullptr); }); }
BAD_INPUT(uvk_consumer_subscribe) {
  expect(uvk_consumer_subscribe(nullptr, "t", 0), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_subscribe(r.consumer, nullptr, 0), UVK_EINVAL);
  expect(uvk_consumer_subscribe(r.consumer, "", 0), UVK_EINVAL);
  std::string long_name(250, 'a');
  expect(uvk_consumer_subscribe(r.consumer, long_name.c_str(), 0), UVK_EINVAL);
  for (const char *bad : {kBadUtf8, kOverlong, "a b", "a/b", "caf\xc3\xa9"}) {
    INFO(bad);
    expect(uvk_consumer_subscribe(r.consumer, bad, 0), UVK_EINVAL);
  }
}
BAD_INPUT(uvk_consumer_subscribe_pattern) {
  expect(uvk_consumer_subscribe_pattern(nullptr, "t.*", 0), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_subscribe_pattern(r.consumer, nullptr, 0), UVK_EINVAL);
  expect(uvk_consumer_subscribe_pattern(r.consumer, "", 0), UVK_EINVAL);
  expect(uvk_consumer_subscribe_pattern(r.consumer, "(", 0), UVK_EINVAL);
  expect(uvk_consumer_subscribe_pattern(r.consumer, "[a-", 0), UVK_EINVAL);
  std::string long_pattern(1025, 'a');
  expect(uvk_consumer_subscribe_pattern(r.consumer, long_pattern.c_str(), 0), UVK_EINVAL);
}

// run, then every call that is only allowed before it; stop; stop again.
BAD_INPUT(uvk_consumer_run) {
  uvk_run_options o;
  uvk_run_options_init(&o);
  o.each_message = each_message;
  expect(uvk_consumer_run(nullptr, &o), UVK_EINVAL);
  Rig r;
  uvk_consumer *c = r.consumer;
  expect(uvk_consumer_run(c, nullptr), UVK_EINVAL);
  expect(uvk_consumer_run(c, &o), UVK_EINVAL);  // nothing subscribed
  REQUIRE(uvk_consumer_subscribe(c, "t", 1) == 0);
  uvk_run_options both = o;
  both.each_batch = [](uvk_consumer *, const uvk_batch *, void *) { return 0; };
  expect(uvk_consumer_run(c, &both), UVK_EINVAL);  // exactly one handler
  uvk_run_options none = o;
  none.each_message = nullptr;
  expect(uvk_consumer_run(c, &none), UVK_EINVAL);
  REQUIRE(uvk_consumer_run(c, &o) == 0);
  expect(uvk_consumer_run(c, &o), UVK_ESTATE);
  expect(uvk_consumer_subscribe(c, "u", 0), UVK_ESTATE);
  expect(uvk_consumer_subscribe_pattern(c, "u.*", 0), UVK_ESTATE);
  expect(uvk_consumer_add_assigner(c, "X", 0, nullptr, 0, assign_fn, nullptr), UVK_ESTATE);
  CHECK(uvk_consumer_is_running(c) == 1);
  bool stopped = false;
  REQUIRE(uvk_consumer_stop(c, [](uvk_consumer *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
  }, &stopped) == 0);
  expect(uvk_consumer_stop(c, consumer_cb, nullptr), UVK_ESTATE);
  r.run_until(&stopped);
  r.disconnect();
  expect(uvk_consumer_run(c, &o), UVK_ECLOSED);
}
BAD_INPUT(uvk_consumer_stop) {
  expect(uvk_consumer_stop(nullptr, consumer_cb, nullptr), UVK_EINVAL);
  Rig r;
  bool stopped = false;
  // Never run: stop still completes (once), with a NULL callback allowed on the second try.
  REQUIRE(uvk_consumer_stop(r.consumer, [](uvk_consumer *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
  }, &stopped) == 0);
  expect(uvk_consumer_stop(r.consumer, nullptr, nullptr), UVK_ESTATE);
  r.run_until(&stopped);
}
BAD_INPUT(uvk_consumer_disconnect) {
  expect(uvk_consumer_disconnect(nullptr, consumer_cb, nullptr), UVK_EINVAL);
  Rig r;
  bool stopped = false;
  REQUIRE(uvk_consumer_disconnect(r.consumer, [](uvk_consumer *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
  }, &stopped) == 0);
  expect(uvk_consumer_disconnect(r.consumer, consumer_cb, nullptr), UVK_ESTATE);
  r.run_until(&stopped);
}
BAD_INPUT(uvk_consumer_set_crash_cb) { expect(uvk_consumer_set_crash_cb(nullptr, consumer_cb, nullptr), UVK_EINVAL); }
BAD_INPUT(uvk_consumer_set_rebalance_listener) {
  expect(uvk_consumer_set_rebalance_listener(nullptr, nullptr, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_set_rebalance_listener(r.consumer, nullptr, nullptr), 0);  // none
}
BAD_INPUT(uvk_consumer_rebalance_done) {
  expect(uvk_consumer_rebalance_done(nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_rebalance_done(r.consumer), UVK_ENOTFOUND);  // no listener call pending
}
BAD_INPUT(uvk_consumer_done) {
  expect(uvk_consumer_done(nullptr, "t", 0, 0), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_done(r.consumer, nullptr, 0, 0), UVK_EINVAL);
  expect(uvk_consumer_done(r.consumer, "t", -1, 0), UVK_ENOTFOUND);  // nothing pending
  expect(uvk_consumer_done(r.consumer, kBadUtf8, 0, 0), UVK_ENOTFOUND);
}
BAD_INPUT(uvk_consumer_resolve_offset) {
  expect(uvk_consumer_resolve_offset(nullptr, "t", 0, 0), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_resolve_offset(r.consumer, nullptr, 0, 0), UVK_EINVAL);
  expect(uvk_consumer_resolve_offset(r.consumer, "t", 0, -1), UVK_EINVAL);
  expect(uvk_consumer_resolve_offset(r.consumer, "t", -1, 0), UVK_ENOTFOUND);  // not assigned
}
BAD_INPUT(uvk_consumer_commit_offsets_if_necessary) {
  expect(uvk_consumer_commit_offsets_if_necessary(nullptr), UVK_EINVAL);
  Rig r;
  CHECK(uvk_consumer_commit_offsets_if_necessary(r.consumer) == 0);  // not a member: nothing to do
}
BAD_INPUT(uvk_consumer_commit_offsets) {
  uvk_topic_partition_offset o = {"t", 0, 1};
  expect(uvk_consumer_commit_offsets(nullptr, &o, 1, consumer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_commit_offsets(r.consumer, nullptr, 1, consumer_cb, nullptr), UVK_EINVAL);
  expect(uvk_consumer_commit_offsets(r.consumer, &o, 0, consumer_cb, nullptr), UVK_EINVAL);
  uvk_topic_partition_offset bad[] = {{nullptr, 0, 1}, {"t", -1, 1}, {"t", 0, -1}};
  for (const auto &b : bad) expect(uvk_consumer_commit_offsets(r.consumer, &b, 1, consumer_cb, nullptr), UVK_EINVAL);
  expect(uvk_consumer_commit_offsets(r.consumer, &o, 5000, consumer_cb, nullptr), UVK_EINVAL);  // over 4096
  // Before the consumer joined there is no group coordinator to commit to.
  bool called = false;
  expect(uvk_consumer_commit_offsets(r.consumer, &o, 1, [](uvk_consumer *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
  }, &called), UVK_ENOTFOUND);
  uv_run(&r.loop, UV_RUN_NOWAIT);
  CHECK_FALSE(called);  // a call that returns an error never calls back
}
BAD_INPUT(uvk_consumer_commit_offsets_with_metadata) {
  uvk_topic_partition_offset_metadata o = {"t", 0, 1, "m"};
  expect(uvk_consumer_commit_offsets_with_metadata(nullptr, &o, 1, consumer_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_commit_offsets_with_metadata(r.consumer, nullptr, 1, consumer_cb, nullptr), UVK_EINVAL);
  expect(uvk_consumer_commit_offsets_with_metadata(r.consumer, &o, 0, consumer_cb, nullptr), UVK_EINVAL);
  uvk_topic_partition_offset_metadata bad[] = {{nullptr, 0, 1, "m"}, {"t", -1, 1, "m"}, {"t", 0, -1, nullptr}};
  for (const auto &b : bad)
    expect(uvk_consumer_commit_offsets_with_metadata(r.consumer, &b, 1, consumer_cb, nullptr), UVK_EINVAL);
  expect(uvk_consumer_commit_offsets_with_metadata(r.consumer, &o, 5000, consumer_cb, nullptr), UVK_EINVAL);
  // One byte past the cap and no NUL: refused, and read no further (ASan watches the end).
  char *big = static_cast<char *>(malloc(UVK_COMMIT_METADATA_MAX + 1));
  // Not REQUIRE(big): Catch would print the unterminated bytes as a C string.
  if (!big) FAIL("out of memory");
  memset(big, 'm', UVK_COMMIT_METADATA_MAX + 1);
  uvk_topic_partition_offset_metadata two[] = {{"t", 0, 1, nullptr}, {"t", 1, 1, big}};
  expect(uvk_consumer_commit_offsets_with_metadata(r.consumer, two, 2, consumer_cb, nullptr), UVK_ETOOLARGE);
  // At the cap it passes the checks: the lack of a coordinator is what refuses it.
  big[UVK_COMMIT_METADATA_MAX] = '\0';
  bool called = false;
  expect(uvk_consumer_commit_offsets_with_metadata(r.consumer, two, 2, [](uvk_consumer *, const uvk_error *, void *ud) {
    *static_cast<bool *>(ud) = true;
  }, &called), UVK_ENOTFOUND);
  free(big);
  uv_run(&r.loop, UV_RUN_NOWAIT);
  CHECK_FALSE(called);  // a call that returns an error never calls back
}
BAD_INPUT(uvk_consumer_seek) {
  expect(uvk_consumer_seek(nullptr, "t", 0, 0), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_seek(r.consumer, nullptr, 0, 0), UVK_EINVAL);
  expect(uvk_consumer_seek(r.consumer, "t", -1, 0), UVK_EINVAL);
  expect(uvk_consumer_seek(r.consumer, "t", 0, -1), UVK_EINVAL);
  expect(uvk_consumer_seek(r.consumer, "t", 0, 0), UVK_ESTATE);  // before run
}
BAD_INPUT(uvk_consumer_pause) {
  int32_t parts[] = {0, -1};
  expect(uvk_consumer_pause(nullptr, "t", nullptr, 0), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_pause(r.consumer, nullptr, nullptr, 0), UVK_EINVAL);
  expect(uvk_consumer_pause(r.consumer, "", nullptr, 0), UVK_EINVAL);
  expect(uvk_consumer_pause(r.consumer, "t", nullptr, 2), UVK_EINVAL);
  expect(uvk_consumer_pause(r.consumer, "t", parts, 2), UVK_EINVAL);  // a negative partition
  expect(uvk_consumer_pause(r.consumer, "t", parts, SIZE_MAX), UVK_EINVAL);
}
BAD_INPUT(uvk_consumer_resume) {
  int32_t parts[] = {-5};
  expect(uvk_consumer_resume(nullptr, "t", nullptr, 0), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_resume(r.consumer, nullptr, nullptr, 0), UVK_EINVAL);
  expect(uvk_consumer_resume(r.consumer, "t", nullptr, 1), UVK_EINVAL);
  expect(uvk_consumer_resume(r.consumer, "t", parts, 1), UVK_EINVAL);
}
BAD_INPUT(uvk_consumer_is_paused) {
  CHECK(uvk_consumer_is_paused(nullptr, "t", 0) == 0);
  Rig r;
  CHECK(uvk_consumer_is_paused(r.consumer, nullptr, 0) == 0);
  CHECK(uvk_consumer_is_paused(r.consumer, "t", -1) == 0);
}
BAD_INPUT(uvk_consumer_is_running) { CHECK(uvk_consumer_is_running(nullptr) == 0); }
BAD_INPUT(uvk_consumer_is_stale) {
  CHECK(uvk_consumer_is_stale(nullptr, "t", 0) == 1);
  Rig r;
  CHECK(uvk_consumer_is_stale(r.consumer, nullptr, 0) == 1);
}
BAD_INPUT(uvk_consumer_heartbeat) { expect(uvk_consumer_heartbeat(nullptr), UVK_EINVAL); }
BAD_INPUT(uvk_consumer_assignment) {
  CHECK(uvk_consumer_assignment(nullptr, nullptr, 0) == 0);
  Rig r;
  CHECK(uvk_consumer_assignment(r.consumer, nullptr, 5) == 0);  // NULL out with a capacity
}
BAD_INPUT(uvk_consumer_position) {
  int64_t pos = 7, hw = 7;
  expect(uvk_consumer_position(nullptr, "t", 0, &pos, &hw), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_position(r.consumer, nullptr, 0, &pos, &hw), UVK_EINVAL);
  expect(uvk_consumer_position(r.consumer, "t", -1, nullptr, nullptr), UVK_ENOTFOUND);
  CHECK(pos == 7);
  CHECK(hw == 7);
}
BAD_INPUT(uvk_consumer_add_assigner) {
  expect(uvk_consumer_add_assigner(nullptr, "X", 0, nullptr, 0, assign_fn, nullptr), UVK_EINVAL);
  Rig r;
  uvk_consumer *c = r.consumer;
  expect(uvk_consumer_add_assigner(c, nullptr, 0, nullptr, 0, assign_fn, nullptr), UVK_EINVAL);
  expect(uvk_consumer_add_assigner(c, "", 0, nullptr, 0, assign_fn, nullptr), UVK_EINVAL);
  expect(uvk_consumer_add_assigner(c, "X", 0, nullptr, 0, nullptr, nullptr), UVK_EINVAL);
  expect(uvk_consumer_add_assigner(c, "X", -1, nullptr, 0, assign_fn, nullptr), UVK_EINVAL);
  expect(uvk_consumer_add_assigner(c, "X", 40000, nullptr, 0, assign_fn, nullptr), UVK_EINVAL);
  expect(uvk_consumer_add_assigner(c, "X", 0, nullptr, 10, assign_fn, nullptr), UVK_EINVAL);
  REQUIRE(uvk_consumer_add_assigner(c, "X", 0, nullptr, 0, assign_fn, nullptr) == 0);
  expect(uvk_consumer_add_assigner(c, "X", 0, nullptr, 0, assign_fn, nullptr), UVK_EINVAL);  // twice
}
// A builder exists only inside an assign callback; outside, NULL is all a caller has.
BAD_INPUT(uvk_assignment_set) {
  expect(uvk_assignment_set(nullptr, "m", "x", 1), UVK_EINVAL);
  expect(uvk_assignment_set(nullptr, nullptr, nullptr, 0), UVK_EINVAL);
}
BAD_INPUT(uvk_assignment_set_partitions) {
  uvk_topic_partition tp = {"t", 0};
  expect(uvk_assignment_set_partitions(nullptr, "m", 0, &tp, 1, nullptr, 0), UVK_EINVAL);
  expect(uvk_assignment_set_partitions(nullptr, nullptr, 0, nullptr, 1, nullptr, 5), UVK_EINVAL);
}
BAD_INPUT(uvk_member_metadata_decode) {
  int err = 0;
  CHECK(uvk_member_metadata_decode(nullptr, 10, &err) == nullptr);
  expect(err, UVK_EINVAL);
  CHECK(uvk_member_metadata_decode(nullptr, 10, nullptr) == nullptr);  // err may be NULL
  const uint8_t garbage[] = {0x00, 0x01, 0x7f, 0xff, 0xff, 0xff};  // topic count -1 then nothing
  err = 0;
  CHECK(uvk_member_metadata_decode(garbage, sizeof garbage, &err) == nullptr);
  CHECK(err < 0);
  const uint8_t huge_count[] = {0x00, 0x00, 0x7f, 0xff, 0xff, 0xff};
  err = 0;
  CHECK(uvk_member_metadata_decode(huge_count, sizeof huge_count, &err) == nullptr);
  CHECK(err < 0);
}
BAD_INPUT(uvk_member_metadata_free) { touches_nothing([] { uvk_member_metadata_free(nullptr); }); }
BAD_INPUT(uvk_member_assignment_decode) {
  int err = 0;
  CHECK(uvk_member_assignment_decode(nullptr, 3, &err) == nullptr);
  expect(err, UVK_EINVAL);
  const uint8_t truncated[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x05, 't'};
  err = 0;
  CHECK(uvk_member_assignment_decode(truncated, sizeof truncated, &err) == nullptr);
  CHECK(err < 0);
}
BAD_INPUT(uvk_member_assignment_free) { touches_nothing([] { uvk_member_assignment_free(nullptr); }); }
BAD_INPUT(uvk_consumer_describe_group) {
  expect(uvk_consumer_describe_group(nullptr, describe_cb, nullptr), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_describe_group(r.consumer, nullptr, nullptr), UVK_EINVAL);
}
BAD_INPUT(uvk_consumer_member_id) { CHECK(strcmp(uvk_consumer_member_id(nullptr), "") == 0); }
BAD_INPUT(uvk_consumer_generation) { CHECK(uvk_consumer_generation(nullptr) == -1); }
BAD_INPUT(uvk_consumer_group_metadata) {
  uvk_group_metadata g;
  CHECK(uvk_consumer_group_metadata(nullptr, &g) == UVK_EINVAL);
  Rig r;
  CHECK(uvk_consumer_group_metadata(r.consumer, nullptr) == UVK_EINVAL);
  REQUIRE(uvk_consumer_group_metadata(r.consumer, &g) == 0);
  CHECK(std::string(g.group_id) == "uvk-bad-input");
  CHECK(std::string(g.member_id).empty());  // never joined
  CHECK(g.generation_id == -1);
  CHECK(g.group_instance_id == nullptr);
}
BAD_INPUT(uvk_consumer_on) {
  CHECK(uvk_consumer_on(nullptr, UVK_EVENT_GROUP_JOIN, event_fn, nullptr) == UVK_EINVAL);
  Rig r;
  CHECK(uvk_consumer_on(r.consumer, UVK_EVENT_GROUP_JOIN, nullptr, nullptr) == UVK_EINVAL);
  CHECK(uvk_consumer_on(r.consumer, 0, event_fn, nullptr) == UVK_EINVAL);
  CHECK(uvk_consumer_on(r.consumer, -3, event_fn, nullptr) == UVK_EINVAL);
  // The network events are its client's (uvk_client_on): refused here.
  for (int type = UVK_EVENT_CONNECT; type <= UVK_EVENT_REQUEST_QUEUE_SIZE; type++) {
    INFO(uvk_event_name(type));
    CHECK(uvk_consumer_on(r.consumer, type, event_fn, nullptr) == UVK_EINVAL);
  }
  for (int type = UVK_EVENT_GROUP_JOIN; type < UVK_EVENT_TYPE_LAST_; type++)
    CHECK(uvk_consumer_on(r.consumer, type, event_fn, nullptr) > 0);
}
BAD_INPUT(uvk_consumer_off) {
  expect(uvk_consumer_off(nullptr, 1), UVK_EINVAL);
  Rig r;
  expect(uvk_consumer_off(r.consumer, 0), UVK_EINVAL);
  expect(uvk_consumer_off(r.consumer, -1), UVK_EINVAL);
  expect(uvk_consumer_off(r.consumer, 999), UVK_ENOTFOUND);
}
