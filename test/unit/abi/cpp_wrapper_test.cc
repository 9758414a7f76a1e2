// The header-only C++ wrapper (uvkafka.hpp), compiled like a user's program (-pedantic,
// -Wold-style-cast, public headers only): errors come back as codes, callbacks a call refused
// never run, and callbacks the library drops with their handle are freed with it (checked by
// the reference counts of what they captured, and by the ASan build's leak check).
#include <catch2/catch.hpp>
#include <uv.h>

#include "uvkafka/uvkafka.hpp"

namespace {

// A client whose only broker refuses connections: every request stays pending (retrying).
struct Rig {
  uv_loop_t loop;
  uvkafka::Client client;
  Rig() {
    REQUIRE(uv_loop_init(&loop) == 0);
    uvkafka::Config cfg;
    std::string why;
    REQUIRE(cfg.set("brokers", "127.0.0.1:1", &why) == 0);
    REQUIRE(cfg.set("logLevel", "NOTHING", &why) == 0);
    REQUIRE(cfg.set("retry.retries", "100", &why) == 0);
    REQUIRE(client.open(&loop, cfg) == 0);
  }
  ~Rig() {
    client = uvkafka::Client();  // frees the C client
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }
};

}  // namespace

TEST_CASE("C++ wrapper: config errors come back with the reason", "[abi]") {
  uvkafka::Config cfg;
  std::string why;
  CHECK(cfg.set("logLevel", "LOUD", &why) == UVK_EINVAL);
  CHECK(why.find("logLevel") != std::string::npos);
  CHECK(cfg.set("linger", "5", &why) == 0);
  CHECK(uvkafka::err_name(UVK_EINVAL) == "UVK_EINVAL");
  uvkafka::Error none;
  CHECK_FALSE(none);
  CHECK(none.code() == 0);
  CHECK(none.message().empty());
}

TEST_CASE("C++ wrapper: a refused call never runs its callback; cut-short ones run once and are freed", "[abi]") {
  Rig rig;
  uvkafka::Admin admin;
  REQUIRE(admin.open(rig.client) == 0);
  int calls = 0;
  // Refused before anything starts: an empty topic name.
  CHECK(admin.create_topic("", 1, 1, [&](uvkafka::Error, uvkafka::Span<uvk_admin_result>) { calls++; }) ==
        UVK_EINVAL);
  // Pending (no broker answers), then the admin goes: its callback runs once with
  // UVK_ECLOSED, and is freed.
  auto big = std::make_shared<std::vector<char>>(1 << 20);  // a capture the leak check would see
  int list_error = 0;
  REQUIRE(admin.list_topics([&calls, &list_error, big](uvkafka::Error e, std::vector<std::string_view>) {
    calls++;
    list_error = e.code();
  }) == 0);
  uv_run(&rig.loop, UV_RUN_NOWAIT);
  CHECK(big.use_count() == 2);
  admin = uvkafka::Admin();
  CHECK(big.use_count() == 1);
  CHECK(calls == 1);
  CHECK(list_error == UVK_ECLOSED);

  // A producer freed with a send still pending: the send completes once, with UVK_ECLOSED,
  // and its callback (and what it captured) is gone afterwards.
  uvkafka::Producer producer;
  REQUIRE(producer.open(rig.client) == 0);
  int sends = 0, send_error = 0;
  auto held = std::make_shared<int>(0);
  REQUIRE(producer.send("t", {uvkafka::Message("k", "v")},
                        [&sends, &send_error, held](uvkafka::Error e, uvkafka::Span<uvk_record_metadata>) {
                          sends++;
                          send_error = e.code();
                        }) == 0);
  uv_run(&rig.loop, UV_RUN_NOWAIT);
  CHECK(sends == 0);
  CHECK(held.use_count() == 2);
  producer = uvkafka::Producer();
  CHECK(sends == 1);
  CHECK(send_error == UVK_ECLOSED);
  CHECK(held.use_count() == 1);
}

TEST_CASE("C++ wrapper: handles move without double frees", "[abi]") {
  Rig rig;
  uvkafka::Admin a;
  REQUIRE(a.open(rig.client) == 0);
  uvk_admin *raw = a.get();
  uvkafka::Admin b(std::move(a));
  CHECK(b.get() == raw);
  CHECK(a.get() == nullptr);  // NOLINT: checking the moved-from state on purpose
  uvkafka::Admin c;
  c = std::move(b);
  CHECK(c.get() == raw);
  CHECK(c.list_topics([](uvkafka::Error, std::vector<std::string_view>) {}) == 0);
  uvkafka::Admin empty;
  CHECK(empty.list_topics([](uvkafka::Error, std::vector<std::string_view>) {}) == UVK_EINVAL);
}
