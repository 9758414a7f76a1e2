// docs/configuration.md must list exactly the keys of the config table, with the same
// type and default: the docs cannot drift from the code.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "capi/config.h"

namespace {

std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string unquote(const std::string &cell) {
  std::string s = trim(cell);
  if (s.size() >= 2 && s.front() == '`' && s.back() == '`') return s.substr(1, s.size() - 2);
  return s;
}

struct DocRow {
  std::string type, def;
  int count = 0;
};

// Rows of the form "| `key` | type | `default` or (none) | description |" in the "## Keys"
// section.
std::map<std::string, DocRow> parse_docs(const std::string &path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::map<std::string, DocRow> rows;
  std::string line;
  bool in_keys = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) in_keys = line == "## Keys";
    if (!in_keys || line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::string cell;
    // Split on unescaped '|' ("\|" may appear in descriptions).
    for (size_t i = 1; i < line.size(); i++) {
      if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
        cell += '|';
        i++;
      } else if (line[i] == '|') {
        cells.push_back(cell);
        cell.clear();
      } else {
        cell += line[i];
      }
    }
    REQUIRE(cells.size() >= 4);
    std::string key = unquote(cells[0]);
    DocRow &r = rows[key];
    r.type = trim(cells[1]);
    std::string def = trim(cells[2]);
    r.def = def == "(none)" ? "" : unquote(def);
    r.count++;
  }
  return rows;
}

}  // namespace

TEST_CASE("docs/configuration.md lists every key with its type and default", "[config][docs]") {
  auto rows = parse_docs(std::string(UVK_SOURCE_ROOT) + "/docs/configuration.md");
  size_t keys = 0;
  for (size_t t = 0; t < uvk::kConfigTableCount; t++)
    for (size_t i = 0; i < uvk::kConfigTables[t].n; i++) {
      const uvk::ConfigKey &k = uvk::kConfigTables[t].keys[i];
      INFO("key " << k.name);
      keys++;
      auto it = rows.find(k.name);
      REQUIRE(it != rows.end());
      CHECK(it->second.count == 1);
      CHECK(it->second.type == uvk::config_type_name(k.type));
      CHECK(it->second.def == k.def);
    }
  for (auto &r : rows) {
    INFO("documented key " << r.first);
    CHECK(uvk::config_find_key(r.first.c_str()) != nullptr);
  }
  CHECK(rows.size() == keys);
}
