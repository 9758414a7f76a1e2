/* uvk topics / uvk groups: cluster administration through the admin client (C99).
 *
 *   uvk topics create -t TOPIC [--partitions N] [--replication-factor R] [--config k=v]...
 *   uvk topics delete -t TOPIC | list | describe [-t TOPIC]
 *   uvk groups list | describe -g GROUP | offsets -g GROUP [--reset earliest|latest -t TOPIC]
 *
 * All take -b BROKERS, -X key=value, the TLS / SASL flags and --json (one JSON document on
 * stdout instead of a table). Exit 0: done; 1: the cluster refused or failed (the reason on
 * stderr); 2: usage error. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "uvk_cli.h"
#include "uvkafka/uvkafka.h"

#define MAX_CONFIGS 64

typedef struct Admin {
  uv_loop_t loop;
  uvk_client *client;
  uvk_admin *admin;
  int json;
  int done;
  int failed;
  const char *topic, *group, *reset;
  /* what the command does after an answer */
  int step;
} Admin;

static void usage(void) {
  fprintf(stderr,
          "usage: uvk topics create -t TOPIC [--partitions N] [--replication-factor R] [--config k=v]...\n"
          "       uvk topics delete -t TOPIC | list | describe [-t TOPIC]\n"
          "       uvk groups list | describe -g GROUP | offsets -g GROUP [--reset earliest|latest -t TOPIC]\n"
          "   with -b BROKERS [--json] [-X key=value]... [--tls] [--tls-ca F] [--tls-cert F] [--tls-key F]\n"
          "        [--tls-insecure] [--sasl plain|scram-sha-256|scram-sha-512] [--user U] [--password P]\n");
}

static void json_str(const char *s) {
  putchar('"');
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

/* Prints the failure and marks the command failed; 1 when there was one. */
static int report(Admin *a, const uvk_error *err, const char *what) {
  char text[512];
  if (!err) return 0;
  uvk_error_format(err, text, sizeof text);
  fprintf(stderr, "uvk: %s: %s\n", what, text);
  a->failed = 1;
  return 1;
}

static void finish(Admin *a) {
  a->done = 1;
  uv_stop(&a->loop);
}

/* ---- topics ------------------------------------------------------------------------- */

static void on_topic_results(uvk_admin *ad, const uvk_error *err, const uvk_admin_result *rs, size_t n, void *ud) {
  Admin *a = (Admin *)ud;
  (void)ad;
  for (size_t i = 0; i < n; i++) {
    if (rs[i].error == UVK_ERR_KAFKA(36)) {
      fprintf(stderr, "uvk: topic '%s' already exists\n", rs[i].name);
      a->failed = 1;
    } else if (rs[i].error) {
      fprintf(stderr, "uvk: %s: %s (%s)%s%s\n", rs[i].name, uvk_err_name(rs[i].error), uvk_strerror(rs[i].error),
              rs[i].error_message ? ": " : "", rs[i].error_message ? rs[i].error_message : "");
      a->failed = 1;
    } else if (a->json) {
      printf("{\"topic\":");
      json_str(rs[i].name);
      printf(",\"ok\":true}\n");
    } else {
      printf("%s %s\n", a->step == 1 ? "created" : "deleted", rs[i].name);
    }
  }
  if (n == 0) report(a, err, "request failed");
  finish(a);
}

static int cmp_str(const void *x, const void *y) {
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void on_names(uvk_admin *ad, const uvk_error *err, const char *const *names, size_t n, void *ud) {
  Admin *a = (Admin *)ud;
  (void)ad;
  if (!report(a, err, "list topics")) {
    const char **sorted = (const char **)malloc((n + 1) * sizeof *sorted);
    if (!sorted) {
      a->failed = 1;
      finish(a);
      return;
    }
    memcpy(sorted, names, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_str);
    if (a->json) putchar('[');
    for (size_t i = 0; i < n; i++) {
      if (a->json) {
        if (i) putchar(',');
        json_str(sorted[i]);
      } else {
        printf("%s\n", sorted[i]);
      }
    }
    if (a->json) printf("]\n");
    free(sorted);
  }
  finish(a);
}

static void on_describe_topics(uvk_admin *ad, const uvk_error *err, const uvk_metadata *md, void *ud) {
  Admin *a = (Admin *)ud;
  (void)ad;
  if (!report(a, err, "describe topics")) {
    size_t nt = uvk_metadata_topic_count(md);
    if (a->json) putchar('[');
    else printf("%-40s %9s %6s %8s %4s %s\n", "TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR", "ERROR");
    for (size_t t = 0; t < nt; t++) {
      const char *name = uvk_metadata_topic_name(md, t);
      int terr = uvk_metadata_topic_error(md, t);
      if (terr) a->failed = 1;
      if (a->json) {
        printf("%s{\"topic\":", t ? "," : "");
        json_str(name);
        printf(",\"error\":%d,\"partitions\":[", terr ? (int)UVK_ERR_KAFKA_CODE(terr) : 0);
      } else if (terr) {
        printf("%-40s %9s %6s %8s %4s %s\n", name, "-", "-", "-", "-", uvk_strerror(terr));
      }
      for (size_t p = 0; p < uvk_metadata_partition_count(md, t); p++) {
        int32_t id = uvk_metadata_partition_id(md, t, p), leader = uvk_metadata_partition_leader(md, t, p);
        size_t nr = uvk_metadata_partition_replica_count(md, t, p), ni = uvk_metadata_partition_isr_count(md, t, p);
        if (a->json)
          printf("%s{\"partition\":%d,\"leader\":%d,\"replicas\":%zu,\"isr\":%zu}", p ? "," : "", (int)id,
                 (int)leader, nr, ni);
        else
          printf("%-40s %9d %6d %8zu %4zu\n", name, (int)id, (int)leader, nr, ni);
      }
      if (a->json) printf("]}");
    }
    if (a->json) printf("]\n");
  }
  finish(a);
}

/* ---- groups ------------------------------------------------------------------------- */

static void on_groups(uvk_admin *ad, const uvk_error *err, const uvk_group_description *gs, size_t n, void *ud) {
  Admin *a = (Admin *)ud;
  (void)ad;
  if (!report(a, err, a->step == 10 ? "list groups" : "describe group")) {
    if (a->json) putchar('[');
    else if (a->step == 10) printf("%-50s %-20s %s\n", "GROUP", "STATE", "TYPE");
    for (size_t i = 0; i < n; i++) {
      const uvk_group_description *g = &gs[i];
      if (a->json) {
        printf("%s{\"group\":", i ? "," : "");
        json_str(g->group_id);
        printf(",\"state\":");
        json_str(g->state);
        printf(",\"protocolType\":");
        json_str(g->protocol_type);
        printf(",\"protocol\":");
        json_str(g->protocol);
        printf(",\"members\":[");
        for (size_t m = 0; m < g->n_members; m++) {
          printf("%s{\"memberId\":", m ? "," : "");
          json_str(g->members[m].member_id);
          printf(",\"clientId\":");
          json_str(g->members[m].client_id);
          printf(",\"clientHost\":");
          json_str(g->members[m].client_host);
          if (g->group_protocol && strcmp(g->group_protocol, "consumer") == 0) {
            printf(",\"memberEpoch\":%d,\"assignment\":[", (int)g->members[m].member_epoch);
            for (size_t k = 0; k < g->members[m].n_assignment; k++) {
              printf("%s{\"topic\":", k ? "," : "");
              json_str(g->members[m].assignment[k].topic);
              printf(",\"partition\":%d}", (int)g->members[m].assignment[k].partition);
            }
            putchar(']');
          }
          putchar('}');
        }
        printf("]");
        if (g->group_protocol) {
          printf(",\"groupProtocol\":");
          json_str(g->group_protocol);
          if (strcmp(g->group_protocol, "consumer") == 0) printf(",\"groupEpoch\":%d", (int)g->group_epoch);
        }
        putchar('}');
      } else if (a->step == 10) {
        /* ListGroups v5 says the group's type (classic, consumer, share, streams) */
        printf("%-50s %-20s %s\n", g->group_id, g->state,
               g->group_protocol && *g->group_protocol ? g->group_protocol : g->protocol_type);
      } else if (g->group_protocol && strcmp(g->group_protocol, "consumer") == 0) {
        /* KIP-848 group: the broker's assignor, epochs and each member's partitions */
        printf("group %s: state %s, consumer protocol, assignor %s, group epoch %d, %zu member(s)\n", g->group_id,
               g->state, g->protocol, (int)g->group_epoch, g->n_members);
        for (size_t m = 0; m < g->n_members; m++) {
          const uvk_group_member_description *md = &g->members[m];
          printf("  %s  client %s  host %s  epoch %d  partitions", md->member_id, md->client_id, md->client_host,
                 (int)md->member_epoch);
          for (size_t k = 0; k < md->n_assignment; k++)
            printf(" %s:%d", md->assignment[k].topic, (int)md->assignment[k].partition);
          putchar('\n');
        }
      } else {
        printf("group %s: state %s, protocol %s %s, %zu member(s)\n", g->group_id, g->state, g->protocol_type,
               g->protocol, g->n_members);
        for (size_t m = 0; m < g->n_members; m++)
          printf("  %s  client %s  host %s\n", g->members[m].member_id, g->members[m].client_id,
                 g->members[m].client_host);
      }
    }
    if (a->json) printf("]\n");
  }
  finish(a);
}

static void on_offsets(uvk_admin *ad, const uvk_error *err, const uvk_admin_partition_offset *os, size_t n,
                       void *ud) {
  Admin *a = (Admin *)ud;
  (void)ad;
  if (a->step == 21) {
    /* the reset is done: show the group's offsets now */
    if (report(a, err, "reset offsets")) {
      finish(a);
      return;
    }
    a->step = 20;
    if (uvk_admin_fetch_offsets(a->admin, a->group, NULL, 0, 0, on_offsets, a) != 0) {
      a->failed = 1;
      finish(a);
    }
    return;
  }
  if (!report(a, err, "fetch offsets")) {
    if (a->json) putchar('[');
    else printf("%-40s %9s %12s\n", "TOPIC", "PARTITION", "OFFSET");
    for (size_t i = 0; i < n; i++) {
      if (a->json) {
        printf("%s{\"topic\":", i ? "," : "");
        json_str(os[i].topic);
        printf(",\"partition\":%d,\"offset\":%lld}", (int)os[i].partition, (long long)os[i].offset);
      } else {
        printf("%-40s %9d %12lld\n", os[i].topic, (int)os[i].partition, (long long)os[i].offset);
      }
    }
    if (a->json) printf("]\n");
  }
  finish(a);
}

/* ---- main ----------------------------------------------------------------------------- */

int uvk_admin_main(const char *what, int argc, char **argv) {
  const char *brokers = NULL, *cmd = argc > 0 ? argv[0] : NULL;
  int32_t partitions = -1;
  int replication = -1;
  uvk_admin_config_entry configs[MAX_CONFIGS];
  char *config_text[MAX_CONFIGS];
  size_t n_configs = 0;
  Admin a;
  int rc = 0, topics = strcmp(what, "topics") == 0;
  uvk_config *cfg;
  memset(&a, 0, sizeof a);
  if (!cmd) {
    usage();
    return 2;
  }
  cfg = uvk_config_new();
  if (!cfg) return 1;
  uvk_cli_set(cfg, "clientId", "uvk");
  uvk_cli_set(cfg, "allowAutoTopicCreation", "false");
  if (uvk_cli_env_config(cfg) != 0) goto bad_usage;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int used = uvk_cli_take_common(cfg, argc, argv, &i);
    if (used < 0) goto bad_usage;
    if (used) continue;
    if (strcmp(o, "--json") == 0) {
      a.json = 1;
      continue;
    }
    if (!v) goto bad_usage;
    i++;
    if (strcmp(o, "-b") == 0) brokers = v;
    else if (strcmp(o, "-t") == 0) a.topic = v;
    else if (strcmp(o, "-g") == 0) a.group = v;
    else if (strcmp(o, "--reset") == 0) a.reset = v;
    else if (strcmp(o, "--partitions") == 0) partitions = (int32_t)atoi(v);
    else if (strcmp(o, "--replication-factor") == 0) replication = atoi(v);
    else if (strcmp(o, "--config") == 0 && n_configs < MAX_CONFIGS) {
      char *kv = (char *)malloc(strlen(v) + 1);
      char *eq;
      if (!kv) goto bad_usage;
      strcpy(kv, v);
      eq = strchr(kv, '=');
      config_text[n_configs] = kv;
      if (!eq || eq == kv) {
        n_configs++;
        goto bad_usage;
      }
      *eq = 0;
      configs[n_configs].name = kv;
      configs[n_configs].value = eq + 1;
      n_configs++;
    } else goto bad_usage;
  }
  if (!uvk_cli_brokers(cfg, brokers)) goto bad_usage;
  if (a.reset && strcmp(a.reset, "earliest") != 0 && strcmp(a.reset, "latest") != 0) goto bad_usage;
  if (topics && (strcmp(cmd, "create") == 0 || strcmp(cmd, "delete") == 0) && !a.topic) goto bad_usage;
  if (!topics && strcmp(cmd, "list") != 0 && !a.group) goto bad_usage;
  if (a.reset && !a.topic) goto bad_usage;
  goto args_ok;
bad_usage:
  usage();
  uvk_config_free(cfg);
  for (size_t i = 0; i < n_configs; i++) free(config_text[i]);
  return 2;
args_ok:
  if (uv_loop_init(&a.loop) != 0) return 1;
  rc = uvk_client_new(&a.loop, cfg, &a.client);
  if (rc == 0) rc = uvk_admin_new(a.client, cfg, &a.admin);
  uvk_config_free(cfg);
  if (rc != 0) {
    fprintf(stderr, "uvk: cannot create the admin client: %s\n", uvk_strerror(rc));
    return 1;
  }
  rc = UVK_EINVAL;
  if (topics && strcmp(cmd, "create") == 0) {
    uvk_admin_new_topic t;
    uvk_admin_new_topic_init(&t, a.topic);
    t.num_partitions = partitions;
    t.replication_factor = (int16_t)replication;
    t.config_entries = configs;
    t.n_config_entries = n_configs;
    a.step = 1;
    rc = uvk_admin_create_topics(a.admin, &t, 1, NULL, on_topic_results, &a);
  } else if (topics && strcmp(cmd, "delete") == 0) {
    a.step = 2;
    rc = uvk_admin_delete_topics(a.admin, &a.topic, 1, NULL, on_topic_results, &a);
  } else if (topics && strcmp(cmd, "list") == 0) {
    rc = uvk_admin_list_topics(a.admin, on_names, &a);
  } else if (topics && strcmp(cmd, "describe") == 0) {
    rc = uvk_admin_fetch_topic_metadata(a.admin, a.topic ? &a.topic : NULL, a.topic ? 1 : 0, on_describe_topics, &a);
  } else if (!topics && strcmp(cmd, "list") == 0) {
    a.step = 10;
    rc = uvk_admin_list_groups(a.admin, on_groups, &a);
  } else if (!topics && strcmp(cmd, "describe") == 0) {
    a.step = 11;
    rc = uvk_admin_describe_groups(a.admin, &a.group, 1, on_groups, &a);
  } else if (!topics && strcmp(cmd, "offsets") == 0) {
    if (a.reset) {
      a.step = 21;
      rc = uvk_admin_reset_offsets(a.admin, a.group, a.topic, strcmp(a.reset, "earliest") == 0, on_offsets, &a);
    } else {
      a.step = 20;
      rc = uvk_admin_fetch_offsets(a.admin, a.group, NULL, 0, 0, on_offsets, &a);
    }
  } else {
    usage();
  }
  if (rc == 0) {
    while (!a.done) uv_run(&a.loop, UV_RUN_DEFAULT);
  } else if (rc != UVK_EINVAL || cmd) {
    fprintf(stderr, "uvk: %s\n", uvk_strerror(rc));
  }
  fflush(stdout);
  uvk_admin_free(a.admin);
  uvk_cli_client_close(&a.loop, a.client);
  uv_run(&a.loop, UV_RUN_DEFAULT);
  uv_loop_close(&a.loop);
  for (size_t i = 0; i < n_configs; i++) free(config_text[i]);
  if (rc == UVK_EINVAL) return 2;
  return rc != 0 || a.failed ? 1 : 0;
}
