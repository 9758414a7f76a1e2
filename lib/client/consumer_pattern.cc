// Subscriptions by regular expression (POSIX extended, matched anywhere in the name unless
// anchored): the cluster's topic list is read when the consumer starts and again every
// metadataMaxAge; topics that newly match are added to the subscription and the member
// rejoins so the group assigns them. (KafkaJS matches once, at subscribe time.)
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "client/consumer_internal.h"
#include "engine/metadata.h"
#include "uvkafka/uvk_errors.h"

namespace uvk {

struct TopicPattern {
  regex_t re;
  bool from_beginning;
};

namespace {

const int kPatternKind = 40;

void refresh_later(Consumer *c, uint64_t now);

// Adds every matching topic not yet subscribed; returns how many were added.
int32_t add_matches(Consumer *c, const MetadataSnapshot *snap) {
  int32_t added = 0;
  for (int32_t t = 0; t < snap->n_topics; t++) {
    const TopicMeta &tm = snap->topics[t];
    if (tm.internal || tm.error != 0 || !tm.name) continue;
    bool have = false;
    for (int32_t s = 0; s < c->n_subs && !have; s++) have = strcmp(c->subs[s].name, tm.name) == 0;
    if (have) continue;
    for (int32_t p = 0; p < c->n_patterns; p++) {
      if (regexec(&c->patterns[p].re, tm.name, 0, nullptr, 0) != 0) continue;
      if (consumer_add_sub(c, tm.name, c->patterns[p].from_beginning) == 0) {
        added++;
        consumer_log(c, UVK_LOG_INFO, "Topic %s matches a subscribed pattern", tm.name);
      }
      break;
    }
  }
  return added;
}

void on_topics(void *ud, const uvk_error *err, MetadataSnapshot *snap) {
  Pending *p = static_cast<Pending *>(ud);
  Consumer *c = p->c;
  const Allocator *a = p->alloc;
  pending_free(p);
  int32_t added = 0;
  if (c && !err && snap) added = add_matches(c, snap);
  if (snap) {
    metadata_snapshot_free(snap);
    mem_free(a, snap);
  }
  if (!c) return;
  uint64_t now = c->e->now;
  bool first = c->state == kGroupIdle && c->running;
  c->pattern_refreshing = false;
  refresh_later(c, now);
  if (first) {
    // The first answer starts the group (even with nothing matching yet: the member then
    // holds no partitions until a topic appears).
    group_start(c, now);
  } else if (added > 0 && c->state == kGroupStable) {
    group_rejoin(c, now);  // the group must assign the new topics
  }
}

void refresh(void *ud, uint64_t now) {
  Consumer *c = static_cast<Consumer *>(ud);
  if (!c->running || c->pattern_refreshing) return;
  Pending *p = pending_new(c, kPatternKind);
  if (!p) return refresh_later(c, now);
  c->pattern_refreshing = true;
  if (metadata_fetch(c->e, nullptr, -1, on_topics, p, now) != 0) {
    c->pattern_refreshing = false;
    pending_free(p);
    refresh_later(c, now);
  }
}

void refresh_later(Consumer *c, uint64_t now) {
  if (!c->running) return;
  uint64_t every = c->e->cfg.metadata_max_age_ms ? c->e->cfg.metadata_max_age_ms : 300000;
  engine_add_timer(c->e, &c->pattern_timer, now + every, refresh, c);
}

}  // namespace

int consumer_subscribe_pattern(Consumer *c, const char *pattern, bool from_beginning) {
  if (!pattern || !*pattern || strlen(pattern) > 1024) return UVK_EINVAL;
  if (c->running || c->state != kGroupIdle) return UVK_ESTATE;
  if (c->n_patterns >= 64) return UVK_EINVAL;
  if (c->cfg.consumer_protocol) {
    // KIP-848: the broker matches topics (RE2, whole names); several patterns become one
    // alternation, since a member sends one regular expression.
    size_t old = c->broker_regex ? strlen(c->broker_regex) : 0, n = strlen(pattern);
    char *re = static_cast<char *>(mem_alloc(c->alloc, old + n + 8));
    if (!re) return UVK_ENOMEM;
    if (old) snprintf(re, old + n + 8, "%s|(?:%s)", c->broker_regex, pattern);
    else snprintf(re, old + n + 8, "(?:%s)", pattern);
    mem_free(c->alloc, c->broker_regex);
    c->broker_regex = re;
    c->regex_from_beginning = c->regex_from_beginning || from_beginning;
    return 0;
  }
  TopicPattern *ps = static_cast<TopicPattern *>(
      mem_realloc(c->alloc, c->patterns, sizeof(TopicPattern) * size_t(c->n_patterns + 1)));
  if (!ps) return UVK_ENOMEM;
  c->patterns = ps;
  if (regcomp(&ps[c->n_patterns].re, pattern, REG_EXTENDED | REG_NOSUB) != 0) return UVK_EINVAL;
  ps[c->n_patterns].from_beginning = from_beginning;
  c->n_patterns++;
  return 0;
}

void consumer_patterns_start(Consumer *c, uint64_t now) { refresh(c, now); }

void consumer_patterns_free(Consumer *c) {
  engine_cancel_timer(c->e, &c->pattern_timer);
  for (int32_t i = 0; i < c->n_patterns; i++) regfree(&c->patterns[i].re);
  mem_free(c->alloc, c->patterns);
  c->patterns = nullptr;
  c->n_patterns = 0;
}

}  // namespace uvk
