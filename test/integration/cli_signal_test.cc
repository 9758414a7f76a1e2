// uvk stopped by a signal or a closed pipe, as a user does it: consume into a file, SIGTERM
// or SIGINT at a random moment (seeded, printed), then every line of a committed offset must
// be in the file and the group Empty; `| head -n 5` exits 0; produce counts what was
// acknowledged. Needs UVK_TEST_BROKERS and UVK_CLI (set by meson to the built tool).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <uv.h>

#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string env(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

std::string sh(const std::string &cmd, int *status = nullptr) {
  FILE *f = popen(cmd.c_str(), "r");
  REQUIRE(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int st = pclose(f);
  if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

std::string slurp(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// uvk with argv, stdin from in_fd (or /dev/null), stdout and stderr to files.
pid_t spawn(const std::vector<std::string> &args, const std::string &out, const std::string &err, int in_fd = -1) {
  const std::string cli = env("UVK_CLI");
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int i = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);
    dup2(o, 1);
    dup2(e, 2);
    dup2(i, 0);
    std::vector<char *> argv;
    argv.push_back(const_cast<char *>(cli.c_str()));
    for (const std::string &a : args) argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

size_t count_lines(const std::string &s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// Waits (60 s at most) until pred holds; the uvk process's own output is the event.
template <typename F>
bool wait_for(F pred) {
  for (int i = 0; i < 6000; i++) {
    if (pred()) return true;
    usleep(10000);
  }
  return false;
}

int wait_exit(pid_t pid) {
  int st = 0;
  REQUIRE(waitpid(pid, &st, 0) == pid);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

std::string uvk(const std::string &args, int *status = nullptr) {
  return sh("'" + env("UVK_CLI") + "' " + args + " 2>&1", status);
}

std::string unique(const char *what) { return std::string("uvk-it-sig-") + what + "-" + std::to_string(uv_hrtime()); }

}  // namespace

TEST_CASE("uvk consume: SIGTERM / SIGINT at a random moment: committed lines are in the file, group Empty",
          "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  REQUIRE_FALSE(env("UVK_TEST_BROKERS").empty());
  const std::string b = env("UVK_TEST_BROKERS");
  const std::string topic = unique("consume");
  const int total = 20000;
  int st = -1;
  uvk("topics create -b " + b + " -t " + topic + " --partitions 4", &st);
  REQUIRE(st == 0);
  std::string p = sh("seq 1 " + std::to_string(total) + " | '" + env("UVK_CLI") + "' produce -q -b " + b + " -t " +
                     topic + " 2>&1", &st);
  INFO(p);
  REQUIRE(st == 0);
  unsigned seed = env("UVK_TEST_SEED").empty() ? unsigned(uv_hrtime()) : unsigned(atol(env("UVK_TEST_SEED").c_str()));
  printf("cli_signal_test seed %u (UVK_TEST_SEED=%u repeats it)\n", seed, seed);
  std::mt19937 rng(seed);
  const std::string dir = env("UVK_TEST_TMP").empty() ? "/tmp" : env("UVK_TEST_TMP");
  for (int round = 0; round < 6; round++) {
    int sig = round % 2 ? SIGINT : SIGTERM;
    // 0: right after the join; otherwise once that many lines are in the file.
    size_t at = rng() % 3 == 0 ? 0 : rng() % total;
    std::string group = unique("group");
    std::string out = dir + "/" + group + ".out", err = dir + "/" + group + ".err";
    INFO("round " << round << " signal " << sig << " at " << at << " lines, group " << group);
    // Small fetches, so the signal lands between many batches.
    pid_t pid = spawn({"consume", "-b", b, "-t", topic, "-g", group, "-o", "beginning", "-f", "%p %o\\n", "-X",
                       "maxBytesPerPartition=2048", "-X", "maxBytes=8192"},
                      out, err);
    REQUIRE(wait_for([&] { return slurp(err).find("joined") != std::string::npos; }));
    if (at > 0) REQUIRE(wait_for([&] { return count_lines(slurp(out)) >= at; }));
    kill(pid, sig);
    int code = wait_exit(pid);
    INFO(slurp(err));
    CHECK(code == 0);
    std::string described = uvk("groups describe -b " + b + " -g " + group);
    INFO(described);
    CHECK(described.find("state Empty") != std::string::npos);
    // What the file holds, per partition.
    std::map<int, std::set<long long>> lines;
    std::istringstream in(slurp(out));
    int part;
    long long off;
    while (in >> part >> off) lines[part].insert(off);
    std::istringstream offsets(uvk("groups offsets -b " + b + " -g " + group));
    std::string line;
    long long committed_total = 0;
    while (std::getline(offsets, line)) {
      char t[256];
      int p2;
      long long committed;
      if (sscanf(line.c_str(), "%255s %d %lld", t, &p2, &committed) != 3 || topic != t) continue;
      INFO("partition " << p2 << " committed " << committed);
      for (long long o = 0; o < committed; o++) {
        if (!lines[p2].count(o)) {
          FAIL("offset " << o << " of partition " << p2 << " was committed but its line is not in the file");
        }
      }
      committed_total += committed;
    }
    printf("round %d: signal %d after %zu lines: %zu lines in the file, %lld committed\n", round, sig, at,
           count_lines(slurp(out)), committed_total);
    unlink(out.c_str());
    unlink(err.c_str());
  }
}

TEST_CASE("uvk consume | head -n 5 exits 0, also when nothing more arrives", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  const std::string b = env("UVK_TEST_BROKERS"), cli = "'" + env("UVK_CLI") + "'";
  const std::string topic = unique("head");
  int st = -1;
  sh("seq 1 1000 | " + cli + " produce -q -b " + b + " -t " + topic, &st);
  REQUIRE(st == 0);
  std::string out = sh("bash -c \"set -o pipefail; " + cli + " consume -q -b " + b + " -t " + topic +
                       " -o beginning | head -n 5\"", &st);
  CHECK(st == 0);
  CHECK(count_lines(out) == 5);
  // Exactly five messages: the reader leaves while uvk waits for more; it notices all the same.
  const std::string five = unique("five");
  sh("seq 1 5 | " + cli + " produce -q -b " + b + " -t " + five + " -p 0", &st);
  REQUIRE(st == 0);
  out = sh("timeout 60 bash -c \"set -o pipefail; " + cli + " consume -q -b " + b + " -t " + five +
           " -o beginning | head -n 5\"", &st);
  CHECK(st == 0);
  CHECK(out == "1\n2\n3\n4\n5\n");
}

TEST_CASE("uvk consume: a second signal exits at once", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  const std::string dir = env("UVK_TEST_TMP").empty() ? "/tmp" : env("UVK_TEST_TMP");
  const std::string out = dir + "/" + unique("twice") + ".out", err = out + ".err";
  // The first connection error says uvk runs, its handlers in place. Stopped, it gets SIGTERM
  // and SIGINT (two kinds: the kernel would merge two of one kind), then both at once.
  pid_t pid = spawn({"consume", "-b", "127.0.0.1:1", "-t", "x"}, out, err);
  REQUIRE(wait_for([&] { return slurp(err).find("Connection error") != std::string::npos; }));
  kill(pid, SIGSTOP);
  kill(pid, SIGTERM);
  kill(pid, SIGINT);
  kill(pid, SIGCONT);
  int code = wait_exit(pid);
  INFO(slurp(err));
  CHECK((code == 128 + SIGINT || code == 128 + SIGTERM));
  CHECK(slurp(err).find("exiting at once") != std::string::npos);
  unlink(out.c_str());
  unlink(err.c_str());
}

TEST_CASE("uvk produce: SIGTERM sends what was read and reports the acknowledged count", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  const std::string b = env("UVK_TEST_BROKERS");
  const std::string topic = unique("produce");
  const std::string dir = env("UVK_TEST_TMP").empty() ? "/tmp" : env("UVK_TEST_TMP");
  const std::string out = dir + "/" + topic + ".out", err = out + ".err";
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  // -T echoes what was read: the event that tells the test all 1000 lines are in.
  pid_t pid = spawn({"produce", "-b", b, "-t", topic, "-T"}, out, err, fds[0]);
  close(fds[0]);
  std::string lines;
  for (int i = 1; i <= 1000; i++) lines += std::to_string(i) + "\n";
  REQUIRE(write(fds[1], lines.data(), lines.size()) == ssize_t(lines.size()));
  REQUIRE(write(fds[1], "partial", 7) == 7);  // no newline yet: not a message
  REQUIRE(wait_for([&] { return count_lines(slurp(out)) >= 1000; }));
  kill(pid, SIGTERM);
  int code = wait_exit(pid);
  close(fds[1]);
  INFO(slurp(err));
  CHECK(code == 0);
  CHECK(slurp(err).find("1000 message(s) acknowledged") != std::string::npos);
  CHECK(slurp(err).find("stopped by SIGTERM") != std::string::npos);
  int st = -1;
  std::string back = uvk("consume -q -b " + b + " -t " + topic + " -o beginning -e", &st);
  CHECK(st == 0);
  CHECK(count_lines(back) == 1000);
  unlink(out.c_str());
  unlink(err.c_str());
}

TEST_CASE("uvk produce -X transactional.id: the input in one transaction, committed at its end, aborted by SIGINT",
          "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  const std::string b = env("UVK_TEST_BROKERS");
  const std::string topic = unique("txn");
  const std::string dir = env("UVK_TEST_TMP").empty() ? "/tmp" : env("UVK_TEST_TMP");
  const std::string out = dir + "/" + topic + ".out", err = out + ".err";
  int st = -1;
  std::string done = sh("seq 1 300 | '" + env("UVK_CLI") + "' produce -b " + b + " -t " + topic +
                            " -X transactional.id=" + unique("committed") + " 2>&1",
                        &st);
  INFO(done);
  CHECK(st == 0);
  CHECK(done.find("300 message(s) acknowledged") != std::string::npos);
  CHECK(done.find("committed in transaction") != std::string::npos);
  // The second run is stopped before its input ends: its 200 messages reach the log, aborted.
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = spawn({"produce", "-b", b, "-t", topic, "-T", "-X", "transactionalId=" + unique("aborted")}, out, err,
                    fds[0]);
  close(fds[0]);
  std::string lines;
  for (int i = 1; i <= 200; i++) lines += "aborted-" + std::to_string(i) + "\n";
  REQUIRE(write(fds[1], lines.data(), lines.size()) == ssize_t(lines.size()));
  REQUIRE(wait_for([&] { return count_lines(slurp(out)) >= 200; }));
  kill(pid, SIGINT);
  int code = wait_exit(pid);
  close(fds[1]);
  INFO(slurp(err));
  CHECK(code == 0);
  CHECK(slurp(err).find("aborted, stopped by SIGINT") != std::string::npos);
  // read_committed (uvk's default, kcat's isolation.level) sees the first run only.
  std::string committed = uvk("consume -q -b " + b + " -t " + topic + " -o beginning -e");
  CHECK(count_lines(committed) == 300);
  CHECK(committed.find("aborted") == std::string::npos);
  std::string all = sh("kcat -C -q -e -b " + b + " -t " + topic + " -X isolation.level=read_uncommitted | grep -c aborted");
  CHECK(all == "200\n");
  unlink(out.c_str());
  unlink(err.c_str());
}

TEST_CASE("uvk consume: output that cannot be written is not committed (stdout is /dev/full)", "[integration]") {
  REQUIRE_FALSE(env("UVK_CLI").empty());
  const std::string b = env("UVK_TEST_BROKERS"), cli = "'" + env("UVK_CLI") + "'";
  const std::string topic = unique("full"), group = unique("full-group");
  int st = -1;
  sh("seq 1 100 | " + cli + " produce -q -b " + b + " -t " + topic, &st);
  REQUIRE(st == 0);
  std::string err = sh(cli + " consume -q -b " + b + " -t " + topic + " -g " + group + " -o beginning -e 2>&1 >/dev/full", &st);
  CHECK(st == 1);
  CHECK(err.find("No space left on device") != std::string::npos);
  std::string offsets = uvk("groups offsets -b " + b + " -g " + group);
  INFO(offsets);
  CHECK(offsets.find(topic) == std::string::npos);
}
