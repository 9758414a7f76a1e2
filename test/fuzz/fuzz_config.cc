// libFuzzer target: the configuration text parser. Input: [mode][line]['\n' line]...; each
// line is "key=value" and is applied to one uvk_config, through the uvk CLI's -X path
// (samples/uvk_cli.c: split at the first '=', key cut to 127 bytes) when bit 0 of mode is
// set, else through uvk_config_set directly with an error buffer of 0, 1, 16 or 256 bytes
// (bits 1-2). That reaches every key's parser: integers and ranges, nullable integers,
// doubles, booleans, log levels, broker lists (host:port, [v6]:port), and the checked
// strings (SASL mechanism, version cap, assigner list, partitioner).
// After each accepted setting the value must read back, and setting what was read back
// must be accepted and read back the same (secret keys read back as "***" and are left
// out); at the end a duplicate must read back like the original for every key the input
// set (only those, so that each run stays short).
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "capi/config.h"
#include "uvkafka/uvkafka.h"

extern "C" int uvk_cli_common_flag(uvk_config *cfg, const char *a, const char *v);

static std::string get(const uvk_config *cfg, const char *key) {
  int need = uvk_config_get(cfg, key, nullptr, 0);
  if (need < 0) abort();  // the key was accepted a moment ago
  std::string s(size_t(need) + 1, '\0');
  if (uvk_config_get(cfg, key, &s[0], s.size()) != need) abort();
  s.resize(size_t(need));
  if (strlen(s.c_str()) != s.size()) abort();  // no NUL inside, nothing cut off
  return s;
}

static void check_readback(uvk_config *cfg, const char *key, std::vector<const char *> *set) {
  const uvk::ConfigKey *k = uvk::config_find_key(key);
  if (!k) abort();
  set->push_back(k->name);
  std::string v = get(cfg, key);
  if (k->flags & uvk::kKeySecret) return;
  char err[256];
  if (uvk_config_set(cfg, key, v.c_str(), err, sizeof err) != 0) abort();
  if (get(cfg, key) != v) abort();
}

static void set_line(uvk_config *cfg, unsigned mode, const std::string &line,
                     std::vector<const char *> *set) {
  size_t eq = line.find('=');
  if (mode & 1) {
    int rc = uvk_cli_common_flag(cfg, "-X", line.c_str());
    std::string key(line, 0, eq < 127 ? eq : 127);
    // A librdkafka spelling (samples/uvk_props.c) sets another key: read back only uvkafka's.
    if (rc == 2 && uvk::config_find_key(key.c_str())) check_readback(cfg, key.c_str(), set);
    return;
  }
  if (eq == std::string::npos) return;
  static const size_t kErrLens[] = {0, 1, 16, 256};
  char err[256];
  size_t errlen = kErrLens[(mode >> 1) & 3];
  std::string key(line, 0, eq);
  if (uvk_config_set(cfg, key.c_str(), line.c_str() + eq + 1, errlen ? err : nullptr, errlen) == 0)
    check_readback(cfg, key.c_str(), set);
  else if (errlen && strlen(err) >= errlen)
    abort();  // the reason must fit the caller's buffer
}

// Inputs (or parts of them: records, keys) that got past the decoder's checks; the corpus
// replay (replay_test.cc) requires some, so a corpus that only exercises refusals fails.
extern "C" {
size_t uvk_fuzz_reached = 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uvk_config *cfg = uvk_config_new();
  if (!cfg) abort();
  std::string text(reinterpret_cast<const char *>(data + 1), size - 1);
  std::vector<const char *> set;  // the table's names of the keys accepted
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    // up to a NUL, as C sees it
    set_line(cfg, data[0], std::string(text, pos, nl - pos).c_str(), &set);
    pos = nl + 1;
  }
  // The typed views the engine takes must not trip over any accepted value.
  int major, minor, patch;
  uvk::config_version_cap(cfg, &major, &minor, &patch);
  uvk::config_retry_options(cfg);
  uvk_brokers seeds = {nullptr, 0, 0, uvk::default_allocator()};
  uvk::config_bootstrap_brokers(cfg, &seeds);
  uvk::brokers_clear(&seeds);
  uvk_config *dup = uvk_config_dup(cfg);
  if (!dup) abort();
  uvk_fuzz_reached += set.size();
  for (const char *key : set)
    if (get(dup, key) != get(cfg, key)) abort();
  uvk_config_free(dup);
  uvk_config_free(cfg);
  return 0;
}
