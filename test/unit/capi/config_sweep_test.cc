// Bad configuration, swept over every key of the library's table (lib/capi/config_table.cc):
// each key refuses a value of the wrong type (text for a number, a number for an enum or a
// boolean), values just outside its range and, where empty has no meaning, the empty value;
// every refusal is UVK_EINVAL with a message that names the key, and leaves the value as it
// was. A key added to the table is swept without touching this file; a new type or a new
// string check fails here until it gets its bad values.
#include <catch2/catch.hpp>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <map>
#include <string>
#include <vector>

#include "capi/config.h"
#include "uvkafka/uvkafka.h"

namespace {

using uvk::ConfigKey;
using uvk::ConfType;

std::string get(const uvk_config *c, const char *key) {
  char buf[512];
  REQUIRE(uvk_config_get(c, key, buf, sizeof buf) >= 0);
  return buf;
}

// Strings a checked string key refuses (its check function says why). Every key with a
// check must appear here.
const std::map<std::string, std::vector<const char *>> kCheckedRejects = {
    {"protocolVersionCap", {"abc", "2", "2.", ".4", "2.4.1.0", "1234.1", "2.x", " 2.4", "2.4 "}},
    {"sasl.mechanism", {"nope", "gssapi", "plain ", "scram-sha-1", "1"}},
    {"partitioner", {"", "nope", "Default", "1", "true"}},
    {"partitionAssigners", {"", "nope", ",range", "RoundRobinAssigner,nope", "Range", "1"}},
    {"groupProtocol", {"", "eager", "classic ", "consumer,classic", "1"}},
    {"groupRemoteAssignor", {"sticky", "cooperative-sticky", "uniform ", "range,uniform", "1"}},
};

std::vector<const ConfigKey *> all_keys() {
  std::vector<const ConfigKey *> keys;
  for (size_t t = 0; t < uvk::kConfigTableCount; t++)
    for (size_t i = 0; i < uvk::kConfigTables[t].n; i++) keys.push_back(&uvk::kConfigTables[t].keys[i]);
  return keys;
}

std::string num(double v) {
  char b[64];
  snprintf(b, sizeof b, "%.0f", v);
  return b;
}

// The text setter refuses `value` for k: UVK_EINVAL, the key in errbuf and last_error, the
// stored value unchanged.
void text_rejected(uvk_config *c, const ConfigKey &k, const std::string &value) {
  INFO("key " << k.name << ", value \"" << value << "\"");
  std::string before = get(c, k.name);
  char err[256] = "untouched";
  CHECK(uvk_config_set(c, k.name, value.c_str(), err, sizeof err) == UVK_EINVAL);
  CHECK(strstr(err, k.name) != nullptr);
  CHECK(strcmp(uvk_config_last_error(c), err) == 0);
  CHECK(get(c, k.name) == before);
}

// A typed setter's refusal (rc from it): UVK_EINVAL, the key in last_error, value unchanged.
void typed_rejected(uvk_config *c, const ConfigKey &k, const std::string &before, int rc, const char *what) {
  INFO("key " << k.name << ", " << what);
  CHECK(rc == UVK_EINVAL);
  CHECK(strstr(uvk_config_last_error(c), k.name) != nullptr);
  CHECK(get(c, k.name) == before);
}

void text_accepted(uvk_config *c, const ConfigKey &k, const std::string &value) {
  INFO("key " << k.name << ", value \"" << value << "\"");
  char err[256];
  CHECK(uvk_config_set(c, k.name, value.c_str(), err, sizeof err) == UVK_OK);
  CHECK(err[0] == '\0');
}

}  // namespace

TEST_CASE("config sweep: every key refuses the wrong type, out-of-range and empty values", "[config][sweep]") {
  std::vector<const ConfigKey *> keys = all_keys();
  REQUIRE(keys.size() > 40);
  std::map<ConfType, int> swept;
  for (const ConfigKey *kp : keys) {
    const ConfigKey &k = *kp;
    uvk_config *c = uvk_config_new();
    REQUIRE(c);
    std::string before = get(c, k.name);
    // NULL is never a value.
    char err[256] = "untouched";
    CHECK(uvk_config_set(c, k.name, nullptr, err, sizeof err) == UVK_EINVAL);
    CHECK(strstr(err, k.name) != nullptr);
    swept[k.type]++;
    switch (k.type) {
      case ConfType::kInt:
      case ConfType::kNullableInt: {
        for (const char *bad : {"abc", "1.5", "1e3", " 5", "5 ", "0x10", "5ms", "true", "99999999999999999999",
                                "-99999999999999999999"})
          text_rejected(c, k, bad);
        if (k.type == ConfType::kInt) text_rejected(c, k, "");
        text_rejected(c, k, num(k.min - 1));
        text_rejected(c, k, num(k.max + 1));
        int64_t below = int64_t(k.min) - 1;
        if (k.type == ConfType::kNullableInt && below == -1) below = -2;  // -1 means null there
        typed_rejected(c, k, before, uvk_config_set_int(c, k.name, below), "set_int below min");
        typed_rejected(c, k, before, uvk_config_set_int(c, k.name, int64_t(k.max) + 1), "set_int above max");
        typed_rejected(c, k, before, uvk_config_set_int(c, k.name, INT64_MIN), "set_int INT64_MIN");
        typed_rejected(c, k, before, uvk_config_set_double(c, k.name, k.max + 1), "set_double above max");
        typed_rejected(c, k, before, uvk_config_set_double(c, k.name, k.min + 0.5), "set_double not whole");
        typed_rejected(c, k, before, uvk_config_set_double(c, k.name, NAN), "set_double NaN");
        typed_rejected(c, k, before, uvk_config_set_bool(c, k.name, 1), "set_bool on a number");
        typed_rejected(c, k, before, uvk_config_set_str(c, k.name, "5"), "set_str on a number");
        // The bounds themselves are accepted: the range is exactly the table's.
        text_accepted(c, k, num(k.min));
        text_accepted(c, k, num(k.max));
        if (k.type == ConfType::kNullableInt) {
          text_accepted(c, k, "null");
          CHECK(get(c, k.name) == "null");
        }
        break;
      }
      case ConfType::kDouble: {
        for (const char *bad : {"abc", "", "nan", "inf", "-inf", "1e999", " 1", "1 ", "1,5", "true"})
          text_rejected(c, k, bad);
        char below[64], above[64];
        snprintf(below, sizeof below, "%g", k.min - 0.5);
        snprintf(above, sizeof above, "%g", k.max + 0.5);
        text_rejected(c, k, below);
        text_rejected(c, k, above);
        typed_rejected(c, k, before, uvk_config_set_double(c, k.name, k.min - 0.5), "set_double below min");
        typed_rejected(c, k, before, uvk_config_set_double(c, k.name, k.max + 0.5), "set_double above max");
        typed_rejected(c, k, before, uvk_config_set_double(c, k.name, INFINITY), "set_double inf");
        typed_rejected(c, k, before, uvk_config_set_int(c, k.name, int64_t(k.max) + 1), "set_int above max");
        typed_rejected(c, k, before, uvk_config_set_bool(c, k.name, 0), "set_bool on a number");
        typed_rejected(c, k, before, uvk_config_set_str(c, k.name, "0.5"), "set_str on a number");
        break;
      }
      case ConfType::kBool: {
        for (const char *bad : {"", "2", "-1", "truee", "maybe", "t", " true", "true "}) text_rejected(c, k, bad);
        typed_rejected(c, k, before, uvk_config_set_int(c, k.name, 1), "set_int on a boolean");
        typed_rejected(c, k, before, uvk_config_set_double(c, k.name, 1.0), "set_double on a boolean");
        typed_rejected(c, k, before, uvk_config_set_str(c, k.name, "true"), "set_str on a boolean");
        break;
      }
      case ConfType::kLogLevel: {
        for (const char *bad : {"", "3", "6", "-1", "10", "VERBOSE", "INFO ", "true"}) text_rejected(c, k, bad);
        typed_rejected(c, k, before, uvk_config_set_int(c, k.name, 3), "set_int between levels");
        typed_rejected(c, k, before, uvk_config_set_int(c, k.name, 6), "set_int above max");
        typed_rejected(c, k, before, uvk_config_set_int(c, k.name, -1), "set_int below min");
        typed_rejected(c, k, before, uvk_config_set_str(c, k.name, "LOUD"), "set_str unknown level");
        typed_rejected(c, k, before, uvk_config_set_bool(c, k.name, 1), "set_bool on a level");
        typed_rejected(c, k, before, uvk_config_set_double(c, k.name, 4.0), "set_double on a level");
        break;
      }
      case ConfType::kString: {
        // Numbers and booleans are not strings.
        typed_rejected(c, k, before, uvk_config_set_int(c, k.name, 5), "set_int on a string");
        typed_rejected(c, k, before, uvk_config_set_double(c, k.name, 0.5), "set_double on a string");
        typed_rejected(c, k, before, uvk_config_set_bool(c, k.name, 1), "set_bool on a string");
        typed_rejected(c, k, before, uvk_config_set_str(c, k.name, nullptr), "set_str NULL");
        auto it = kCheckedRejects.find(k.name);
        if (k.check) {
          INFO("a string key with a check needs its bad values in kCheckedRejects: " << k.name);
          REQUIRE(it != kCheckedRejects.end());
          for (const char *bad : it->second) {
            text_rejected(c, k, bad);
            typed_rejected(c, k, before, uvk_config_set_str(c, k.name, bad), "set_str refused by the check");
          }
        } else {
          CHECK(it == kCheckedRejects.end());  // the list names only checked keys
          // Free text: empty means "none" / "the default" (docs/configuration.md), so it is accepted.
          text_accepted(c, k, "");
        }
        break;
      }
      case ConfType::kBrokers: {
        for (const char *bad : {"a:b", "a:0", "a:65536", "a:-1", ",", "a:1,", ",a:1", "a:1,,b:2", "[::1", "[]:1",
                                "::1:9092", "a b:1", "a:", ":1", "h\xff:1"})
          text_rejected(c, k, bad);
        typed_rejected(c, k, before, uvk_config_set_int(c, k.name, 9092), "set_int on brokers");
        typed_rejected(c, k, before, uvk_config_set_double(c, k.name, 1.0), "set_double on brokers");
        typed_rejected(c, k, before, uvk_config_set_bool(c, k.name, 1), "set_bool on brokers");
        // Empty clears the list (the client then refuses to start without brokers).
        text_accepted(c, k, "");
        break;
      }
      default:
        FAIL("a key type this sweep does not know: add its bad values (" << k.name << ")");
    }
    uvk_config_free(c);
  }
  // Every type the table uses was swept at least once.
  CHECK(swept[ConfType::kInt] > 10);
  CHECK(swept[ConfType::kNullableInt] >= 1);
  CHECK(swept[ConfType::kDouble] >= 1);
  CHECK(swept[ConfType::kBool] >= 1);
  CHECK(swept[ConfType::kLogLevel] >= 1);
  CHECK(swept[ConfType::kString] >= 1);
  CHECK(swept[ConfType::kBrokers] >= 1);
  // And every checked key in the list exists in the table.
  for (const auto &e : kCheckedRejects) {
    INFO(e.first);
    CHECK(uvk::config_find_key(e.first.c_str()) != nullptr);
  }
}

TEST_CASE("config sweep: unknown and NULL keys are refused by every setter", "[config][sweep]") {
  uvk_config *c = uvk_config_new();
  for (const char *key : {"", "nope", "clientid", "retry", "retry.", "ssl.", "brokers ", "\xff"}) {
    INFO(key);
    char err[256] = "untouched";
    CHECK(uvk_config_set(c, key, "1", err, sizeof err) == UVK_EINVAL);
    CHECK(strstr(err, "unknown configuration key") != nullptr);
    CHECK(uvk_config_set_int(c, key, 1) == UVK_EINVAL);
    CHECK(strstr(uvk_config_last_error(c), "unknown configuration key") != nullptr);
    CHECK(uvk_config_set_double(c, key, 1) == UVK_EINVAL);
    CHECK(uvk_config_set_bool(c, key, 1) == UVK_EINVAL);
    CHECK(uvk_config_set_str(c, key, "1") == UVK_EINVAL);
    CHECK(uvk_config_get(c, key, err, sizeof err) == UVK_EINVAL);
  }
  // A wrong-case key is pointed at the right one.
  char err[256];
  CHECK(uvk_config_set(c, "clientid", "x", err, sizeof err) == UVK_EINVAL);
  CHECK(strstr(err, "clientId") != nullptr);
  CHECK(uvk_config_set_int(c, nullptr, 1) == UVK_EINVAL);
  CHECK(strstr(uvk_config_last_error(c), "NULL") != nullptr);
  uvk_config_free(c);
}
