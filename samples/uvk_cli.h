/* Shared pieces of the uvk subcommands (C99). */
#ifndef UVK_CLI_H
#define UVK_CLI_H
#include "uvkafka/uvkafka.h"

/* uvk_config_set, printing the reason on failure; 0 or -1. */
int uvk_cli_set(uvk_config *cfg, const char *key, const char *value);
/* The flags every subcommand takes: -X key=value and the TLS / SASL ones. Returns how many
 * arguments it used (1 or 2), 0 when `a` is not one of them, -1 on a usage error. */
int uvk_cli_common_flag(uvk_config *cfg, const char *a, const char *v);
int uvk_consume_main(int argc, char **argv);
int uvk_perf_main(int argc, char **argv);
/* what: "topics" or "groups"; argv[0] is the command (create, list, ...). */
int uvk_admin_main(const char *what, int argc, char **argv);

#endif
