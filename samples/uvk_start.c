/* uvk consume's -o and -p over a consumer group: a partition the member gets for the first
 * time is sought where -o says (paused while the broker's offsets are asked for) or, for -p,
 * paused for good. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uvk_start.h"

int uvk_cli_start_parse(uvk_cli_start *st, const char *spec, int *from_beginning) {
  char *end = NULL;
  if (strncmp(spec, "e@", 2) == 0) {
    if (spec[2] < '0' || spec[2] > '9') return -1;
    st->end_ts = strtoll(spec + 2, &end, 10);
    return *end ? -1 : 0;
  }
  if (strcmp(spec, "beginning") == 0 || strcmp(spec, "end") == 0 || strcmp(spec, "stored") == 0) {
    st->kind = START_GROUP;
    *from_beginning = strcmp(spec, "beginning") == 0;
    return 0;
  }
  st->kind = START_OFFSET;
  if (strncmp(spec, "s@", 2) == 0) {
    st->kind = START_TIME;
    spec += 2;
  } else if (spec[0] == '-') {
    st->kind = START_FROM_END;
    spec++;
  }
  if (*spec < '0' || *spec > '9') return -1;
  st->value = strtoll(spec, &end, 10);
  return *end ? -1 : 0;
}

int uvk_cli_start_excluded(const uvk_cli_start *st, int32_t partition) {
  return st->only_partition >= 0 && partition != st->only_partition;
}

static int find(const uvk_cli_start *st, const char *topic, int32_t partition) {
  for (size_t i = 0; i < st->n_placed; i++)
    if (st->placed[i].partition == partition && strcmp(st->placed[i].topic, topic) == 0) return (int)i;
  return -1;
}

int uvk_cli_start_ended(const uvk_cli_start *st, const char *topic, int32_t partition) {
  int i = find(st, topic, partition);
  return i >= 0 && st->placed[i].ended;
}

int uvk_cli_start_end(uvk_cli_start *st, const char *topic, int32_t partition) {
  uvk_topic_partition tps[UVK_START_MAX_PLACED];
  size_t n;
  int i = find(st, topic, partition);
  if (i >= 0) st->placed[i].ended = 1;
  uvk_consumer_pause(st->consumer, topic, &partition, 1);
  n = uvk_consumer_assignment(st->consumer, tps, UVK_START_MAX_PLACED);
  for (size_t k = 0; k < n && k < UVK_START_MAX_PLACED; k++)
    if (!uvk_cli_start_excluded(st, tps[k].partition) && !uvk_cli_start_ended(st, tps[k].topic, tps[k].partition))
      return 0;
  return 1;
}

static int placed(uvk_cli_start *st, const char *topic, int32_t partition) {
  for (size_t i = 0; i < st->n_placed; i++)
    if (st->placed[i].partition == partition && strcmp(st->placed[i].topic, topic) == 0) return 1;
  if (st->n_placed == UVK_START_MAX_PLACED) return 1;
  snprintf(st->placed[st->n_placed].topic, sizeof st->placed[0].topic, "%s", topic);
  st->placed[st->n_placed].ended = 0;
  st->placed[st->n_placed++].partition = partition;
  return 0;
}

static void on_offsets(uvk_admin *admin, const uvk_error *err, const uvk_admin_partition_offset *os, size_t n,
                       void *ud) {
  uvk_cli_start *st = (uvk_cli_start *)ud;
  (void)admin;
  if (err) {
    char text[256];
    uvk_error_format(err, text, sizeof text);
    fprintf(stderr, "uvk: cannot find the start offsets: %s (the partitions stay paused)\n", text);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    int64_t at = os[i].offset;
    if (!uvk_consumer_is_paused(st->consumer, os[i].topic, os[i].partition) ||
        uvk_cli_start_excluded(st, os[i].partition))
      continue;
    if (st->kind == START_FROM_END) {
      at = os[i].high - st->value;
      if (os[i].low >= 0 && at < os[i].low) at = os[i].low;
      if (at < 0) at = 0;
    }
    uvk_consumer_seek(st->consumer, os[i].topic, os[i].partition, at);
    uvk_consumer_resume(st->consumer, os[i].topic, &os[i].partition, 1);
    if (st->awaiting > 0) st->awaiting--;
  }
}

void uvk_cli_start_on_join(uvk_cli_start *st, const uvk_topic_partition *assigned, size_t n) {
  const char *asked[64];
  size_t n_asked = 0;
  for (size_t i = 0; i < n; i++) {
    const uvk_topic_partition *tp = &assigned[i];
    if (placed(st, tp->topic, tp->partition)) continue;
    if (uvk_cli_start_excluded(st, tp->partition) || st->kind == START_FROM_END || st->kind == START_TIME)
      uvk_consumer_pause(st->consumer, tp->topic, &tp->partition, 1);
    if (uvk_cli_start_excluded(st, tp->partition)) continue;
    if (st->kind == START_FROM_END || st->kind == START_TIME) st->awaiting++;
    if (st->kind == START_OFFSET) uvk_consumer_seek(st->consumer, tp->topic, tp->partition, st->value);
    if (st->kind != START_FROM_END && st->kind != START_TIME) continue;
    /* one offsets request per topic */
    size_t k = 0;
    while (k < n_asked && strcmp(asked[k], tp->topic) != 0) k++;
    if (k < n_asked || n_asked == 64) continue;
    asked[n_asked++] = tp->topic;
    int rc = st->kind == START_TIME
                 ? uvk_admin_fetch_topic_offsets_by_timestamp(st->admin, tp->topic, st->value, on_offsets, st)
                 : uvk_admin_fetch_topic_offsets(st->admin, tp->topic, on_offsets, st);
    if (rc != 0) fprintf(stderr, "uvk: cannot ask for the offsets of %s: %s\n", tp->topic, uvk_strerror(rc));
  }
}
