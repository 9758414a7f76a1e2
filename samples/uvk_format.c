/* uvk consume's output formats: kcat's -f tokens and escapes, its -K / -D delimiters, -Z, -J. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uvk_format.h"

static const char kTokens[] = "sSkKtpoThv%d";

static int add_op(uvk_cli_format *f, char token, size_t start, size_t len) {
  if (f->n == UVK_FORMAT_MAX_OPS) return -1;
  f->ops[f->n].token = token;
  f->ops[f->n].start = start;
  f->ops[f->n].len = len;
  f->n++;
  return 0;
}

static int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int uvk_cli_format_add(uvk_cli_format *f, const char *s, int tokens) {
  size_t start = f->used;
  for (; *s; s++) {
    char c = *s;
    if (tokens && c == '%') {
      if (!s[1] || !strchr(kTokens, s[1]) || (s[1] == 'd' && !f->share)) {
        fprintf(stderr, "uvk: unsupported formatter: %%%c\n", s[1] ? s[1] : ' ');
        return -1;
      }
      s++;
      if (*s != '%') {
        if (add_op(f, 0, start, f->used - start) || add_op(f, *s, 0, 0)) return -1;
        start = f->used;
        continue;
      }
    } else if (c == '\\' && s[1]) {
      s++;
      switch (*s) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case 'x':
          /* \xNN: exactly two hex digits; otherwise an x as any other unknown escape */
          if (hex(s[1]) >= 0 && hex(s[2]) >= 0) {
            c = (char)(hex(s[1]) * 16 + hex(s[2]));
            s += 2;
          } else {
            c = 'x';
          }
          break;
        default: c = *s; break;
      }
    }
    if (f->used == sizeof f->text) return -1;
    f->text[f->used++] = c;
  }
  return add_op(f, 0, start, f->used - start);
}

static void bytes_or_null(FILE *out, const uvk_cli_format *f, const void *p, size_t n) {
  if (p) fwrite(p, 1, n, out);
  else if (f->null_as_text) fputs("NULL", out);
}

void uvk_cli_format_print(FILE *out, const uvk_cli_format *f, const uvk_batch *b, const uvk_consumer_message *m) {
  for (size_t i = 0; i < f->n; i++) {
    const uvk_format_op *op = &f->ops[i];
    switch (op->token) {
      case 0: fwrite(f->text + op->start, 1, op->len, out); break;
      case 's':
      case 'v': bytes_or_null(out, f, m->value, m->value_len); break;
      case 'k': bytes_or_null(out, f, m->key, m->key_len); break;
      case 'S': fprintf(out, "%lld", m->value ? (long long)m->value_len : -1LL); break;
      case 'K': fprintf(out, "%lld", m->key ? (long long)m->key_len : -1LL); break;
      case 't': fputs(b->topic, out); break;
      case 'p': fprintf(out, "%d", (int)b->partition); break;
      case 'o': fprintf(out, "%lld", (long long)m->offset); break;
      case 'T': fprintf(out, "%lld", (long long)m->timestamp); break;
      case 'd': fprintf(out, "%d", (int)f->delivery_count); break;
      case 'h':
        for (size_t h = 0; h < m->n_headers; h++) {
          fprintf(out, "%s%s=", h ? "," : "", m->headers[h].name);
          if (m->headers[h].value) fwrite(m->headers[h].value, 1, m->headers[h].value_len, out);
          else fputs("NULL", out);
        }
        break;
      default: break;
    }
  }
}

static void json_bytes(FILE *out, const void *p, size_t n) {
  const unsigned char *c = (const unsigned char *)p;
  if (!p) {
    fputs("null", out);
    return;
  }
  putc('"', out);
  for (size_t i = 0; i < n; i++) {
    switch (c[i]) {
      case '"': fputs("\\\"", out); break;
      case '\\': fputs("\\\\", out); break;
      case '\b': fputs("\\b", out); break;
      case '\f': fputs("\\f", out); break;
      case '\n': fputs("\\n", out); break;
      case '\r': fputs("\\r", out); break;
      case '\t': fputs("\\t", out); break;
      default:
        if (c[i] < 0x20) fprintf(out, "\\u%04x", c[i]);
        else putc(c[i], out);
    }
  }
  putc('"', out);
}

void uvk_cli_json_print(FILE *out, const uvk_batch *b, const uvk_consumer_message *m) {
  /* attributes bit 3: the batch's timestamps are the broker's log-append time */
  fputs("{\"topic\":", out);
  json_bytes(out, b->topic, strlen(b->topic));
  fprintf(out, ",\"partition\":%d,\"offset\":%lld,\"tstype\":\"%s\",\"ts\":%lld,\"broker\":-1", (int)b->partition,
          (long long)m->offset, (m->attributes & 8) ? "logappend" : "create", (long long)m->timestamp);
  if (m->n_headers) {
    fputs(",\"headers\":[", out);
    for (size_t h = 0; h < m->n_headers; h++) {
      if (h) putc(',', out);
      json_bytes(out, m->headers[h].name, strlen(m->headers[h].name));
      putc(',', out);
      json_bytes(out, m->headers[h].value, m->headers[h].value_len);
    }
    putc(']', out);
  }
  fputs(",\"key\":", out);
  json_bytes(out, m->key, m->key_len);
  fputs(",\"payload\":", out);
  json_bytes(out, m->value, m->value_len);
  fputs("}\n", out);
}
