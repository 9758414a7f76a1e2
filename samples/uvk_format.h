/* uvk consume's output formats (uvk_format.c). */
#ifndef UVK_FORMAT_H
#define UVK_FORMAT_H
#include <stdio.h>

#include "uvkafka/uvkafka.h"

#define UVK_FORMAT_MAX_OPS 128

/* token 0: text[start, start + len) as is; otherwise the % token's letter. */
typedef struct uvk_format_op {
  char token;
  size_t start, len;
} uvk_format_op;

typedef struct uvk_cli_format {
  uvk_format_op ops[UVK_FORMAT_MAX_OPS];
  size_t n;
  char text[4096];
  size_t used;
  int null_as_text; /* -Z: a null key or value prints as NULL */
  int share;          /* uvk share consume: %d (the record's delivery count) is a token */
  int delivery_count; /* what %d prints */
} uvk_cli_format;

/* Appends s with kcat's escapes (\n \t \r \xNN; \c is c) and, when tokens is set, its %
 * tokens (%s %S %k %K %t %p %o %T %h %%, %v for %s; %d, the delivery count, when f->share). -1 (and a message) for an unknown
 * token or a format too long. Zero the struct first. */
int uvk_cli_format_add(uvk_cli_format *f, const char *s, int tokens);
void uvk_cli_format_print(FILE *out, const uvk_cli_format *f, const uvk_batch *b, const uvk_consumer_message *m);
/* -J: kcat's JSON envelope, one object a line ("broker" is -1: the consumer does not say). */
void uvk_cli_json_print(FILE *out, const uvk_batch *b, const uvk_consumer_message *m);

#endif
