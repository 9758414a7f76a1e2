/* Where uvk consume starts reading (kcat's -o) and which partition it reads (-p); uvk_start.c. */
#ifndef UVK_START_H
#define UVK_START_H
#include <stdint.h>

#include "uvkafka/uvkafka.h"

#define UVK_START_MAX_PLACED 1024

typedef enum { START_GROUP, START_OFFSET, START_FROM_END, START_TIME } uvk_start_kind;

typedef struct uvk_cli_start {
  uvk_start_kind kind;
  int64_t value;          /* the offset, the count back from the end, or the timestamp (ms) */
  int64_t end_ts;         /* -o e@TS: a partition ends before its first message this late; -1 */
  int32_t only_partition; /* -p; -1: every partition */
  uvk_consumer *consumer;
  uvk_admin *admin;       /* for -N and s@TS, which need the broker's offsets */
  size_t awaiting;        /* partitions paused until their start offset is known */
  /* partitions already placed (or left out), so a rebalance does not move them again */
  struct {
    char topic[256];
    int32_t partition;
    int ended; /* reached end_ts */
  } placed[UVK_START_MAX_PLACED];
  size_t n_placed;
} uvk_cli_start;

/* Parses -o: beginning | end | stored (*from_beginning set, kind START_GROUP), N, -N, s@TS,
 * or e@TS (end_ts; may come with one of the others). -1 for anything else. */
int uvk_cli_start_parse(uvk_cli_start *st, const char *spec, int *from_beginning);
/* After a join: partitions seen for the first time are left out (-p), sought to an offset,
 * or paused until the broker says where -N / s@TS is, then sought and resumed. */
void uvk_cli_start_on_join(uvk_cli_start *st, const uvk_topic_partition *assigned, size_t n);
/* -o e@TS: marks the partition ended and pauses it; 1 once every assigned partition has
 * ended (those -p leaves out aside). */
int uvk_cli_start_end(uvk_cli_start *st, const char *topic, int32_t partition);
/* 1 when the partition reached -o e@TS. */
int uvk_cli_start_ended(const uvk_cli_start *st, const char *topic, int32_t partition);
/* 1 when -p leaves the partition out. */
int uvk_cli_start_excluded(const uvk_cli_start *st, int32_t partition);

#endif
