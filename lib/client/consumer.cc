// The consumer's life cycle (new, subscribe, run, stop, free), its bookkeeping helpers and
// the per-partition calls (done, resolve, seek, pause); delivery is consumer_deliver.cc.
#include <stdarg.h>
#include <string.h>

#include <new>

#include "client/assignor.h"
#include "client/consumer_internal.h"
#include "engine/coordinator.h"
#include "engine/kafka_errors.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

namespace {

void set_why(char *why, size_t len, const char *msg) {
  if (why && len) {
    strncpy(why, msg, len - 1);
    why[len - 1] = 0;
  }
}

}  // namespace

Pending *pending_new(Consumer *c, int kind) {
  void *mem = mem_alloc(c->alloc, sizeof(Pending));
  if (!mem) return nullptr;
  Pending *p = new (mem) Pending();
  p->c = c;
  p->alloc = c->alloc;
  p->kind = kind;
  p->arena.alloc = c->alloc;
  p->arena.limit = 256u << 20;  // decoded arrays of one answer
  p->body.alloc = c->alloc;
  p->node = -1;
  p->next = c->pending;
  if (c->pending) c->pending->prev = p;
  c->pending = p;
  return p;
}

void pending_free(Pending *p) {
  if (p->c) {
    if (p->prev) p->prev->next = p->next;
    else p->c->pending = p->next;
    if (p->next) p->next->prev = p->prev;
    if (p->c->commit_in_flight == p) p->c->commit_in_flight = nullptr;
  }
  const Allocator *a = p->alloc;
  arena_free(&p->arena);
  buf_free(&p->body);
  p->~Pending();
  mem_free(a, p);
}

PartState *find_part(Consumer *c, const char *topic, int32_t partition) {
  for (int32_t i = 0; i < c->n_parts; i++)
    if (c->parts[i].partition == partition && strcmp(c->parts[i].topic, topic) == 0) return &c->parts[i];
  return nullptr;
}

void consumer_forget_coordinator(Consumer *c) {
  coordinator_invalidate(c->e, kCoordinatorGroup, c->group_id);
  c->coordinator = -1;
}

PartState part_state_new(Consumer *c, const char *topic, int32_t partition, bool from_beginning) {
  PartState ps = PartState();
  ps.topic = topic;
  ps.partition = partition;
  ps.from_beginning = from_beginning;
  ps.position = ps.resolved = ps.committed = ps.resolved_at_commit = -1;
  ps.high_watermark = -1;
  retry_start(&ps.retry, c->cfg.retry, &c->e->rng);
  return ps;
}

bool part_paused(const Consumer *c, const PartState *p) {
  for (int32_t i = 0; i < c->n_paused; i++)
    if ((c->paused[i].partition == -1 || c->paused[i].partition == p->partition) &&
        strcmp(c->paused[i].topic, p->topic) == 0)
      return true;
  return false;
}

void consumer_emit(Consumer *c, int type, const void *payload) {
  if (!c->hooks.events || c->detached) return;
  events_emit(c->hooks.events, type, engine_wall_ms(c->e), payload);
}

void consumer_log(Consumer *c, int level, const char *fmt, ...) {
  Logger *l = c->e->hooks.log;
  if (!l || !log_enabled(l, level)) return;
  LogField f[2] = {{"groupId", c->group_id, false}, {"memberId", c->member_id, false}};
  va_list ap;
  va_start(ap, fmt);
  log_emitv(l, level, "Consumer", f, 2, fmt, ap);
  va_end(ap);
}

void consumer_crash(Consumer *c, const uvk_error *err, bool restart) {
  char text[256];
  uvk_error_format(err, text, sizeof text);
  consumer_log(c, UVK_LOG_ERROR, "Crash: %s (restart: %s)", text, restart ? "yes" : "no");
  uvk_event_crash ev{err, c->group_id, restart ? 1 : 0};
  consumer_emit(c, UVK_EVENT_CRASH, &ev);
  if (restart) return;
  c->running = false;
  c->state = kGroupStopped;
  c->assign_gen++;
  engine_cancel_timer(c->e, &c->heartbeat_timer);
  engine_cancel_timer(c->e, &c->fetch_timer);
  if (c->hooks.crashed) c->hooks.crashed(c->hooks.owner, err);
}

int consumer_new(Engine *e, const ConsumerConfig &cfg, const ConsumerHooks &hooks, const Allocator *a,
                 Consumer **out, char *why, size_t why_len) {
  *out = nullptr;
  if (!cfg.group_id || !*cfg.group_id) {
    set_why(why, why_len, "groupId is required");
    return UVK_EINVAL;
  }
  if (cfg.heartbeat_interval >= cfg.session_timeout) {
    set_why(why, why_len, "heartbeatInterval must be lower than sessionTimeout");
    return UVK_EINVAL;
  }
  void *mem = mem_alloc(a, sizeof(Consumer));
  if (!mem) return UVK_ENOMEM;
  Consumer *c = new (mem) Consumer();
  memset(static_cast<void *>(c), 0, sizeof *c);
  c->e = e;
  c->alloc = a;
  c->cfg = cfg;
  c->hooks = hooks;
  c->group_id = mem_strdup(a, cfg.group_id);
  c->rack_id = mem_strdup(a, cfg.rack_id ? cfg.rack_id : "");
  c->assigner_names = mem_strdup(a, cfg.assigners && *cfg.assigners ? cfg.assigners : "RoundRobinAssigner");
  c->remote_assignor = mem_strdup(a, cfg.remote_assignor ? cfg.remote_assignor : "");
  c->instance_id = mem_strdup(a, cfg.instance_id ? cfg.instance_id : "");
  // The caller's strings may not outlive this call: only the copies above are used.
  c->cfg.group_id = c->cfg.assigners = c->cfg.rack_id = c->cfg.remote_assignor = c->cfg.instance_id = nullptr;
  c->member_id = mem_strdup(a, "");
  c->leader_id = mem_strdup(a, "");
  c->protocol = mem_strdup(a, "");
  c->generation = -1;
  c->coordinator = -1;
  c->state = kGroupIdle;
  if (!c->group_id || !c->rack_id || !c->assigner_names || !c->remote_assignor || !c->instance_id || !c->member_id || !c->leader_id || !c->protocol) {
    consumer_free(c);
    return UVK_ENOMEM;
  }
  // "RoundRobinAssigner,range": split in place; each must be a built-in.
  for (char *s = c->assigner_names; *s && c->n_assigners < 8;) {
    char *end = strchr(s, ',');
    if (end) *end = 0;
    while (*s == ' ') s++;
    if (!builtin_assignor(s)) {
      set_why(why, why_len, "partitionAssigners: unknown assigner (RoundRobinAssigner, range, roundrobin)");
      consumer_free(c);
      return UVK_EINVAL;
    }
    c->assigners[c->n_assigners++] = s;
    if (!end) break;
    s = end + 1;
  }
  c->group_lane = engine_new_lane(e);
  c->fetch_lane = engine_new_lane(e);
  retry_start(&c->group_retry, c->cfg.retry, &e->rng);
  consumer_stats_register(c);
  *out = c;
  return 0;
}

void consumer_free(Consumer *c) {
  if (!c) return;
  engine_stats_remove_source(c->e, &c->stats_src);
  c->detached = true;
  // The application's completions still waiting (stop, commits, describe) run now, once,
  // with UVK_ECLOSED; the requests then free themselves when answered, calling nobody.
  uvk_error *closed = error_new(c->alloc, UVK_ECLOSED, 0, nullptr, 0, nullptr);
  if (ConsumerDoneFn fn = c->stop_fn) {
    c->stop_fn = nullptr;
    fn(c->stop_ud, closed);
  }
  for (Pending *p = c->pending; p; p = p->next) {
    if (ConsumerDoneFn fn = p->done) {
      p->done = nullptr;
      fn(p->done_ud, closed);
    }
    if (DescribeGroupFn fn = p->describe_fn) {
      p->describe_fn = nullptr;
      fn(p->done_ud, closed, nullptr);
    }
  }
  if (closed) error_release(closed);
  for (Pending *p = c->pending; p; p = p->next) p->c = nullptr;  // they free themselves
  engine_cancel_timer(c->e, &c->heartbeat_timer);
  engine_cancel_timer(c->e, &c->group_timer);
  engine_cancel_timer(c->e, &c->fetch_timer);
  engine_cancel_timer(c->e, &c->listener_timer);
  consumer_patterns_free(c);
  cgroup_free(c);
  coop_free(c);
  fetch_sessions_free(c);
  fetch_park_free(c);
  arena_free(&c->deliver_arena);
  const Allocator *a = c->alloc;
  for (int i = 0; i < c->n_customs; i++) {
    mem_free(a, c->customs[i].name);
    mem_free(a, c->customs[i].user_data);
  }
  for (int32_t i = 0; i < c->n_subs; i++) mem_free(a, c->subs[i].name);
  for (int32_t i = 0; i < c->n_paused; i++) mem_free(a, c->paused[i].topic);
  mem_free(a, c->subs);
  mem_free(a, c->paused);
  mem_free(a, c->parts);
  mem_free(a, c->group_id);
  mem_free(a, c->rack_id);
  mem_free(a, c->assigner_names);
  mem_free(a, c->remote_assignor);
  mem_free(a, c->instance_id);
  mem_free(a, c->broker_regex);
  mem_free(a, c->member_id);
  mem_free(a, c->leader_id);
  mem_free(a, c->protocol);
  if (c->stop_err) error_release(c->stop_err);
  c->~Consumer();
  mem_free(a, c);
}

void consumer_detach(Consumer *c) { c->detached = true; }

int consumer_subscribe(Consumer *c, const char *topic, bool from_beginning) {
  if (c->running || c->state != kGroupIdle) return UVK_ESTATE;
  return consumer_add_sub(c, topic, from_beginning);
}

int consumer_add_sub(Consumer *c, const char *topic, bool from_beginning) {
  if (!topic || !*topic || strlen(topic) > 249) return UVK_EINVAL;
  for (int32_t i = 0; i < c->n_subs; i++)
    if (strcmp(c->subs[i].name, topic) == 0) {
      c->subs[i].from_beginning = from_beginning;
      return 0;
    }
  if (c->n_subs >= 256) return UVK_EINVAL;
  TopicSub *subs = static_cast<TopicSub *>(mem_realloc(c->alloc, c->subs, sizeof(TopicSub) * size_t(c->n_subs + 1)));
  if (!subs) return UVK_ENOMEM;
  c->subs = subs;
  char *name = mem_strdup(c->alloc, topic);
  if (!name) return UVK_ENOMEM;
  c->subs[c->n_subs++] = TopicSub{name, from_beginning};
  return 0;
}

int consumer_add_assigner(Consumer *c, const char *name, int16_t version, const void *user_data,
                          size_t user_data_len, uvk_assign_fn assign, void *ud) {
  if (!name || !*name || strlen(name) > 200 || !assign || (user_data_len && !user_data) || user_data_len > (1u << 20))
    return UVK_EINVAL;
  if (c->running || c->state != kGroupIdle) return UVK_ESTATE;
  if (c->n_customs >= 4) return UVK_EINVAL;
  for (int i = 0; i < c->n_customs; i++)
    if (strcmp(c->customs[i].name, name) == 0) return UVK_EINVAL;
  CustomAssigner cu{};
  cu.name = mem_strdup(c->alloc, name);
  cu.user_data = user_data_len ? static_cast<uint8_t *>(mem_alloc(c->alloc, user_data_len)) : nullptr;
  if (!cu.name || (user_data_len && !cu.user_data)) {
    mem_free(c->alloc, cu.name);
    mem_free(c->alloc, cu.user_data);
    return UVK_ENOMEM;
  }
  if (user_data_len) memcpy(cu.user_data, user_data, user_data_len);
  cu.user_data_len = user_data_len;
  cu.version = version;
  cu.assign = assign;
  cu.ud = ud;
  c->customs[c->n_customs++] = cu;
  return 0;
}

int consumer_run(Consumer *c, const uvk_run_options &opts, uint64_t now) {
  if ((opts.each_batch == nullptr) == (opts.each_message == nullptr)) return UVK_EINVAL;
  if (c->running || c->state != kGroupIdle) return UVK_ESTATE;
  if (c->n_subs == 0 && c->n_patterns == 0 && !c->broker_regex) return UVK_EINVAL;
  c->run = opts;
  c->running = true;
  c->last_commit_at = now;
  // groupProtocol consumer: the broker evaluates the patterns (broker_regex).
  if (c->n_patterns > 0 && !c->cfg.consumer_protocol) {
    consumer_patterns_start(c, now);
  } else {
    group_start(c, now);
    group_warm_metadata(c, now);  // after FindCoordinator: a broker answers a connection in order
  }
  return 0;
}

namespace {

void stop_after_commit(void *ud, const uvk_error *err) {
  Consumer *c = static_cast<Consumer *>(ud);
  if (err && !c->stop_err) c->stop_err = error_retain(err);
  group_leave(c, c->e->now);
}

void stop_after_listener(Consumer *c, uint64_t now) {
  if (c->run.auto_commit && c->generation >= 0) {
    group_commit_then(c, stop_after_commit, now);
    return;
  }
  group_leave(c, now);
}

void stop_now(void *ud, uint64_t now) {
  Consumer *c = static_cast<Consumer *>(ud);
  // A member gives its partitions up: the listener hears of them before the final commit.
  if (c->generation >= 0 && c->n_parts > 0) return listener_call_all(c, UVK_REBALANCE_REVOKED, stop_after_listener, now);
  if (c->run.auto_commit && c->generation >= 0) {
    group_commit_then(c, stop_after_commit, now);
    return;
  }
  group_leave(c, now);
}

}  // namespace

int consumer_stop(Consumer *c, ConsumerDoneFn fn, void *ud, uint64_t now) {
  if (c->state == kGroupStopping || c->stop_fn) return UVK_ESTATE;
  bool was_member = group_owns(c);
  c->running = false;
  c->assign_gen++;
  engine_cancel_timer(c->e, &c->heartbeat_timer);
  engine_cancel_timer(c->e, &c->fetch_timer);
  engine_cancel_timer(c->e, &c->pattern_timer);
  c->stop_fn = fn;
  c->stop_ud = ud;
  if (c->state == kGroupIdle || c->state == kGroupStopped) {
    c->state = kGroupStopping;
    engine_add_timer(c->e, &c->group_timer, now, [](void *u, uint64_t) {
      Consumer *cc = static_cast<Consumer *>(u);
      cc->generation = -1;
      group_leave(cc, cc->e->now);
    }, c);
    return 0;
  }
  c->state = kGroupStopping;
  if (!was_member) c->generation = -1;  // mid-join: nothing to commit, nothing to leave
  // Never from inside a handler's call stack: the rest runs on the next loop turn.
  engine_add_timer(c->e, &c->group_timer, now, stop_now, c);
  return 0;
}

int consumer_done(Consumer *c, const char *topic, int32_t partition, int result, uint64_t now) {
  if (!topic) return UVK_EINVAL;
  PartState *ps = find_part(c, topic, partition);
  if (!ps || !ps->held) return UVK_ENOTFOUND;  // not assigned any more, or nothing pending
  ps->held = false;
  if (ps->held_stale) {  // a handler of the old assignment: the new one starts from the committed offset,
    ps->held_stale = false;  // read only now (offsets_load): that handler's work may have moved it
    c->offsets_loaded = false;
    offsets_load(c, now);
  } else if (ps->seeks == ps->held_seeks) {
    if (result == 0) {
      if (c->run.each_message) {
        ps->resolved = ps->position = ps->held_next;
        ps->since_commit++;
      } else {
        if (ps->held_next >= 0 && ps->held_next > ps->resolved) {
          ps->since_commit++;
          ps->resolved = ps->held_next;
        }
        ps->position = ps->resolved > ps->held_before ? ps->resolved : ps->held_before;
      }
    } else {
      int64_t wait = 0;
      if (retry_on_error(&ps->retry, c->cfg.retry, &c->e->rng, UVK_ETIMEDOUT, &wait) != RetryVerdict::kRetry)
        wait = c->cfg.retry.max_retry_time;
      ps->not_before = now + uint64_t(wait);
    }
  }
  if (c->run.auto_commit) consumer_commit_if_necessary(c, now);
  if (!c->delivering) fetch_schedule(c, now);
  return 0;
}

int consumer_resolve_offset(Consumer *c, const char *topic, int32_t partition, int64_t offset) {
  if (!topic || offset < 0) return UVK_EINVAL;
  PartState *ps = find_part(c, topic, partition);
  if (!ps) return UVK_ENOTFOUND;
  if (offset + 1 > ps->resolved) {
    ps->since_commit += int32_t(ps->resolved >= 0 ? offset + 1 - ps->resolved : 1);
    ps->resolved = offset + 1;
  }
  return 0;
}

int consumer_commit_if_necessary(Consumer *c, uint64_t now) {
  if (!c->run.auto_commit || !group_owns(c)) return 0;
  bool by_time = c->run.auto_commit_interval >= 0 && now - c->last_commit_at >= uint64_t(c->run.auto_commit_interval);
  int64_t pending = 0;
  for (int32_t i = 0; i < c->n_parts; i++) pending += c->parts[i].since_commit;
  bool by_count = c->run.auto_commit_threshold >= 0 && pending >= c->run.auto_commit_threshold;
  bool always = c->run.auto_commit_interval < 0 && c->run.auto_commit_threshold < 0;
  if (!(always || by_time || by_count)) return 0;
  return group_commit(c, now);
}

int consumer_seek(Consumer *c, const char *topic, int32_t partition, int64_t offset, uint64_t now) {
  if (!topic || offset < 0 || partition < 0) return UVK_EINVAL;
  if (!c->running) return UVK_ESTATE;  // KafkaJS: seek only after run
  PartState *ps = find_part(c, topic, partition);
  if (!ps) return UVK_ENOTFOUND;
  ps->position = offset;
  ps->resolved = offset;
  ps->resolved_at_commit = -1;  // a new resolved offset: committed by the seek's own commit
  ps->seq++;
  ps->seeks++;
  ps->not_before = 0;
  if (c->run.auto_commit) {
    uvk_topic_partition_offset o{ps->topic, partition, offset};
    consumer_commit(c, &o, 1, nullptr, nullptr, now);
  }
  if (!c->delivering) fetch_schedule(c, now);
  return 0;
}

int consumer_pause(Consumer *c, const char *topic, const int32_t *partitions, size_t n, bool pause, uint64_t now) {
  if (!topic || !*topic || (n > 0 && !partitions) || n > 100000) return UVK_EINVAL;
  size_t count = n ? n : 1;
  for (size_t k = 0; k < count; k++) {
    int32_t part = n ? partitions[k] : -1;
    if (n && part < 0) return UVK_EINVAL;
    // Drop matching entries (resume; or pause again replacing the same entry).
    for (int32_t i = 0; i < c->n_paused;) {
      PauseEntry *pe = &c->paused[i];
      if (strcmp(pe->topic, topic) == 0 && (part == -1 || pe->partition == part)) {
        mem_free(c->alloc, pe->topic);
        c->paused[i] = c->paused[--c->n_paused];
      } else {
        i++;
      }
    }
    if (!pause) continue;
    PauseEntry *pes = static_cast<PauseEntry *>(mem_realloc(c->alloc, c->paused, sizeof(PauseEntry) * size_t(c->n_paused + 1)));
    if (!pes) return UVK_ENOMEM;
    c->paused = pes;
    char *name = mem_strdup(c->alloc, topic);
    if (!name) return UVK_ENOMEM;
    c->paused[c->n_paused++] = PauseEntry{name, part};
  }
  for (int32_t i = 0; i < c->n_parts; i++)
    if (strcmp(c->parts[i].topic, topic) == 0) c->parts[i].seq++;  // batches in flight are stale
  if (!pause && !c->delivering) fetch_schedule(c, now);
  return 0;
}

bool consumer_is_paused(const Consumer *c, const char *topic, int32_t partition) {
  for (int32_t i = 0; i < c->n_paused; i++)
    if ((c->paused[i].partition == -1 || c->paused[i].partition == partition) && strcmp(c->paused[i].topic, topic) == 0)
      return true;
  return false;
}

bool consumer_is_running(const Consumer *c) { return c->running; }

bool consumer_is_stale(const Consumer *c, const char *topic, int32_t partition) {
  if (!c->running) return true;
  for (int32_t i = 0; i < c->n_parts; i++)
    if (c->parts[i].partition == partition && strcmp(c->parts[i].topic, topic) == 0)
      return !group_owns(c) || c->parts[i].revoking || part_paused(c, &c->parts[i]) ||
             (c->parts[i].held && c->parts[i].seeks != c->parts[i].held_seeks) ||
             (c->delivering && c->delivering_part == &c->parts[i] && c->parts[i].seeks != c->delivering_seeks);
  return true;  // not assigned (any more)
}

size_t consumer_assignment(const Consumer *c, uvk_topic_partition *out, size_t cap) {
  if (!group_owns(c)) return 0;
  for (int32_t i = 0; i < c->n_parts && size_t(i) < cap; i++)
    out[i] = uvk_topic_partition{c->parts[i].topic, c->parts[i].partition};
  return size_t(c->n_parts);
}

int consumer_position(const Consumer *c, const char *topic, int32_t partition, int64_t *position,
                      int64_t *high_watermark) {
  if (!group_owns(c)) return UVK_ENOTFOUND;
  for (int32_t i = 0; i < c->n_parts; i++)
    if (c->parts[i].partition == partition && strcmp(c->parts[i].topic, topic) == 0) {
      if (position) *position = c->parts[i].position;
      if (high_watermark) *high_watermark = c->parts[i].high_watermark;
      return 0;
    }
  return UVK_ENOTFOUND;
}

const char *consumer_member_id(const Consumer *c) { return c->member_id; }
int32_t consumer_generation(const Consumer *c) { return c->generation; }
const char *consumer_group_id(const Consumer *c) { return c->group_id; }
const char *consumer_instance_id(const Consumer *c) { return c->cfg.instance_id ? c->cfg.instance_id : ""; }

}  // namespace uvk
