/* How the uvk subcommands stop: SIGINT / SIGTERM arrive on the loop (uv_signal_t), a closed
 * stdout pipe is noticed even while nothing is written, and stdout's buffering is chosen here. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "uvk_cli.h"

static struct {
  uv_signal_t sig[2];
  uv_poll_t out;
  int out_watched;
  int inited;
  int signals;
  int first_signo;
  uint64_t first_at;
  int quiet;
  uvk_cli_stop_fn fn;
  void *ud;
} g;

static void on_signal(uv_signal_t *h, int signo) {
  (void)h;
  /* timeout(1) and kill 0 send one SIGTERM to the process and one to its group: the same
   * signal within 200 ms is the same request */
  if (g.signals > 0 && signo == g.first_signo && uv_hrtime() - g.first_at < 200000000u) return;
  if (++g.signals > 1) {
    fflush(stdout);
    uvk_cli_progress_clear();
    fprintf(stderr, "uvk: a second signal (%s): exiting at once\n", signo == SIGINT ? "SIGINT" : "SIGTERM");
    _exit(128 + signo);
  }
  uvk_cli_progress_clear();
  if (!g.quiet)
    fprintf(stderr, "%% %s: stopping (a second one exits at once)\n", signo == SIGINT ? "SIGINT" : "SIGTERM");
  g.first_signo = signo;
  g.first_at = uv_hrtime();
  g.fn(g.ud, signo);
}

static void on_stdout_event(uv_poll_t *h, int status, int events) {
  if (status == 0 && !(events & UV_DISCONNECT)) return;
  uv_poll_stop(h);
  g.fn(g.ud, SIGPIPE);
}

/* uv_poll_init makes the descriptor non-blocking; stdio's writes must keep blocking. */
static int poll_keep_blocking(uv_loop_t *loop, uv_poll_t *h, int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || uv_poll_init(loop, h, fd) != 0) return -1;
  fcntl(fd, F_SETFL, flags);
  return 0;
}

int uvk_cli_poll_init(uv_loop_t *loop, uv_poll_t *h, int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode))) return -1;
  return poll_keep_blocking(loop, h, fd);
}

int uvk_cli_stop_init(uv_loop_t *loop, int quiet, uvk_cli_stop_fn fn, void *ud) {
  static const int signums[2] = {SIGINT, SIGTERM};
  struct stat st;
  memset(&g, 0, sizeof g);
  g.fn = fn;
  g.ud = ud;
  g.inited = 1;
  g.quiet = quiet;
  signal(SIGPIPE, SIG_IGN);
  for (int i = 0; i < 2; i++) {
    if (uv_signal_init(loop, &g.sig[i]) != 0 || uv_signal_start(&g.sig[i], on_signal, signums[i]) != 0) return -1;
    uv_unref((uv_handle_t *)&g.sig[i]);
  }
  if (fstat(STDOUT_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) &&
      poll_keep_blocking(loop, &g.out, STDOUT_FILENO) == 0) {
    g.out_watched = 1;
    uv_poll_start(&g.out, UV_DISCONNECT, on_stdout_event);
    uv_unref((uv_handle_t *)&g.out);
  }
  return 0;
}

void uvk_cli_stop_close(void) {
  if (!g.inited) return;
  g.inited = 0;
  for (int i = 0; i < 2; i++) uv_close((uv_handle_t *)&g.sig[i], NULL);
  if (g.out_watched) uv_close((uv_handle_t *)&g.out, NULL);
  g.out_watched = 0;
}

void uvk_cli_stdout_mode(int unbuffered) {
  static char buf[1 << 16];
  if (unbuffered) setvbuf(stdout, NULL, _IONBF, 0);
  else if (isatty(STDOUT_FILENO)) setvbuf(stdout, NULL, _IOLBF, 0);
  else setvbuf(stdout, buf, _IOFBF, sizeof buf);
}
