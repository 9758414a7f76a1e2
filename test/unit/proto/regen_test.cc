// The committed lib/proto/gen must be exactly what tools/kgen writes from the schemas.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace {
std::string slurp(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}
std::set<std::string> list(const std::string &dir) {
  std::set<std::string> out;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d))
      if (e->d_name[0] != '.') out.insert(e->d_name);
    closedir(d);
  }
  return out;
}
}  // namespace

TEST_CASE("regenerating lib/proto/gen from the schemas changes nothing", "[proto][regen]") {
  struct stat st;
  // Missing schemas are a failure: a check that cannot run must not count as passed.
  INFO("the schemas are expected at " UVK_SCHEMA_DIR " (tools/kschema/schemas)");
  REQUIRE(stat(UVK_SCHEMA_DIR, &st) == 0);
  char tmpl[] = "/tmp/uvk-kgen-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string out = tmpl;
  std::string cmd = "python3 '" UVK_SOURCE_ROOT "/tools/kgen/kgen.py' '" UVK_SCHEMA_DIR "' '" + out +
                    "' 2>/dev/null";
  REQUIRE(system(cmd.c_str()) == 0);
  std::string committed = UVK_SOURCE_ROOT "/lib/proto/gen";
  std::set<std::string> a = list(committed), b = list(out);
  CHECK(a == b);
  for (const std::string &name : b) {
    INFO(name);
    CHECK(slurp(committed + "/" + name) == slurp(out + "/" + name));
  }
  std::string rm = "rm -rf '" + out + "'";
  CHECK(system(rm.c_str()) == 0);
}
