// Kafka's error table against the one the Java client publishes (its Errors enum, written to
// $UVK_ORACLE_DIR/errors.txt by test/oracle/prepare.sh): every code the Java client knows has
// our name and retriability, and we know no code below its newest one that it does not.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "engine/kafka_errors.h"

using namespace uvk;

TEST_CASE("Kafka error codes, names and retriability match the Java client's Errors", "[oracle][errors]") {
  const char *dir = getenv("UVK_ORACLE_DIR");
  INFO("needs $UVK_ORACLE_DIR/errors.txt: run test/oracle/prepare.sh OUT and source OUT/env");
  REQUIRE(dir != nullptr);
  std::ifstream f(std::string(dir) + "/errors.txt");
  REQUIRE(bool(f));
  std::map<int, std::string> java;
  std::string line;
  int max_code = -1;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    int code, retriable;
    std::string name;
    REQUIRE(bool(in >> code >> name >> retriable));
    java[code] = name;
    if (code > max_code) max_code = code;
    INFO(code << " " << name);
    const KafkaErrorInfo *i = kafka_error_info(code);
    REQUIRE(i != nullptr);
    CHECK(std::string(i->name) == name);
    CHECK(i->retriable == (retriable != 0));
    CHECK(kafka_error_by_name(name.c_str()) == code);
  }
  CHECK(java.size() >= 130);  // Kafka 4.x: over 130 codes from -1
  // Ours may only go beyond the Java client's newest code (a newer Kafka release).
  for (int c = kKafkaErrorMin; c <= max_code; c++) {
    INFO("code " << c);
    CHECK((kafka_error_info(c) != nullptr) == (java.count(c) == 1));
  }
}
