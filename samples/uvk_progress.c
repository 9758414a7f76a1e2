/* A progress line on a terminal's stderr while the data flows elsewhere (the caller says when:
 * on a terminal the messages themselves show progress). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <unistd.h>
#include <uv.h>

#include "uvk_cli.h"

static struct {
  uv_timer_t timer;
  const long *count;
  const char *what;
  long last;
  uint64_t started, last_at;
  int on, shown;
} g;

static void show(uv_timer_t *t) {
  uint64_t now = uv_now(t->loop);
  long n = *g.count;
  double secs = (double)(now - g.started) / 1000.0;
  double rate = now > g.last_at ? (double)(n - g.last) * 1000.0 / (double)(now - g.last_at) : 0;
  fprintf(stderr, "\r%% %ld %s, %.0f/s now, %.0f s\033[K", n, g.what, rate, secs);
  fflush(stderr);
  g.shown = 1;
  g.last = n;
  g.last_at = now;
}

void uvk_cli_progress_start(struct uv_loop_s *loop, int data_fd, const long *count, const char *what) {
  if (data_fd < 0 || !isatty(STDERR_FILENO) || isatty(data_fd) || uv_timer_init(loop, &g.timer) != 0) return;
  g.count = count;
  g.what = what;
  g.started = g.last_at = uv_now(loop);
  g.on = 1;
  uv_unref((uv_handle_t *)&g.timer);
  uv_timer_start(&g.timer, show, 1000, 1000);
}

void uvk_cli_progress_clear(void) {
  if (!g.shown) return;
  fputs("\r\033[K", stderr);
  g.shown = 0;
}

void uvk_cli_progress_stop(void) {
  if (!g.on) return;
  uvk_cli_progress_clear();
  uv_close((uv_handle_t *)&g.timer, NULL);
  g.on = 0;
}
