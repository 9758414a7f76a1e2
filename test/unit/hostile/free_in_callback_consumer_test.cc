// Issue 30, the consumer and the admin (free_in_callback.h): each freed from inside one kind of
// callback of its own or its client's, and one handle freed from another handle's callback.
#include "free_in_callback.h"

using namespace free_in_callback;

// ---- the consumer ------------------------------------------------------------------------

TEST_CASE("free in callback: the consumer freed in eachMessage", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  r.on_message = [](Rig *rig) {
    if (rig->consumer) rig->free_consumer();
    return 0;
  };
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  r.run_until([] { return false; }, 300);  // later fetches would call it again
  CHECK(r.handler_calls == 1);
  CHECK(r.handler_after_free == 0);
  r.settle();
}

TEST_CASE("free in callback: the client freed in eachMessage, the consumer after it", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  r.on_message = [](Rig *rig) {
    if (rig->client) {
      rig->free_client();
      rig->free_consumer();
    }
    return 0;
  };
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  r.settle();
  CHECK(r.handler_after_free == 0);
}

TEST_CASE("free in callback: the consumer freed in eachBatch", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  r.on_message = [](Rig *rig) {
    if (rig->consumer) rig->free_consumer();
    return 0;
  };
  r.run_consumer(true);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  r.run_until([] { return false; }, 300);
  CHECK(r.handler_calls == 1);
  r.settle();
}

TEST_CASE("free in callback: the client freed in eachBatch (the consumer stays, freed later)", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  r.on_message = [](Rig *rig) {
    if (rig->client) rig->free_client();
    return 0;
  };
  r.run_consumer(true);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  r.run_until([] { return false; }, 300);
  r.settle();
}

// Answers over 80 KB: the driver reads their rest straight into the connection's frame
// buffer (engine_read_window), which the freed client takes with it mid-parse.
TEST_CASE("free in callback: the consumer or the client freed in eachBatch of an answer read in place", "[free_in_callback]") {
  for (int which = 0; which < 2; which++) {
    Case r;
    r.b1.log[0].assign(40, std::string(8000, 'v'));
    r.start_consumer();
    r.on_message = which == 0 ? +[](Rig *rig) {
      if (rig->consumer) rig->free_consumer();
      return 0;
    } : +[](Rig *rig) {
      if (rig->client) rig->free_client();
      return 0;
    };
    r.run_consumer(true);
    REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
    r.run_until([] { return false; }, 300);
    CHECK(r.handler_calls == 1);
    CHECK(r.handler_after_free == 0);
    r.settle();
  }
}

TEST_CASE("free in callback: eachMessage returns UVK_PENDING and frees its consumer", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  r.on_message = [](Rig *rig) {
    if (rig->consumer) rig->free_consumer();
    return UVK_PENDING;
  };
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  r.run_until([] { return false; }, 200);
  CHECK(r.handler_calls == 1);
  r.settle();
}

TEST_CASE("free in callback: after UVK_PENDING, the consumer freed from a client event listener", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  r.on_message = [](Rig *) { return UVK_PENDING; };
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  REQUIRE(uvk_client_on(r.client, UVK_EVENT_REQUEST, [](void *, const uvk_event *) {
    if (current->consumer) current->free_consumer();
  }, nullptr) > 0);
  REQUIRE(r.run_until([&] { return r.consumer == nullptr; }));
  r.run_until([] { return false; }, 200);
  CHECK(r.handler_after_free == 0);
  r.settle();
}

TEST_CASE("free in callback: the consumer freed in eachMessage with a commit, a describe and a stop pending", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  static Done commit, describe, stop;
  commit = describe = stop = Done();
  r.on_message = [](Rig *rig) {
    if (!rig->consumer) return 0;
    uvk_topic_partition_offset tpo{rig->cluster.topic.c_str(), 0, 1};
    REQUIRE(uvk_consumer_commit_offsets(rig->consumer, &tpo, 1, [](uvk_consumer *, const uvk_error *e, void *) {
      note(&commit, e);
    }, nullptr) == 0);
    REQUIRE(uvk_consumer_describe_group(rig->consumer, [](uvk_consumer *, const uvk_error *e,
                                                          const uvk_group_description *, void *) {
      note(&describe, e);
    }, nullptr) == 0);
    REQUIRE(uvk_consumer_stop(rig->consumer, [](uvk_consumer *, const uvk_error *e, void *) { note(&stop, e); },
                              nullptr) == 0);
    rig->free_consumer();
    return 0;
  };
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  r.run_until([] { return false; }, 200);
  CHECK(commit.calls == 1);
  CHECK(describe.calls == 1);
  CHECK(stop.calls == 1);
  CHECK(commit.code == UVK_ECLOSED);
  CHECK(describe.code == UVK_ECLOSED);
  CHECK(stop.code == UVK_ECLOSED);
  r.settle();
  CHECK(commit.calls == 1);
}

TEST_CASE("free in callback: uvk_consumer_free outside callbacks completes a pending stop with UVK_ECLOSED", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  Done stop;
  REQUIRE(uvk_consumer_stop(r.consumer, consumer_noted, &stop) == 0);
  r.free_consumer();
  CHECK(stop.calls == 1);
  CHECK(stop.code == UVK_ECLOSED);
  r.settle();
  CHECK(stop.calls == 1);
}

TEST_CASE("free in callback: the consumer freed in its stop, commit and describe callbacks", "[free_in_callback]") {
  for (int which = 0; which < 3; which++) {
    INFO("callback " << which);
    Case r;
    r.start_consumer();
    static Done done;
    done = Done();
    r.run_consumer(false);
    REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
    uvk_consumer_cb free_it = [](uvk_consumer *, const uvk_error *e, void *) {
      note(&done, e);
      current->free_consumer();
    };
    if (which == 0) {
      REQUIRE(uvk_consumer_stop(r.consumer, free_it, nullptr) == 0);
    } else if (which == 1) {
      uvk_topic_partition_offset tpo{r.cluster.topic.c_str(), 0, 1};
      REQUIRE(uvk_consumer_commit_offsets(r.consumer, &tpo, 1, free_it, nullptr) == 0);
    } else {
      REQUIRE(uvk_consumer_describe_group(r.consumer, [](uvk_consumer *, const uvk_error *e,
                                                         const uvk_group_description *, void *) {
        note(&done, e);
        current->free_consumer();
      }, nullptr) == 0);
    }
    REQUIRE(r.run_until([&] { return done.calls == 1; }));
    r.settle();
    CHECK(done.calls == 1);
  }
}

TEST_CASE("free in callback: the consumer freed in its event listener and in its crash callback", "[free_in_callback]") {
  SECTION("GROUP_JOIN listener") {
    Case r;
    r.start_consumer();
    REQUIRE(uvk_consumer_on(r.consumer, UVK_EVENT_GROUP_JOIN, [](void *, const uvk_event *) {
      if (current->consumer) current->free_consumer();
    }, nullptr) > 0);
    r.run_consumer(false);
    REQUIRE(r.run_until([&] { return r.consumer == nullptr; }));
    r.run_until([] { return false; }, 200);
    CHECK(r.handler_after_free == 0);
    r.settle();
  }
  SECTION("crash callback") {
    Case r;
    r.cluster.inject_errors[10] = {30};  // FindCoordinator: GROUP_AUTHORIZATION_FAILED
    r.start_consumer();
    static Done crashed;
    crashed = Done();
    REQUIRE(uvk_consumer_set_crash_cb(r.consumer, [](uvk_consumer *, const uvk_error *e, void *) {
      note(&crashed, e);
      current->free_consumer();
    }, nullptr) == 0);
    r.run_consumer(false);
    REQUIRE(r.run_until([&] { return crashed.calls == 1; }));
    r.settle();
    CHECK(crashed.calls == 1);
  }
}

TEST_CASE("free in callback: the consumer freed in its custom assigner", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  static int assigns;
  assigns = 0;
  REQUIRE(uvk_consumer_add_assigner(r.consumer, "free-me", 0, nullptr, 0,
                                    [](void *, const uvk_group_member *, size_t, const uvk_assign_topic *, size_t,
                                       uvk_assignment_builder *) {
                                      assigns++;
                                      if (current->consumer) current->free_consumer();
                                      return 0;
                                    },
                                    nullptr) == 0);
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return assigns > 0; }));
  r.run_until([] { return false; }, 200);
  CHECK(assigns == 1);
  CHECK(r.handler_after_free == 0);
  r.settle();
}

// ---- the admin ---------------------------------------------------------------------------

TEST_CASE("free in callback: the admin freed in its callback, another operation pending", "[free_in_callback]") {
  Case r;
  r.start_admin();
  Done first, second;
  REQUIRE(r.list_topics(&first, [](Rig *rig, size_t) {
    if (rig->admin) rig->free_admin();
  }) == 0);
  REQUIRE(r.list_topics(&second) == 0);
  REQUIRE(r.run_until([&] { return first.calls == 1 && second.calls == 1; }));
  CHECK((second.code == 0 || second.code == UVK_ECLOSED));
  r.settle();
  CHECK(first.calls == 1);
  CHECK(second.calls == 1);
}

TEST_CASE("free in callback: the client freed in an admin callback, the admin later", "[free_in_callback]") {
  Case r;
  r.start_admin();
  Done first;
  REQUIRE(r.list_topics(&first, [](Rig *rig, size_t) { rig->free_client(); }) == 0);
  REQUIRE(r.run_until([&] { return first.calls == 1; }));
  Done late;
  CHECK(r.list_topics(&late) == UVK_ECLOSED);
  r.settle();
  CHECK(first.calls == 1);
  CHECK(late.calls == 0);
}

TEST_CASE("free in callback: uvk_admin_free completes pending operations with UVK_ECLOSED", "[free_in_callback]") {
  Case r;
  r.start_admin();
  Done pending;
  REQUIRE(r.list_topics(&pending) == 0);
  r.free_admin();
  CHECK(pending.calls == 1);
  CHECK(pending.code == UVK_ECLOSED);
  r.settle();
  CHECK(pending.calls == 1);
}

TEST_CASE("free in callback: the admin freed in its event listener", "[free_in_callback]") {
  Case r;
  r.start_admin();
  REQUIRE(uvk_admin_on(r.admin, UVK_EVENT_REQUEST, [](void *, const uvk_event *) {
    if (current->admin) current->free_admin();
  }, nullptr) > 0);
  Done op;
  REQUIRE(r.list_topics(&op) == 0);
  REQUIRE(r.run_until([&] { return op.calls == 1; }));
  r.settle();
  CHECK(op.calls == 1);
}

// ---- one handle from another's callback ------------------------------------------------

TEST_CASE("free in callback: a send's callback frees the consumer and the admin; an admin callback frees the producer", "[free_in_callback]") {
  Case r;
  r.start_consumer();
  REQUIRE(uvk_producer_new(r.client, nullptr, &r.producer) == 0);
  REQUIRE(uvk_admin_new(r.client, nullptr, &r.admin) == 0);
  r.run_consumer(false);
  REQUIRE(r.run_until([&] { return r.handler_calls > 0; }));
  static Done listed;
  listed = Done();
  REQUIRE(r.send(0, 10, [](Rig *rig, size_t) {
    rig->free_consumer();
    REQUIRE(rig->list_topics(&listed, [](Rig *rig2, size_t) { rig2->free_producer(); }) == 0);
    rig->free_admin();  // when this callback returns, the list call ends (UVK_ECLOSED) and frees the producer
    CHECK(listed.calls == 0);
  }) == 0);
  REQUIRE(r.send(1, 10) == 0);
  REQUIRE(r.run_until([&] { return r.all_sent() && listed.calls == 1; }));
  r.check_sends_once();
  CHECK(listed.code == UVK_ECLOSED);
  CHECK(r.producer == nullptr);
  r.settle();
  CHECK(listed.calls == 1);
}
