/* Shared pieces of the uvk subcommands (C99). */
#ifndef UVK_CLI_H
#define UVK_CLI_H
#include "uvkafka/uvkafka.h"

struct uv_loop_s;
struct uv_poll_s;

/* uvk_config_set, printing the reason on failure; 0 or -1. */
int uvk_cli_set(uvk_config *cfg, const char *key, const char *value);
/* uvk_cli_set for a uvkafka key or its librdkafka spelling (bootstrap.servers, linger.ms,
 * security.protocol, sasl.mechanisms, ssl.ca.location, ...); uvk_props.c. */
int uvk_cli_set_any(uvk_config *cfg, const char *key, const char *value);
/* key=value lines (# comments) of a properties file through uvk_cli_set_any; 0 or -1. */
int uvk_cli_props_file(uvk_config *cfg, const char *path);
/* The properties file named by UVK_CONFIG, if set; 0 or -1. */
int uvk_cli_env_config(uvk_config *cfg);
/* A whole file, NUL-terminated, its length in *out_len; NULL when it cannot be read or is
 * over about max bytes (uvk_props.c). Free it. */
char *uvk_cli_read_file(const char *path, size_t max, size_t *out_len);
/* The brokers: -b's value (set into cfg), else what -X / -F / UVK_CONFIG set; NULL: none. */
const char *uvk_cli_brokers(uvk_config *cfg, const char *flag);
/* The flags every subcommand takes: -X key=value, -F FILE and the TLS / SASL ones. Returns how many
 * arguments it used (1 or 2), 0 when `a` is not one of them, -1 on a usage error. */
int uvk_cli_common_flag(uvk_config *cfg, const char *a, const char *v);
/* The same for argv[*i] of a subcommand's argument loop: applied, *i moved to the last
 * argument it used, returns 1; 0 when it is not one of them, -1 on a usage error. */
int uvk_cli_take_common(uvk_config *cfg, int argc, char **argv, int *i);
/* Disconnects the client, runs the loop until it has, and frees it: how every subcommand ends. */
void uvk_cli_client_close(struct uv_loop_s *loop, uvk_client *client);
/* Stop requests (uvk_stop.c): fn gets SIGINT or SIGTERM (announced on stderr unless quiet), or
 * SIGPIPE once stdout's reader is gone (SIGPIPE itself is ignored, so writes fail with EPIPE
 * instead). A second SIGINT / SIGTERM flushes stdout and exits at once with 128 + the signal. */
typedef void (*uvk_cli_stop_fn)(void *ud, int signo);
int uvk_cli_stop_init(struct uv_loop_s *loop, int quiet, uvk_cli_stop_fn fn, void *ud);
void uvk_cli_stop_close(void);
/* stdout: unbuffered (-u), line-buffered on a terminal, block-buffered otherwise. */
void uvk_cli_stdout_mode(int unbuffered);
/* uv_poll_init for a pipe, socket or terminal, leaving the descriptor blocking; -1 otherwise
 * (a regular file, /dev/null: read those directly). */
int uvk_cli_poll_init(struct uv_loop_s *loop, struct uv_poll_s *h, int fd);
int uvk_produce_main(int argc, char **argv);
/* A progress line on stderr ("% N messages, R/s now, T s") once a second, while stderr is a
 * terminal and data_fd (the data's stdout or stdin; -1: none) is not (uvk_progress.c). Clear it
 * before writing to stderr. */
void uvk_cli_progress_start(struct uv_loop_s *loop, int data_fd, const long *count, const char *what);
void uvk_cli_progress_clear(void);
void uvk_cli_progress_stop(void);
int uvk_consume_main(int argc, char **argv);
/* uvk share consume (uvk_share.c): a share group's records (KIP-932). */
int uvk_share_main(int argc, char **argv);
int uvk_perf_main(int argc, char **argv);
int uvk_query_main(int argc, char **argv);
int uvk_metadata_main(int argc, char **argv);
/* what: "topics" or "groups"; argv[0] is the command (create, list, ...). */
int uvk_admin_main(const char *what, int argc, char **argv);

#endif
