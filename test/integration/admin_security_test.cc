// The admin's security operations against the real cluster, which runs Kafka's
// StandardAuthorizer (test/kafka/cluster.sh): ACLs that really deny a second SASL user
// ($UVK_TEST_USER2, not a super user), and SCRAM credentials that really let a new user in.
#include "admin_rig.h"

using namespace admin_it;

namespace {

struct Acl {
  int resource_type = 0, pattern = 0, operation = 0, permission = 0;
  std::string name, principal, host;
  size_t index = 0;
  int error = 0;
  std::string message;
};

struct AclReply {
  Reply r;
  std::vector<Acl> acls;
};

void on_acls(uvk_admin *, const uvk_error *e, const uvk_admin_acl_result *rs, size_t n, void *ud) {
  AclReply *a = static_cast<AclReply *>(ud);
  take_error(&a->r, e);
  for (size_t i = 0; i < n; i++) {
    Acl x;
    x.resource_type = rs[i].acl.resource_type;
    x.pattern = rs[i].acl.resource_pattern_type;
    x.operation = rs[i].acl.operation;
    x.permission = rs[i].acl.permission_type;
    x.name = rs[i].acl.resource_name ? rs[i].acl.resource_name : "(null)";
    x.principal = rs[i].acl.principal ? rs[i].acl.principal : "(null)";
    x.host = rs[i].acl.host ? rs[i].acl.host : "(null)";
    x.index = rs[i].index;
    x.error = rs[i].error;
    x.message = rs[i].error_message ? rs[i].error_message : "";
    a->acls.push_back(x);
  }
}

struct ScramUser {
  std::string user;
  int error = 0;
  std::map<int, int32_t> iterations;  // mechanism -> iterations
};

struct ScramReply {
  Reply r;
  std::vector<ScramUser> users;
};

void on_scram(uvk_admin *, const uvk_error *e, const uvk_admin_scram_user *us, size_t n, void *ud) {
  ScramReply *s = static_cast<ScramReply *>(ud);
  take_error(&s->r, e);
  for (size_t i = 0; i < n; i++) {
    ScramUser u;
    u.user = us[i].user;
    u.error = us[i].error;
    for (size_t j = 0; j < us[i].n_credentials; j++)
      u.iterations[us[i].credentials[j].mechanism] = us[i].credentials[j].iterations;
    s->users.push_back(u);
  }
}

// (Strings are borrowed: pass ones that outlive the binding.)
uvk_acl binding(const std::string &topic, const char *principal, int op, int permission) {
  uvk_acl a;
  a.resource_type = UVK_ACL_RESOURCE_TOPIC;
  a.resource_name = topic.c_str();
  a.resource_pattern_type = UVK_ACL_PATTERN_LITERAL;
  a.principal = principal;
  a.host = "*";
  a.operation = op;
  a.permission_type = permission;
  return a;
}

AclReply describe_topic_acls(Rig &rig, const std::string &topic) {
  uvk_acl f;
  uvk_acl_filter_init(&f);
  f.resource_type = UVK_ACL_RESOURCE_TOPIC;
  f.resource_name = topic.c_str();
  AclReply d;
  REQUIRE(uvk_admin_describe_acls(rig.admin, &f, on_acls, &d) == 0);
  rig.wait(d.r);
  return d;
}

// A client that authenticates on the SASL_PLAINTEXT listener.
std::vector<std::pair<std::string, std::string>> sasl_client(const char *mechanism, const std::string &user,
                                                             const std::string &password) {
  INFO("the test cluster's SASL listener must be in UVK_TEST_SASL_PLAINTEXT_BROKERS");
  REQUIRE_FALSE(env("UVK_TEST_SASL_PLAINTEXT_BROKERS").empty());
  return {{"brokers", env("UVK_TEST_SASL_PLAINTEXT_BROKERS")},
          {"sasl.mechanism", mechanism},
          {"sasl.username", user},
          {"sasl.password", password},
          {"retry.retries", "2"},
          {"retry.initialRetryTime", "50"}};
}

ScramReply describe_scram(Rig &rig, const std::vector<const char *> &users) {
  ScramReply s;
  REQUIRE(uvk_admin_describe_user_scram_credentials(rig.admin, users.empty() ? nullptr : users.data(), users.size(),
                                                    on_scram, &s) == 0);
  rig.wait(s.r);
  return s;
}

}  // namespace

TEST_CASE("admin: createAcls, describeAcls, deleteAcls; a DENY ACL really stops a second SASL user",
          "[integration]") {
  Rig rig;
  std::string user2 = env("UVK_TEST_USER2");
  INFO("UVK_TEST_USER2 names the cluster's second SASL user (test/kafka/cluster.sh)");
  REQUIRE_FALSE(user2.empty());
  std::string principal = "User:" + user2;
  std::string topic = uniq("uvk-it-acl");
  REQUIRE(create_topic(rig, topic, 1).code == 0);
  auto as_user2 = sasl_client("plain", user2, env("UVK_TEST_PASSWORD"));

  // Before any ACL names the topic, user2 may write to it (allow.everyone.if.no.acl.found).
  {
    Rig u2(as_user2);
    CHECK(try_produce(u2, topic, 3) == 0);
  }

  // Two ACLs: user2 may not write the topic; anyone may read topics with its prefix.
  std::string prefix = topic + "-read";
  uvk_acl acls[2] = {binding(topic, principal.c_str(), UVK_ACL_OP_WRITE, UVK_ACL_PERMISSION_DENY),
                     binding(prefix, "User:*", UVK_ACL_OP_READ, UVK_ACL_PERMISSION_ALLOW)};
  acls[1].resource_pattern_type = UVK_ACL_PATTERN_PREFIXED;
  AclReply c;
  REQUIRE(uvk_admin_create_acls(rig.admin, acls, 2, on_acls, &c) == 0);
  CHECK_FALSE(c.r.done);
  rig.wait(c.r);
  INFO(c.r.message);
  REQUIRE(c.r.code == 0);
  REQUIRE(c.acls.size() == 2);
  CHECK(c.acls[0].index == 0);
  CHECK(c.acls[0].error == 0);
  CHECK(c.acls[0].operation == UVK_ACL_OP_WRITE);
  CHECK(c.acls[1].index == 1);
  CHECK(c.acls[1].error == 0);
  CHECK(c.acls[1].pattern == UVK_ACL_PATTERN_PREFIXED);

  // describeAcls (any broker: poll while the ACL spreads on 3 nodes).
  AclReply d;
  REQUIRE(rig.eventually([&] {
    d = describe_topic_acls(rig, topic);
    REQUIRE(d.r.code == 0);
    return d.acls.size() == 1;
  }));
  CHECK(d.acls[0].name == topic);
  CHECK(d.acls[0].resource_type == UVK_ACL_RESOURCE_TOPIC);
  CHECK(d.acls[0].pattern == UVK_ACL_PATTERN_LITERAL);
  CHECK(d.acls[0].principal == principal);
  CHECK(d.acls[0].host == "*");
  CHECK(d.acls[0].operation == UVK_ACL_OP_WRITE);
  CHECK(d.acls[0].permission == UVK_ACL_PERMISSION_DENY);
  // MATCH finds the prefixed ACL that applies to a topic under the prefix.
  {
    std::string under = prefix + "-x";
    uvk_acl f;
    uvk_acl_filter_init(&f);
    f.resource_type = UVK_ACL_RESOURCE_TOPIC;
    f.resource_name = under.c_str();
    f.resource_pattern_type = UVK_ACL_PATTERN_MATCH;
    AclReply m;
    REQUIRE(rig.eventually([&] {
      m = AclReply();
      REQUIRE(uvk_admin_describe_acls(rig.admin, &f, on_acls, &m) == 0);
      rig.wait(m.r);
      REQUIRE(m.r.code == 0);
      return m.acls.size() == 1;
    }));
    CHECK(m.acls[0].name == prefix);
    CHECK(m.acls[0].principal == "User:*");
  }

  // The DENY works: user2's produce fails with TOPIC_AUTHORIZATION_FAILED; the super user's
  // still succeeds.
  int denied = 0;
  CHECK(rig.eventually([&] {
    Rig u2(as_user2);
    denied = try_produce(u2, topic, 1);
    return denied != 0;
  }));
  CHECK(denied == UVK_ERR_KAFKA(29));
  CHECK(try_produce(rig, topic, 1) == 0);

  // deleteAcls: one filter per ACL; each deleted ACL comes back with its filter's index.
  uvk_acl filters[2];
  uvk_acl_filter_init(&filters[0]);
  filters[0].resource_type = UVK_ACL_RESOURCE_TOPIC;
  filters[0].resource_name = topic.c_str();
  filters[0].principal = principal.c_str();
  uvk_acl_filter_init(&filters[1]);
  filters[1].resource_type = UVK_ACL_RESOURCE_TOPIC;
  filters[1].resource_name = prefix.c_str();
  filters[1].resource_pattern_type = UVK_ACL_PATTERN_PREFIXED;
  AclReply del;
  REQUIRE(uvk_admin_delete_acls(rig.admin, filters, 2, on_acls, &del) == 0);
  rig.wait(del.r);
  REQUIRE(del.r.code == 0);
  REQUIRE(del.acls.size() == 2);
  CHECK(del.acls[0].index == 0);
  CHECK(del.acls[0].name == topic);
  CHECK(del.acls[0].permission == UVK_ACL_PERMISSION_DENY);
  CHECK(del.acls[1].index == 1);
  CHECK(del.acls[1].name == prefix);

  // Gone: the describe is empty again and user2 may write once more.
  CHECK(rig.eventually([&] {
    AclReply e = describe_topic_acls(rig, topic);
    REQUIRE(e.r.code == 0);
    return e.acls.empty();
  }));
  CHECK(rig.eventually([&] {
    Rig u2(as_user2);
    int rc = try_produce(u2, topic, 1);
    return rc == 0;
  }));
}

TEST_CASE("admin: ACL error paths", "[integration]") {
  Rig rig;
  std::string topic = uniq("uvk-it-acl-bad");
  // Concrete values are required to create: ANY / MATCH, NULL strings and unknown numbers
  // are refused before anything is sent.
  uvk_acl a = binding(topic, "User:x", UVK_ACL_OP_ANY, UVK_ACL_PERMISSION_ALLOW);
  AclReply never;
  CHECK(uvk_admin_create_acls(rig.admin, &a, 1, on_acls, &never) == UVK_EINVAL);
  a = binding(topic, "User:x", UVK_ACL_OP_READ, UVK_ACL_PERMISSION_ALLOW);
  a.resource_pattern_type = UVK_ACL_PATTERN_MATCH;
  CHECK(uvk_admin_create_acls(rig.admin, &a, 1, on_acls, &never) == UVK_EINVAL);
  a = binding(topic, "User:x", UVK_ACL_OP_READ, UVK_ACL_PERMISSION_ALLOW);
  a.host = nullptr;
  CHECK(uvk_admin_create_acls(rig.admin, &a, 1, on_acls, &never) == UVK_EINVAL);
  a = binding(topic, "User:x", 99, UVK_ACL_PERMISSION_ALLOW);
  CHECK(uvk_admin_create_acls(rig.admin, &a, 1, on_acls, &never) == UVK_EINVAL);
  CHECK(uvk_admin_create_acls(rig.admin, nullptr, 1, on_acls, &never) == UVK_EINVAL);
  CHECK(uvk_admin_describe_acls(rig.admin, nullptr, on_acls, &never) == UVK_EINVAL);
  uvk_acl f;
  uvk_acl_filter_init(&f);
  f.operation = 0;
  CHECK(uvk_admin_delete_acls(rig.admin, &f, 1, on_acls, &never) == UVK_EINVAL);
  CHECK_FALSE(never.r.done);

  // A principal without a type: the broker refuses that creation, with its message.
  uvk_acl good = binding(topic, "User:someone", UVK_ACL_OP_READ, UVK_ACL_PERMISSION_ALLOW);
  uvk_acl bad = binding(topic, "no-type-here", UVK_ACL_OP_READ, UVK_ACL_PERMISSION_ALLOW);
  uvk_acl both[2] = {good, bad};
  AclReply c;
  REQUIRE(uvk_admin_create_acls(rig.admin, both, 2, on_acls, &c) == 0);
  rig.wait(c.r);
  CHECK(c.r.code == UVK_EKAFKA);
  REQUIRE(c.acls.size() == 2);
  CHECK(c.acls[0].error == 0);
  CHECK(c.acls[1].error != 0);
  CHECK_FALSE(c.acls[1].message.empty());

  // A filter that matches nothing deletes nothing; the good ACL is cleaned up.
  uvk_acl none;
  uvk_acl_filter_init(&none);
  std::string nobody = uniq("uvk-it-acl-none");
  none.resource_name = nobody.c_str();
  uvk_acl mine;
  uvk_acl_filter_init(&mine);
  mine.resource_name = topic.c_str();
  uvk_acl fs[2] = {none, mine};
  AclReply del;
  REQUIRE(uvk_admin_delete_acls(rig.admin, fs, 2, on_acls, &del) == 0);
  rig.wait(del.r);
  CHECK(del.r.code == 0);
  REQUIRE(del.acls.size() == 1);
  CHECK(del.acls[0].index == 1);
  CHECK(del.acls[0].principal == "User:someone");
}

TEST_CASE("admin: alterUserScramCredentials creates a user that can log in; describe and delete",
          "[integration]") {
  Rig rig;
  std::string user = uniq("uvk-it-scram");
  std::string password = "pw-" + std::to_string(uv_hrtime());
  // One call, two users: the change for `user` is made, the one for `other` (iterations
  // below Kafka's minimum) is refused alone with UNACCEPTABLE_CREDENTIAL.
  std::string other = uniq("uvk-it-scram-bad");
  uvk_admin_scram_alteration ups[2] = {{user.c_str(), UVK_SCRAM_SHA_256, password.c_str(), 8192},
                                       {other.c_str(), UVK_SCRAM_SHA_256, "pw", 100}};
  Reply a;
  REQUIRE(uvk_admin_alter_user_scram_credentials(rig.admin, ups, 2, on_results, &a) == 0);
  CHECK_FALSE(a.done);
  rig.wait(a);
  INFO(a.message);
  CHECK(a.code == UVK_EKAFKA);
  REQUIRE(a.items.size() == 2);
  CHECK(a.items[0].name == user);
  CHECK(a.items[0].error == 0);
  CHECK(a.items[1].name == other);
  CHECK(a.items[1].error == UVK_ERR_KAFKA(93));
  CHECK_FALSE(a.items[1].message.empty());
  // Kafka takes one change per user per request: the second mechanism is a second call.
  uvk_admin_scram_alteration up512 = {user.c_str(), UVK_SCRAM_SHA_512, password.c_str(), 0};
  Reply a2;
  REQUIRE(uvk_admin_alter_user_scram_credentials(rig.admin, &up512, 1, on_results, &a2) == 0);
  rig.wait(a2);
  INFO(a2.message);
  REQUIRE(a2.code == 0);

  // describe: both mechanisms with their iteration counts (4096 when not given).
  ScramReply d;
  REQUIRE(rig.eventually([&] {
    d = describe_scram(rig, {user.c_str()});
    return d.r.code == 0 && d.users.size() == 1 && d.users[0].iterations.size() == 2;
  }));
  CHECK(d.users[0].user == user);
  CHECK(d.users[0].iterations[UVK_SCRAM_SHA_256] == 8192);
  CHECK(d.users[0].iterations[UVK_SCRAM_SHA_512] == 4096);
  // Every user: the cluster's own SASL user is there too.
  ScramReply all = describe_scram(rig, {});
  REQUIRE(all.r.code == 0);
  bool found = false;
  for (const ScramUser &u : all.users) found = found || u.user == env("UVK_TEST_USER");
  CHECK(found);

  // The new user logs in with each mechanism and produces: the salted password was right.
  std::string topic = uniq("uvk-it-scram-topic");
  REQUIRE(create_topic(rig, topic, 1).code == 0);
  for (const char *mech : {"scram-sha-256", "scram-sha-512"}) {
    INFO(mech);
    int rc = -1;
    CHECK(rig.eventually([&] {
      Rig u(sasl_client(mech, user, password));
      rc = try_produce(u, topic, 1);
        return rc == 0;
    }));
    CHECK(rc == 0);
  }

  // Delete SHA-256, then SHA-512: the user ends with no credentials (RESOURCE_NOT_FOUND).
  uvk_admin_scram_alteration del256 = {user.c_str(), UVK_SCRAM_SHA_256, nullptr, 0};
  Reply r1;
  REQUIRE(uvk_admin_alter_user_scram_credentials(rig.admin, &del256, 1, on_results, &r1) == 0);
  rig.wait(r1);
  REQUIRE(r1.code == 0);
  REQUIRE(rig.eventually([&] {
    d = describe_scram(rig, {user.c_str()});
    return d.r.code == 0 && d.users.size() == 1 && d.users[0].iterations.size() == 1;
  }));
  CHECK(d.users[0].iterations.count(UVK_SCRAM_SHA_512) == 1);
  uvk_admin_scram_alteration del512 = {user.c_str(), UVK_SCRAM_SHA_512, nullptr, 0};
  Reply r2;
  REQUIRE(uvk_admin_alter_user_scram_credentials(rig.admin, &del512, 1, on_results, &r2) == 0);
  rig.wait(r2);
  REQUIRE(r2.code == 0);
  REQUIRE(rig.eventually([&] {
    d = describe_scram(rig, {user.c_str()});
    return d.users.size() == 1 && d.users[0].error != 0;
  }));
  CHECK(d.r.code == UVK_EKAFKA);
  CHECK(d.users[0].error == UVK_ERR_KAFKA(91));
  // Deleting a credential that does not exist fails for that user.
  Reply r3;
  REQUIRE(uvk_admin_alter_user_scram_credentials(rig.admin, &del512, 1, on_results, &r3) == 0);
  rig.wait(r3);
  CHECK(r3.code == UVK_EKAFKA);
  REQUIRE(r3.items.size() == 1);
  CHECK(r3.items[0].error != 0);

  // Arguments are checked before anything is sent.
  Reply never;
  uvk_admin_scram_alteration bad_mech = {user.c_str(), 3, "pw", 0};
  CHECK(uvk_admin_alter_user_scram_credentials(rig.admin, &bad_mech, 1, on_results, &never) == UVK_EINVAL);
  uvk_admin_scram_alteration no_user = {nullptr, UVK_SCRAM_SHA_256, "pw", 0};
  CHECK(uvk_admin_alter_user_scram_credentials(rig.admin, &no_user, 1, on_results, &never) == UVK_EINVAL);
  const char *empty[] = {""};
  CHECK(uvk_admin_describe_user_scram_credentials(rig.admin, empty, 1, on_scram, &never) == UVK_EINVAL);
  CHECK_FALSE(never.done);
}
