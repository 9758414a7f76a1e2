/* Flags, and the client's close, shared by the uvk subcommands. */
#define _POSIX_C_SOURCE 200809L /* uv.h under -std=c99 */
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "uvk_cli.h"

int uvk_cli_set(uvk_config *cfg, const char *key, const char *value) {
  char err[256];
  if (uvk_config_set(cfg, key, value, err, sizeof err) != 0) {
    fprintf(stderr, "uvk: %s\n", err);
    return -1;
  }
  return 0;
}

int uvk_cli_common_flag(uvk_config *cfg, const char *a, const char *v) {
  static const struct {
    const char *flag, *key, *fixed; /* fixed: the value for a flag without argument */
  } flags[] = {
      {"--tls", "ssl", "true"},
      {"--tls-ca", "ssl.ca", NULL},
      {"--tls-cert", "ssl.cert", NULL},
      {"--tls-key", "ssl.key", NULL},
      {"--tls-insecure", "ssl.rejectUnauthorized", "false"},
      {"--sasl", "sasl.mechanism", NULL},
      {"--user", "sasl.username", NULL},
      {"--password", "sasl.password", NULL},
  };
  if (strcmp(a, "-X") == 0) {
    const char *eq = v ? strchr(v, '=') : NULL;
    char key[128];
    if (!eq) return -1;
    snprintf(key, sizeof key, "%.*s", (int)(eq - v), v);
    return uvk_cli_set_any(cfg, key, eq + 1) ? -1 : 2;
  }
  if (strcmp(a, "-F") == 0) return v && uvk_cli_props_file(cfg, v) == 0 ? 2 : -1;
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    if (strcmp(a, flags[i].flag) != 0) continue;
    if (flags[i].fixed) return uvk_cli_set(cfg, flags[i].key, flags[i].fixed) ? -1 : 1;
    if (!v) return -1;
    return uvk_cli_set(cfg, flags[i].key, v) ? -1 : 2;
  }
  return 0;
}

int uvk_cli_take_common(uvk_config *cfg, int argc, char **argv, int *i) {
  int used = uvk_cli_common_flag(cfg, argv[*i], *i + 1 < argc ? argv[*i + 1] : NULL);
  if (used > 0) *i += used - 1;
  return used < 0 ? -1 : used > 0;
}

typedef struct {
  uv_loop_t *loop;
  int closed;
} Closing;

static void on_disconnected(uvk_client *c, const uvk_error *err, void *ud) {
  Closing *cl = (Closing *)ud;
  (void)c;
  (void)err;
  cl->closed = 1;
  uv_stop(cl->loop);  /* other handles (signal watchers) may keep uv_run going */
}

void uvk_cli_client_close(uv_loop_t *loop, uvk_client *client) {
  Closing cl = {loop, 0};
  uvk_client_disconnect(client, on_disconnected, &cl);
  while (!cl.closed) uv_run(loop, UV_RUN_DEFAULT);
  uvk_client_free(client);
}
