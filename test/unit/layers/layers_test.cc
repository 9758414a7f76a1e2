// The structure rules of docs/architecture.md checked on the tree and on the built library:
// the I/O-free layers read no clock (time comes through the engine's seam), and the shared
// library exports only the C ABI and carries none of the testing library's codecs.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

const std::string kRoot = UVK_SOURCE_ROOT;

// Every .cc and .h under lib/<dir> (not recursive: proto/gen is listed on its own).
std::vector<std::string> sources(const std::string &dir) {
  std::vector<std::string> out;
  DIR *d = opendir((kRoot + "/lib/" + dir).c_str());
  REQUIRE(d);
  while (dirent *e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 3 && (n.substr(n.size() - 3) == ".cc" || n.substr(n.size() - 2) == ".h"))
      out.push_back(kRoot + "/lib/" + dir + "/" + n);
  }
  closedir(d);
  return out;
}

std::string slurp(const std::string &path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The calls and names that read a clock.
const char *const kClockReads[] = {"clock_gettime", "gettimeofday", "CLOCK_REALTIME", "CLOCK_MONOTONIC",
                                   "time(nullptr)", "time(NULL)", "std::chrono", "timespec_get",
                                   "uv_now", "uv_hrtime", "<uv.h>"};

std::vector<std::string> clock_reads(const std::string &dir) {
  std::vector<std::string> hits;
  for (const std::string &path : sources(dir)) {
    std::string text = slurp(path);
    for (const char *word : kClockReads)
      if (text.find(word) != std::string::npos) hits.push_back(path + ": " + word);
  }
  return hits;
}

std::string run(const std::string &cmd) {
  FILE *p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  REQUIRE(pclose(p) == 0);
  return out;
}

// clang's -fsanitize=function (part of undefined) exports the type info of function types
// (_ZTIF..., _ZTSF...) from an instrumented library; the shipped build has none.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define UVK_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UVK_TEST_SANITIZED 1
#endif

bool sanitizer_artifact(const std::string &name) {
#ifdef UVK_TEST_SANITIZED
  return name.compare(0, 5, "_ZTIF") == 0 || name.compare(0, 5, "_ZTSF") == 0;
#else
  (void)name;
  return false;
#endif
}

std::string shared_lib() {
  const char *lib = getenv("UVK_SHARED_LIB");
  INFO("UVK_SHARED_LIB names libuvkafka.so (set by meson)");
  REQUIRE(lib);
  return lib;
}

}  // namespace

TEST_CASE("layers: no clock is read in the I/O-free layers", "[layers]") {
  for (const char *dir : {"common", "proto", "proto/gen", "codec", "sasl", "engine", "client"}) {
    std::vector<std::string> hits = clock_reads(dir);
    std::string list;
    for (const std::string &h : hits) list += h + "\n";
    INFO("lib/" << dir << " must take time from the engine's seam (now, engine_wall_ms):\n" << list);
    CHECK(hits.empty());
  }
}

TEST_CASE("layers: the scan finds the clock reads of lib/io", "[layers]") {
  // The check above would pass on an empty or misread tree: lib/io holds the one helper.
  std::vector<std::string> hits = clock_reads("io");
  CHECK(hits.size() >= 3);  // clock_gettime, CLOCK_REALTIME, CLOCK_MONOTONIC, uv_now, <uv.h>
}

TEST_CASE("layers: libuvkafka.so exports only uvk_ symbols", "[layers]") {
  std::string out = run("nm -D --defined-only '" + shared_lib() + "'");
  std::istringstream lines(out);
  std::string line;
  size_t uvk = 0;
  std::vector<std::string> others;
  while (std::getline(lines, line)) {
    std::string name = line.substr(line.rfind(' ') + 1);
    if (name.compare(0, 4, "uvk_") == 0) uvk++;
    else if (!sanitizer_artifact(name)) others.push_back(name);
  }
  std::string list;
  for (const std::string &o : others) list += o + " ";
  INFO("exported besides uvk_*: " << list);
  CHECK(others.empty());
  CHECK(uvk > 100);  // the C ABI is there (uvk_client_new, uvk_producer_send, ...)
}

TEST_CASE("layers: libuvkafka.so holds no testing-only code", "[layers]") {
  // The full symbol table (hidden symbols included): the by-name dispatch, the samples and an
  // API no client code sends stay in the testing library; a client API is there.
  std::string syms = run("nm -C '" + shared_lib() + "'");
  CHECK(syms.find("MetadataRequest") != std::string::npos);
  for (const char *absent : {"proto_roundtrip", "proto_messages", "AddRaftVoterRequest", "DescribeQuorumRequest",
                             "UnregisterBrokerRequest", "proto_sample"})
    CHECK(syms.find(absent) == std::string::npos);
}
