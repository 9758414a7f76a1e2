/* uvk: the uvkafka command-line tool, written in C99 against the public C ABI only.
 * Each subcommand is in its own file: uvk_produce.c, uvk_consume.c, uvk_query.c,
 * uvk_metadata.c, uvk_perf.c, uvk_admin.c.
 * Exit codes everywhere: 0 done, 1 failure (the cause on stderr), 2 usage error; docs/cli.md
 * lists every flag. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "uvk_cli.h"
#include "uvkafka/uvkafka.h"

static void usage(void) {
  fprintf(stderr,
          "usage: uvk produce -b BROKERS -t TOPIC [-p PARTITION] [-K DELIM] [-k KEY] [-H name=value]...\n"
          "                   [-D DELIM] [-Z] [-l FILE] [-T] [-c COUNT] [-X key=value]... [FILE...]\n"
          "                   (uvk produce -h for all its flags)\n"
          "       uvk consume -b BROKERS -t TOPIC[,TOPIC...] [-g GROUP] [-o beginning|end|stored] [-c COUNT]\n"
          "                   [-e] [-f FORMAT | -K DELIM] [-D DELIM] [-Z] [-u] [-q] [-v] [-X key=value]...\n"
          "                   (uvk consume -h for all its flags)\n"
          "       uvk share consume -b BROKERS -t TOPIC -g GROUP [-c COUNT] [--ack accept|release|reject] [-f FORMAT]\n"
          "       uvk query -b BROKERS -t TOPIC:PARTITION:TIMESTAMP_MS [-t ...]... [-J]\n"
          "       uvk metadata -b BROKERS [-t TOPIC] [-J]\n"
          "       uvk perf produce|consume ...   (uvk perf for its flags)\n"
          "       uvk topics create|delete|list|describe ...   uvk groups list|describe|offsets ...\n");
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "produce") == 0) return uvk_produce_main(argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "consume") == 0) return uvk_consume_main(argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "share") == 0) return uvk_share_main(argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "perf") == 0) return uvk_perf_main(argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "query") == 0) return uvk_query_main(argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "metadata") == 0) return uvk_metadata_main(argc - 2, argv + 2);
  if (argc >= 2 && (strcmp(argv[1], "topics") == 0 || strcmp(argv[1], "groups") == 0))
    return uvk_admin_main(argv[1], argc - 2, argv + 2);
  if (argc >= 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
    printf("uvk %s\n", uvk_version());
    return 0;
  }
  usage();
  return 2;
}
