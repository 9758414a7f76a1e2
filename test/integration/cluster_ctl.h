// Runs test/kafka/cluster.sh (path in UVK_TEST_CLUSTER_SH) with arguments and keeps what it
// printed, so a failed kill/start shows its reason (the node log tail) in the test report.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/wait.h>

// Returns the exit status of `cluster.sh ARGS` (-1 when it could not run); output gets
// stdout and stderr.
inline int cluster_ctl(const std::string &args, std::string &output) {
  output.clear();
  const char *sh = getenv("UVK_TEST_CLUSTER_SH");
  if (!sh || !*sh) {
    output = "UVK_TEST_CLUSTER_SH is not set";
    return -1;
  }
  std::string cmd = std::string(sh) + " " + args + " 2>&1";
  FILE *p = popen(cmd.c_str(), "r");
  if (!p) {
    output = "popen failed";
    return -1;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) output.append(buf, n);
  int status = pclose(p);
  if (status == -1) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
