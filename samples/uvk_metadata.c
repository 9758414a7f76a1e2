/* uvk metadata: kcat's -L, the cluster's brokers and topics.
 *
 *   uvk metadata -b BROKERS [-t TOPIC] [-J] [-X key=value]... (+ the TLS / SASL flags)
 *
 * kcat's layout, text or -J (no newline after it, as kcat), without the broker that answered
 * (the C ABI does not say which).
 * Exit 0: done; 1: the cluster failed (the cause on stderr); 2: usage error. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "uvk_cli.h"
#include "uvkafka/uvkafka.h"

typedef struct Meta {
  uv_loop_t loop;
  uvk_client *client;
  const char *topic;
  int json, done, failed;
} Meta;

static void usage(void) {
  fprintf(stderr, "usage: uvk metadata -b BROKERS [-t TOPIC] [-J] [-X key=value]... (+ the TLS / SASL flags)\n");
}

static void ids(const uvk_metadata *md, size_t t, size_t p, int isr, int json) {
  size_t n = isr ? uvk_metadata_partition_isr_count(md, t, p) : uvk_metadata_partition_replica_count(md, t, p);
  for (size_t i = 0; i < n; i++) {
    int32_t id = isr ? uvk_metadata_partition_isr(md, t, p, i) : uvk_metadata_partition_replica(md, t, p, i);
    if (json) printf("%s{\"id\":%d}", i ? "," : "", (int)id);
    else printf("%s%d", i ? "," : "", (int)id);
  }
}

static void print_text(const Meta *m, const uvk_metadata *md) {
  size_t nb = uvk_metadata_broker_count(md), nt = uvk_metadata_topic_count(md);
  printf("Metadata for %s:\n", m->topic ? m->topic : "all topics");
  printf(" %zu brokers:\n", nb);
  for (size_t b = 0; b < nb; b++)
    printf("  broker %d at %s:%d%s\n", (int)uvk_metadata_broker_id(md, b), uvk_metadata_broker_host(md, b),
           (int)uvk_metadata_broker_port(md, b),
           uvk_metadata_broker_id(md, b) == uvk_metadata_controller_id(md) ? " (controller)" : "");
  printf(" %zu topics:\n", nt);
  for (size_t t = 0; t < nt; t++) {
    size_t np = uvk_metadata_partition_count(md, t);
    int err = uvk_metadata_topic_error(md, t);
    printf("  topic \"%s\" with %zu partitions:", uvk_metadata_topic_name(md, t), np);
    if (err) printf(" %s", uvk_strerror(err));
    putchar('\n');
    for (size_t p = 0; p < np; p++) {
      printf("    partition %d, leader %d, replicas: ", (int)uvk_metadata_partition_id(md, t, p),
             (int)uvk_metadata_partition_leader(md, t, p));
      ids(md, t, p, 0, 0);
      printf(", isrs: ");
      ids(md, t, p, 1, 0);
      putchar('\n');
    }
  }
}

static void print_json(const Meta *m, const uvk_metadata *md) {
  size_t nb = uvk_metadata_broker_count(md), nt = uvk_metadata_topic_count(md);
  printf("{\"query\":{\"topic\":\"%s\"},\"controllerid\":%d,\"brokers\":[", m->topic ? m->topic : "*",
         (int)uvk_metadata_controller_id(md));
  for (size_t b = 0; b < nb; b++)
    printf("%s{\"id\":%d,\"name\":\"%s:%d\"}", b ? "," : "", (int)uvk_metadata_broker_id(md, b),
           uvk_metadata_broker_host(md, b), (int)uvk_metadata_broker_port(md, b));
  printf("],\"topics\":[");
  for (size_t t = 0; t < nt; t++) {
    printf("%s{\"topic\":\"%s\",\"partitions\":[", t ? "," : "", uvk_metadata_topic_name(md, t));
    for (size_t p = 0; p < uvk_metadata_partition_count(md, t); p++) {
      printf("%s{\"partition\":%d,\"leader\":%d,\"replicas\":[", p ? "," : "", (int)uvk_metadata_partition_id(md, t, p),
             (int)uvk_metadata_partition_leader(md, t, p));
      ids(md, t, p, 0, 1);
      printf("],\"isrs\":[");
      ids(md, t, p, 1, 1);
      printf("]}");
    }
    printf("]}");
  }
  printf("]}"); /* no newline, as kcat */
}

static void on_metadata(uvk_client *c, const uvk_error *err, const uvk_metadata *md, void *ud) {
  Meta *m = (Meta *)ud;
  (void)c;
  if (err) {
    char text[512];
    uvk_error_format(err, text, sizeof text);
    fprintf(stderr, "uvk: metadata: %s\n", text);
    m->failed = 1;
  } else if (m->json) {
    print_json(m, md);
  } else {
    print_text(m, md);
  }
  m->done = 1;
  uv_stop(&m->loop);
}

int uvk_metadata_main(int argc, char **argv) {
  const char *brokers = NULL;
  Meta m;
  int rc;
  uvk_config *cfg = uvk_config_new();
  memset(&m, 0, sizeof m);
  if (!cfg) return 1;
  uvk_cli_set(cfg, "clientId", "uvk");
  uvk_cli_set(cfg, "allowAutoTopicCreation", "false");
  if (uvk_cli_env_config(cfg) != 0) goto bad_usage;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int used = uvk_cli_take_common(cfg, argc, argv, &i);
    if (used < 0) goto bad_usage;
    if (used) continue;
    if (strcmp(a, "-J") == 0) m.json = 1;
    else if (strcmp(a, "-b") == 0 && v) brokers = argv[++i];
    else if (strcmp(a, "-t") == 0 && v) m.topic = argv[++i];
    else goto bad_usage;
  }
  if (!uvk_cli_brokers(cfg, brokers)) goto bad_usage;
  if (uv_loop_init(&m.loop) != 0) return 1;
  rc = uvk_client_new(&m.loop, cfg, &m.client);
  uvk_config_free(cfg);
  if (rc != 0) {
    fprintf(stderr, "uvk: cannot create the client: %s\n", uvk_strerror(rc));
    return 1;
  }
  rc = uvk_client_metadata(m.client, m.topic ? &m.topic : NULL, m.topic ? 1 : 0, on_metadata, &m);
  if (rc != 0) {
    fprintf(stderr, "uvk: metadata: %s\n", uvk_strerror(rc));
    m.failed = 1;
  }
  while (rc == 0 && !m.done) uv_run(&m.loop, UV_RUN_DEFAULT);
  fflush(stdout);
  uvk_cli_client_close(&m.loop, m.client);
  uv_run(&m.loop, UV_RUN_DEFAULT);
  uv_loop_close(&m.loop);
  return m.failed ? 1 : 0;
bad_usage:
  usage();
  uvk_config_free(cfg);
  return 2;
}
