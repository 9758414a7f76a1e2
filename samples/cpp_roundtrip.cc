// The C++ wrapper (uvkafka/uvkafka.hpp) end to end on one libuv loop: create a topic,
// produce N keyed messages, read them back through a consumer group with eachMessage, and
// check that every key arrived once.
//
//   cpp_roundtrip BROKERS [COUNT]        exit 0: all COUNT messages came back
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include <set>
#include <string>
#include <vector>

#include "uvkafka/uvkafka.hpp"

namespace {

int fail(const char *what, int rc) {
  fprintf(stderr, "cpp_roundtrip: %s: %s\n", what, std::string(uvkafka::err_name(rc)).c_str());
  return 1;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: cpp_roundtrip BROKERS [COUNT]\n");
    return 2;
  }
  const int count = argc > 2 ? atoi(argv[2]) : 1000;
  const std::string topic = "cpp-roundtrip-" + std::to_string(uv_hrtime());
  uv_loop_t loop;
  uv_loop_init(&loop);

  uvkafka::Config cfg;
  std::string why;
  if (cfg.set("brokers", argv[1], &why) != 0 || cfg.set("logLevel", "WARN", &why) != 0 ||
      cfg.set("groupId", topic + "-group", &why) != 0) {
    fprintf(stderr, "cpp_roundtrip: config: %s\n", why.c_str());
    return 2;
  }
  int result = 1;
  {
    uvkafka::Client client;
    uvkafka::Admin admin;
    uvkafka::Producer producer;
    uvkafka::Consumer consumer;
    int rc = client.open(&loop, cfg);
    if (rc != 0) return fail("client", rc);
    if ((rc = admin.open(client)) != 0) return fail("admin", rc);
    if ((rc = producer.open(client)) != 0) return fail("producer", rc);
    if ((rc = consumer.open(client, cfg)) != 0) return fail("consumer", rc);

    std::set<std::string> seen;
    int duplicates = 0;
    auto shut_down = [&](const char *why_stop) {
      if (why_stop) fprintf(stderr, "cpp_roundtrip: %s\n", why_stop);
      consumer.disconnect([&](uvkafka::Error) {
        producer.disconnect([&](uvkafka::Error) { client.disconnect([](uvkafka::Error) {}); });
      });
    };
    auto consume = [&] {
      consumer.subscribe(topic, true);
      consumer.run_each_message([&](const uvk_batch &, uvkafka::ConsumedMessage m) {
        if (!seen.insert(std::string(m.key())).second) duplicates++;
        if (int(seen.size()) == count) {
          result = duplicates == 0 ? 0 : 1;
          printf("consumed %d messages (%d duplicates) through group %s-group\n", count, duplicates, topic.c_str());
          shut_down(nullptr);
        }
        return 0;
      });
    };
    admin.create_topic(topic, 3, -1, [&](uvkafka::Error err, uvkafka::Span<uvk_admin_result>) {
      if (err) return shut_down(err.message().c_str());
      std::vector<std::string> keys, values;
      for (int i = 0; i < count; i++) {
        keys.push_back("key-" + std::to_string(i));
        values.push_back("hello from C++ #" + std::to_string(i));
      }
      std::vector<uvkafka::Message> batch;
      for (int i = 0; i < count; i++) batch.push_back({keys[size_t(i)], values[size_t(i)]});
      int src = producer.send(topic, batch, [&](uvkafka::Error e, uvkafka::Span<uvk_record_metadata> md) {
        if (e) return shut_down(e.message().c_str());
        printf("produced %d messages to %zu partitions of %s\n", count, md.size, topic.c_str());
        consume();
      });
      if (src != 0) shut_down("send refused");
    });
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return result;
}
