// Admin SCRAM credential operations (KIP-554): describeUserScramCredentials and
// alterUserScramCredentials. Passwords never leave the client: an upsertion carries a
// random salt and the salted password Hi(password, salt, iterations) of RFC 5802, from
// which the broker derives its stored and server keys.
#include <string.h>

#include "client/admin.h"
#include "client/admin_ops.h"
#include "proto/gen/alter_user_scram_credentials.h"
#include "proto/gen/api_table.h"
#include "proto/gen/describe_user_scram_credentials.h"
#include "sasl/sasl.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

namespace {

const int32_t kDefaultIterations = 4096;  // Kafka's minimum, and its tools' default
const size_t kSaltLen = 32;               // bytes, as Kafka's own ScramFormatter
const size_t kMaxHashLen = 64;            // SHA-512

struct ScramState {
  void *request;
  uvk_admin_scram_user *users;  // describe
  uvk_admin_result *results;    // alter: one per alteration
  size_t n;
  bool answered;
};

ScramState *st_of(AdminOp *op) { return static_cast<ScramState *>(op->state); }
uvk_admin *owner(AdminOp *op) { return static_cast<uvk_admin *>(op->admin->owner); }

bool str_eq(const char *a, const proto::Str &b) {
  return b.data && strlen(a) == size_t(b.len) && memcmp(a, b.data, size_t(b.len)) == 0;
}

template <class Request>
int encode_built(AdminCall *c, Buf *out, int16_t version) {
  return proto::encode(out, *static_cast<Request *>(st_of(c->op)->request), version);
}

ScramState *scram_state(AdminOp *op) {
  auto *st = arena_construct_array<ScramState>(&op->arena, 1);
  op->state = st;
  return st;
}

// The salted password is a secret: wipe what the request held once the op is done.
void wipe(volatile uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = 0;
}

// ---- describe ---------------------------------------------------------------------------------

void finish_describe(AdminOp *op, const uvk_error *err) {
  ScramState *st = st_of(op);
  auto cb = reinterpret_cast<uvk_admin_scram_users_cb>(op->user_cb);
  cb(owner(op), err, st->answered ? st->users : nullptr, st->answered ? st->n : 0, op->user_ud);
}

int on_describe(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  ScramState *st = st_of(op);
  proto::DescribeUserScramCredentialsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.error_code != 0) {
    admin_op_fail(op, UVK_ERR_KAFKA(resp.error_code), &resp.error_message);
    return kAdminDone;
  }
  size_t n = resp.results.count > 0 ? size_t(resp.results.count) : 0;
  st->users = arena_construct_array<uvk_admin_scram_user>(&op->arena, n + 1);
  if (!st->users) return UVK_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const auto &r = resp.results.items[i];
    uvk_admin_scram_user &u = st->users[i];
    u.user = admin_str(op, r.user);
    u.error = r.error_code ? UVK_ERR_KAFKA(r.error_code) : 0;
    u.error_message = r.error_code ? admin_msg(op, r.error_message) : nullptr;
    if (r.error_code) admin_op_fail(op, UVK_ERR_KAFKA(r.error_code), &r.error_message);
    size_t k = r.credential_infos.count > 0 ? size_t(r.credential_infos.count) : 0;
    auto *creds = arena_construct_array<uvk_admin_scram_credential>(&op->arena, k + 1);
    if (!creds) return UVK_ENOMEM;
    for (size_t j = 0; j < k; j++) {
      creds[j].mechanism = r.credential_infos.items[j].mechanism;
      creds[j].iterations = r.credential_infos.items[j].iterations;
    }
    u.credentials = creds;
    u.n_credentials = k;
  }
  st->n = n;
  st->answered = true;
  return kAdminDone;
}

// ---- alter ------------------------------------------------------------------------------------

void wipe_request(ScramState *st) {
  auto *req = static_cast<proto::AlterUserScramCredentialsRequest *>(st->request);
  for (int32_t i = 0; req && i < req->upsertions.count; i++) {
    const proto::Bytes &sp = req->upsertions.items[i].salted_password;
    if (sp.data) wipe(const_cast<uint8_t *>(sp.data), size_t(sp.len));
  }
}

void finish_alter(AdminOp *op, const uvk_error *err) {
  ScramState *st = st_of(op);
  wipe_request(st);
  auto cb = reinterpret_cast<uvk_admin_results_cb>(op->user_cb);
  cb(owner(op), err, st->answered ? st->results : nullptr, st->answered ? st->n : 0, op->user_ud);
}

int on_alter(AdminCall *c, Reader *body, int16_t version) {
  AdminOp *op = c->op;
  ScramState *st = st_of(op);
  proto::AlterUserScramCredentialsResponse resp;
  int rc = proto::decode(body, &op->arena, &resp, version);
  if (rc != 0) return rc;
  if (resp.results.count > 0 && resp.results.items[0].error_code == 41) return kAdminRetarget;
  // Results are per user: each alteration takes its user's.
  for (size_t i = 0; i < st->n; i++) {
    uvk_admin_result &r = st->results[i];
    for (int32_t j = 0; j < resp.results.count; j++) {
      const auto &u = resp.results.items[j];
      if (!str_eq(r.name, u.user)) continue;
      r.error = u.error_code ? UVK_ERR_KAFKA(u.error_code) : 0;
      r.error_message = u.error_code ? admin_msg(op, u.error_message) : nullptr;
      if (u.error_code) admin_op_fail(op, UVK_ERR_KAFKA(u.error_code), &u.error_message);
      break;
    }
  }
  st->answered = true;
  return kAdminDone;
}

bool valid_mechanism(int m) { return m == UVK_SCRAM_SHA_256 || m == UVK_SCRAM_SHA_512; }

}  // namespace

int admin_describe_user_scram_credentials(Admin *ad, const char *const *users, size_t n, uvk_admin_scram_users_cb cb,
                                          void *ud, uint64_t now) {
  if (!cb || n > 10000 || (n && !users)) return UVK_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!users[i] || !*users[i]) return UVK_EINVAL;
  AdminOp *op = admin_op_new(ad, finish_describe, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  ScramState *st = scram_state(op);
  auto *req = arena_construct_array<proto::DescribeUserScramCredentialsRequest>(&op->arena, 1);
  auto *names = arena_construct_array<proto::DescribeUserScramCredentialsRequest::UserName>(&op->arena, n + 1);
  if (!st || !req || !names) return admin_abandon(op, UVK_ENOMEM);
  for (size_t i = 0; i < n; i++) names[i].name = admin_pstr(admin_strdup(op, users[i]));
  // A null list asks for every user; an empty one for none.
  req->users = n ? proto::Array<proto::DescribeUserScramCredentialsRequest::UserName>{names, int32_t(n)}
                 : proto::Array<proto::DescribeUserScramCredentialsRequest::UserName>{nullptr, -1};
  st->request = req;
  if (!admin_call(op, kAdminAny, -1, nullptr, proto::kDescribeUserScramCredentials,
                  proto::DescribeUserScramCredentialsRequest::kMaxVersion,
                  encode_built<proto::DescribeUserScramCredentialsRequest>, on_describe, nullptr, 0))
    return admin_abandon(op, UVK_ENOMEM);
  admin_op_started(op);
  return 0;
}

int admin_alter_user_scram_credentials(Admin *ad, const uvk_admin_scram_alteration *alts, size_t n,
                                       uvk_admin_results_cb cb, void *ud, uint64_t now) {
  if (!cb || !alts || n == 0 || n > 10000) return UVK_EINVAL;
  size_t n_up = 0;
  for (size_t i = 0; i < n; i++) {
    const uvk_admin_scram_alteration &a = alts[i];
    if (!a.user || !*a.user || !valid_mechanism(a.mechanism) || a.iterations < 0) return UVK_EINVAL;
    if (a.password) n_up++;
  }
  AdminOp *op = admin_op_new(ad, finish_alter, reinterpret_cast<void *>(cb), ud, now);
  if (!op) return UVK_ENOMEM;
  ScramState *st = scram_state(op);
  using Req = proto::AlterUserScramCredentialsRequest;
  auto *req = arena_construct_array<Req>(&op->arena, 1);
  auto *ups = arena_construct_array<Req::ScramCredentialUpsertion>(&op->arena, n_up + 1);
  auto *dels = arena_construct_array<Req::ScramCredentialDeletion>(&op->arena, n - n_up + 1);
  if (!st || !req || !ups || !dels) return admin_abandon(op, UVK_ENOMEM);
  st->request = req;  // before any failure below: finish_alter wipes what it holds
  st->results = arena_construct_array<uvk_admin_result>(&op->arena, n + 1);
  if (!st->results) return admin_abandon(op, UVK_ENOMEM);
  st->n = n;
  int32_t nu = 0, nd = 0;
  for (size_t i = 0; i < n; i++) {
    const uvk_admin_scram_alteration &a = alts[i];
    const char *user = admin_strdup(op, a.user);
    st->results[i].name = user;
    if (!a.password) {
      dels[nd].name = admin_pstr(user);
      dels[nd++].mechanism = int8_t(a.mechanism);
      continue;
    }
    auto *salt = static_cast<uint8_t *>(arena_alloc(&op->arena, kSaltLen, 1));
    auto *salted = static_cast<uint8_t *>(arena_alloc(&op->arena, kMaxHashLen, 1));
    if (!salt || !salted) return admin_abandon(op, UVK_ENOMEM);
    int32_t iterations = a.iterations ? a.iterations : kDefaultIterations;
    SaslMechanismId m = a.mechanism == UVK_SCRAM_SHA_256 ? kSaslScramSha256 : kSaslScramSha512;
    size_t hash_len = m == kSaslScramSha256 ? 32 : 64;
    Req::ScramCredentialUpsertion &u = ups[nu++];
    req->upsertions = {ups, nu};  // kept current so wipe_request sees every salted password
    u.name = admin_pstr(user);
    u.mechanism = int8_t(a.mechanism);
    u.iterations = iterations;
    // The broker refuses counts outside 4096..16384 (UNACCEPTABLE_CREDENTIAL) and says so;
    // capping the PBKDF2 run means a typo cannot make this call spin (the broker refuses it anyway).
    if (iterations > 16384) iterations = 16384;
    if (!secure_random(salt, kSaltLen) ||
        scram_salted_password(m, a.password, salt, kSaltLen, uint32_t(iterations), salted) != 0) {
      wipe(salted, kMaxHashLen);
      wipe_request(st);
      return admin_abandon(op, UVK_EAUTH);
    }
    u.salt = {salt, int32_t(kSaltLen)};
    u.salted_password = {salted, int32_t(hash_len)};
  }
  req->deletions = {dels, nd};
  if (!admin_call(op, kAdminController, -1, nullptr, proto::kAlterUserScramCredentials, Req::kMaxVersion,
                  encode_built<Req>, on_alter, nullptr, 0)) {
    wipe_request(st);
    return admin_abandon(op, UVK_ENOMEM);
  }
  admin_op_started(op);
  return 0;
}

}  // namespace uvk
