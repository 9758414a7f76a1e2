/// @file uvkafka.hpp
/// @brief uvkafka.hpp: a header-only C++17 layer over the C ABI (uvkafka.h).
///
/// RAII handles, lambdas for callbacks, std::string_view for names and bytes; no exceptions
/// are thrown or needed (calls return the C error codes: 0 or a negative UVK_E*). Everything
/// still runs on the loop thread, exactly as the C API.
///
/// Ownership: a callback given to an asynchronous call is kept until it runs once. The C
/// library runs every pending callback once (UVK_ECLOSED when cut short) when its handle is
/// freed; freed from inside a callback, it does so when that callback has returned, so the
/// wrapper keeps the pending ones until they ran (a handle may be destroyed in its own
/// callback). Destroy handles in the reverse order of creation (consumers, producers
/// and admins before their client) and only after their work finished, as with the C API.
#ifndef UVKAFKA_HPP
#define UVKAFKA_HPP

#include <stddef.h>
#include <stdint.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "uvkafka/uvkafka.h"

/// The C++ wrapper: RAII handles over the C API (uvkafka.h).
namespace uvkafka {

/// A borrowed view of a uvk_error (valid during the callback that received it). Falsy when
/// there was no error.
class Error {
 public:
  /// Views @p e (NULL: no error).
  Error(const uvk_error *e = nullptr) : e_(e) {}  // NOLINT: implicit from the C pointer
  /// True when there is an error.
  explicit operator bool() const { return e_ != nullptr; }
  /// uvk_error_code(); 0 when there is no error.
  int code() const { return e_ ? uvk_error_code(e_) : 0; }
  /// uvk_error_kafka_code(); 0 when there is no error.
  int kafka_code() const { return e_ ? uvk_error_kafka_code(e_) : 0; }
  /// uvk_error_kafka_name(); empty when there is none.
  std::string_view kafka_name() const { return view(e_ ? uvk_error_kafka_name(e_) : nullptr); }
  /// uvk_error_broker_message(); empty when there is none.
  std::string_view broker_message() const { return view(e_ ? uvk_error_broker_message(e_) : nullptr); }
  /// uvk_error_is_retriable(); false when there is no error.
  bool retriable() const { return e_ && uvk_error_is_retriable(e_); }
  /// The whole chain, formatted ("" when there is no error).
  std::string message() const {
    if (!e_) return std::string();
    char buf[512];
    uvk_error_format(e_, buf, sizeof buf);
    return buf;
  }
  /// The C error (NULL when there is none).
  const uvk_error *get() const { return e_; }

 private:
  static std::string_view view(const char *s) { return s ? std::string_view(s) : std::string_view(); }
  const uvk_error *e_;
};

/// The name of a return code (UVK_EINVAL -> "UVK_EINVAL"), as uvk_err_name().
inline std::string_view err_name(int rc) { return uvk_err_name(rc); }
/// The description of a return code, as uvk_strerror().
inline std::string_view strerror(int rc) { return uvk_strerror(rc); }

/// A contiguous read-only sequence (std::span is C++20).
template <class T>
struct Span {
  const T *data = nullptr;  ///< the first element
  size_t size = 0;          ///< the number of elements
  /// The first element, for range-for.
  const T *begin() const { return data; }
  /// One past the last element, for range-for.
  const T *end() const { return data + size; }
  /// Element @p i (not checked).
  const T &operator[](size_t i) const { return data[i]; }
  /// True when there are no elements.
  bool empty() const { return size == 0; }
};

/// @p n bytes at @p p as a string_view (empty for NULL).
inline std::string_view bytes(const void *p, size_t n) {
  return p ? std::string_view(static_cast<const char *>(p), n) : std::string_view();
}

namespace detail {

// Callbacks waiting to run once, owned by a handle (heap-allocated so that moving the handle
// keeps the trampolines' pointers valid).
struct Pending {
  struct Node {
    virtual ~Node() = default;
    Pending *owner = nullptr;
  };
  std::map<Node *, std::unique_ptr<Node>> nodes;
  template <class N>
  N *add(std::unique_ptr<N> n) {
    n->owner = this;
    N *raw = n.get();
    nodes.emplace(raw, std::move(n));
    return raw;
  }
  // Takes a node out (the trampoline runs it, then it is freed).
  int running = 0;        // callbacks running now
  bool orphaned = false;  // its handle is gone: the last callback to run frees this
  std::unique_ptr<Node> take(Node *n) {
    auto it = nodes.find(n);
    if (it == nodes.end()) return nullptr;
    std::unique_ptr<Node> out = std::move(it->second);
    nodes.erase(it);
    return out;
  }
};

// A handle's callbacks go with it, or after the last of them ran when the C library still
// has some to call (a handle freed from inside a callback).
struct PendingRelease {
  void operator()(Pending *p) const {
    if (p->nodes.empty() && p->running == 0) delete p;
    else p->orphaned = true;
  }
};
using PendingPtr = std::unique_ptr<Pending, PendingRelease>;

template <class Fn>
struct Once : Pending::Node {
  explicit Once(Fn f) : fn(std::move(f)) {}
  Fn fn;
};

// Runs and frees a one-shot callback stored in `ud`.
template <class Fn, class... Args>
void run_once(void *ud, Args &&...args) {
  auto *node = static_cast<Once<Fn> *>(ud);
  Pending *owner = node->owner;
  std::unique_ptr<Pending::Node> keep = owner->take(node);
  owner->running++;
  if (keep) node->fn(std::forward<Args>(args)...);
  keep.reset();
  if (--owner->running == 0 && owner->orphaned && owner->nodes.empty()) delete owner;
}

// Adds a one-shot callback; drops it again when the C call refused to start (rc != 0).
template <class Fn, class Call>
int start_once(Pending &p, Fn fn, Call call) {
  auto *node = p.add(std::make_unique<Once<Fn>>(std::move(fn)));
  int rc = call(static_cast<void *>(node));
  if (rc != 0) p.take(node);
  return rc;
}

}  // namespace detail

// ---- Config ---------------------------------------------------------------------------------

/// An owned uvk_config.
class Config {
 public:
  /// A config holding every default (uvk_config_new()).
  Config() : c_(uvk_config_new()) {}
  /// Sets a key from its string form; on failure `why` (if given) gets the reason.
  int set(std::string_view key, std::string_view value, std::string *why = nullptr) {
    if (!c_) return UVK_ENOMEM;
    char err[256] = "";
    std::string k(key), v(value);
    int rc = uvk_config_set(c_.get(), k.c_str(), v.c_str(), err, sizeof err);
    if (rc != 0 && why) *why = err;
    return rc;
  }
  /// The C config (NULL when memory ran out).
  uvk_config *get() const { return c_.get(); }

 private:
  struct Free {
    void operator()(uvk_config *c) const { uvk_config_free(c); }
  };
  std::unique_ptr<uvk_config, Free> c_;
};

// ---- Client ---------------------------------------------------------------------------------

/// A completion without results: the error (falsy on success).
using DoneFn = std::function<void(Error)>;
/// An instrumentation event listener.
using EventFn = std::function<void(const uvk_event &)>;

/// An owned uvk_client, with the callbacks of its pending calls and its listeners.
class Client {
 public:
  /// An empty handle; open() creates the client.
  Client() = default;
  /// Takes over @p o's client, pending callbacks and listeners.
  Client(Client &&o) noexcept
      : c_(std::exchange(o.c_, nullptr)), pending_(std::move(o.pending_)), listeners_(std::move(o.listeners_)) {}
  /// Not copyable: a handle has one owner.
  Client(const Client &) = delete;
  /// Not copyable.
  Client &operator=(const Client &) = delete;
  /// Frees the current client, then takes over @p o's.
  Client &operator=(Client &&o) noexcept {
    reset();
    c_ = std::exchange(o.c_, nullptr);
    pending_ = std::move(o.pending_);
    listeners_ = std::move(o.listeners_);
    return *this;
  }
  /// Frees the client (uvk_client_free()); pending callbacks are freed with it.
  ~Client() { reset(); }

  /// Creates the client (uvk_client_new()) on `loop` (a uv_loop_t*; NULL: the client makes
  /// its own, run it with run()).
  int open(void *loop, const Config &cfg) {
    reset();
    pending_ = detail::PendingPtr(new detail::Pending());
    return uvk_client_new(loop, cfg.get(), &c_);
  }
  /// uvk_client_connect(); @p fn runs once, later.
  int connect(DoneFn fn) { return async(std::move(fn), uvk_client_connect); }
  /// uvk_client_disconnect(); @p fn runs once, later.
  int disconnect(DoneFn fn) { return async(std::move(fn), uvk_client_disconnect); }
  /// uvk_client_run(): for a client with its own loop.
  int run() { return uvk_client_run(c_); }
  /// Instrumentation events (uvk_events.h); returns the listener id (> 0) or an error.
  int64_t on(int event_type, EventFn fn) {
    auto holder = std::make_unique<EventFn>(std::move(fn));
    int64_t id = uvk_client_on(c_, event_type, &Client::on_event, holder.get());
    if (id > 0) listeners_[id] = std::move(holder);
    return id;
  }
  /// Removes a listener added with on().
  int off(int64_t id) {
    int rc = uvk_client_off(c_, id);
    listeners_.erase(id);
    return rc;
  }
  /// The C client (NULL before open()).
  uvk_client *get() const { return c_; }
  /// True once open() created the client.
  explicit operator bool() const { return c_ != nullptr; }

 private:
  static void on_event(void *ud, const uvk_event *ev) { (*static_cast<EventFn *>(ud))(*ev); }
  template <class F>
  int async(DoneFn fn, F f) {
    if (!c_) return UVK_EINVAL;
    return detail::start_once(*pending_, std::move(fn), [&](void *ud) {
      return f(c_, [](uvk_client *, const uvk_error *e, void *u) { detail::run_once<DoneFn>(u, Error(e)); }, ud);
    });
  }
  void reset() {
    if (c_) uvk_client_free(c_);
    c_ = nullptr;
    pending_.reset();
    listeners_.clear();
  }
  uvk_client *c_ = nullptr;
  detail::PendingPtr pending_;
  std::map<int64_t, std::unique_ptr<EventFn>> listeners_;
};

// ---- Producer -------------------------------------------------------------------------------

/// A message to send. Views are copied by the library at send() (unless borrow is set in
/// the options), so temporaries are fine. A default (null data) key means no key.
struct Message {
  /// An empty message: no key, an empty value.
  Message() = default;
  /// A message with key @p k, value @p v, for partition @p p (-1: the partitioner chooses).
  Message(std::string_view k, std::string_view v, int32_t p = -1) : key(k), value(v), partition(p) {}
  std::string_view key;     ///< the key; a default (null data) view means no key
  std::string_view value;   ///< the value (ignored for a tombstone)
  int32_t partition = -1;   ///< -1: the partitioner chooses
  int64_t timestamp = -1;   ///< ms since the epoch; -1: now
  Span<uvk_header> headers; ///< the message's headers
  bool tombstone = false;  ///< a null value
  /// The C message viewing this one's data.
  uvk_message c() const {
    uvk_message m;
    m.key = key.data();
    m.key_len = key.size();
    m.value = tombstone ? nullptr : (value.data() ? value.data() : "");
    m.value_len = tombstone ? 0 : value.size();
    m.partition = partition;
    m.timestamp = timestamp;
    m.headers = headers.data;
    m.n_headers = headers.size;
    return m;
  }
};

/// A send's completion: the error (falsy on success) and one uvk_record_metadata per
/// topic-partition, borrowed for the call.
using SendFn = std::function<void(Error, Span<uvk_record_metadata>)>;

/// An owned uvk_producer, with the callbacks of its pending calls.
class Producer {
 public:
  /// An empty handle; open() creates the producer.
  Producer() = default;
  /// Takes over @p o's producer and pending callbacks.
  Producer(Producer &&o) noexcept : p_(std::exchange(o.p_, nullptr)), pending_(std::move(o.pending_)) {}
  /// Not copyable: a handle has one owner.
  Producer(const Producer &) = delete;
  /// Not copyable.
  Producer &operator=(const Producer &) = delete;
  /// Frees the current producer, then takes over @p o's.
  Producer &operator=(Producer &&o) noexcept {
    reset();
    p_ = std::exchange(o.p_, nullptr);
    pending_ = std::move(o.pending_);
    return *this;
  }
  /// Frees the producer (uvk_producer_free()); pending callbacks are freed with it.
  ~Producer() { reset(); }

  /// Creates the producer (uvk_producer_new()) over @p client; @p cfg may be NULL.
  int open(Client &client, const Config *cfg = nullptr) {
    reset();
    pending_ = detail::PendingPtr(new detail::Pending());
    return uvk_producer_new(client.get(), cfg ? cfg->get() : nullptr, &p_);
  }
  /// uvk_producer_connect(); @p fn runs once, later.
  int connect(DoneFn fn) { return async(std::move(fn), uvk_producer_connect); }
  /// uvk_producer_flush(); @p fn runs once, later.
  int flush(DoneFn fn) { return async(std::move(fn), uvk_producer_flush); }
  /// uvk_producer_disconnect(); @p fn runs once, later.
  int disconnect(DoneFn fn) { return async(std::move(fn), uvk_producer_disconnect); }

  /// uvk_producer_send() of @p messages to @p topic; @p opts NULL: the defaults.
  int send(std::string_view topic, const std::vector<Message> &messages, SendFn fn,
           const uvk_send_options *opts = nullptr) {
    std::vector<uvk_message> ms;
    ms.reserve(messages.size());
    for (const Message &m : messages) ms.push_back(m.c());
    return send_c(topic, ms.data(), ms.size(), std::move(fn), opts);
  }
  /// uvk_producer_send() of @p n C messages.
  int send_c(std::string_view topic, const uvk_message *messages, size_t n, SendFn fn,
             const uvk_send_options *opts = nullptr) {
    if (!p_) return UVK_EINVAL;
    std::string t(topic);
    return detail::start_once(*pending_, std::move(fn), [&](void *ud) {
      return uvk_producer_send(
          p_, t.c_str(), messages, n, opts,
          [](uvk_producer *, const uvk_error *e, const uvk_record_metadata *md, size_t k, void *u) {
            detail::run_once<SendFn>(u, Error(e), Span<uvk_record_metadata>{md, k});
          },
          ud);
    });
  }
  /// uvk_producer_buffered_bytes(); 0 before open().
  size_t buffered_bytes() const { return p_ ? uvk_producer_buffered_bytes(p_) : 0; }
  /// The C producer (NULL before open()).
  uvk_producer *get() const { return p_; }

 private:
  template <class F>
  int async(DoneFn fn, F f) {
    if (!p_) return UVK_EINVAL;
    return detail::start_once(*pending_, std::move(fn), [&](void *ud) {
      return f(p_, [](uvk_producer *, const uvk_error *e, void *u) { detail::run_once<DoneFn>(u, Error(e)); }, ud);
    });
  }
  void reset() {
    if (p_) uvk_producer_free(p_);
    p_ = nullptr;
    pending_.reset();
  }
  uvk_producer *p_ = nullptr;
  detail::PendingPtr pending_;
};

// ---- Consumer -------------------------------------------------------------------------------

/// A consumed message, as views valid during the handler.
struct ConsumedMessage {
  const uvk_consumer_message *m;  ///< the C message
  /// The message's offset.
  int64_t offset() const { return m->offset; }
  /// ms since the epoch.
  int64_t timestamp() const { return m->timestamp; }
  /// The key (empty for a null key).
  std::string_view key() const { return bytes(m->key, m->key_len); }
  /// The value (empty for a tombstone).
  std::string_view value() const { return bytes(m->value, m->value_len); }
  /// False for a null key.
  bool has_key() const { return m->key != nullptr; }
  /// True for a null value (a tombstone).
  bool is_tombstone() const { return m->value == nullptr; }
  /// The message's headers.
  Span<uvk_header> headers() const { return {m->headers, m->n_headers}; }
};

// Handlers return 0 when done, UVK_PENDING to finish later (Consumer::done), anything else
// to have the unresolved messages fetched again (see uvk_consumer.h).
/// The eachMessage handler: returns 0 when done, UVK_PENDING to finish later
/// (Consumer::done), anything else to have the unresolved messages fetched again.
using EachMessageFn = std::function<int(const uvk_batch &, ConsumedMessage)>;
/// The eachBatch handler; returns as EachMessageFn.
using EachBatchFn = std::function<int(const uvk_batch &)>;

/// An owned uvk_consumer, with its handler and the callbacks of its pending calls.
class Consumer {
 public:
  /// An empty handle; open() creates the consumer.
  Consumer() = default;
  /// Takes over @p o's consumer, handler and pending callbacks.
  Consumer(Consumer &&o) noexcept : c_(std::exchange(o.c_, nullptr)), state_(std::move(o.state_)) {}
  /// Not copyable: a handle has one owner.
  Consumer(const Consumer &) = delete;
  /// Not copyable.
  Consumer &operator=(const Consumer &) = delete;
  /// Frees the current consumer, then takes over @p o's.
  Consumer &operator=(Consumer &&o) noexcept {
    reset();
    c_ = std::exchange(o.c_, nullptr);
    state_ = std::move(o.state_);
    return *this;
  }
  /// Frees the consumer (uvk_consumer_free()); pending callbacks are freed with it. Not from
  /// inside its own eachMessage / eachBatch handler: the handler would be destroyed while it
  /// runs (the C API allows that free; this wrapper does not).
  ~Consumer() { reset(); }

  /// Creates the consumer (uvk_consumer_new()) over @p client; @p cfg supplies groupId.
  int open(Client &client, const Config &cfg) {
    reset();
    state_ = std::make_unique<State>();
    return uvk_consumer_new(client.get(), cfg.get(), &c_);
  }
  /// uvk_consumer_subscribe() to one topic.
  int subscribe(std::string_view topic, bool from_beginning = false) {
    std::string t(topic);
    return uvk_consumer_subscribe(c_, t.c_str(), from_beginning ? 1 : 0);
  }
  /// run() with eachMessage; `opts` (may be NULL) for the other run options.
  int run_each_message(EachMessageFn fn, const uvk_run_options *opts = nullptr) {
    if (!c_) return UVK_EINVAL;
    state_->each_message = std::move(fn);
    uvk_run_options o = base(opts);
    o.each_message = [](uvk_consumer *, const uvk_batch *b, const uvk_consumer_message *m, void *ud) {
      return static_cast<State *>(ud)->each_message(*b, ConsumedMessage{m});
    };
    return uvk_consumer_run(c_, &o);
  }
  /// run() with eachBatch; `opts` (may be NULL) for the other run options.
  int run_each_batch(EachBatchFn fn, const uvk_run_options *opts = nullptr) {
    if (!c_) return UVK_EINVAL;
    state_->each_batch = std::move(fn);
    uvk_run_options o = base(opts);
    o.each_batch = [](uvk_consumer *, const uvk_batch *b, void *ud) {
      return static_cast<State *>(ud)->each_batch(*b);
    };
    return uvk_consumer_run(c_, &o);
  }
  /// uvk_consumer_done(): ends the pending handler of topic/partition.
  int done(std::string_view topic, int32_t partition, int result) {
    std::string t(topic);
    return uvk_consumer_done(c_, t.c_str(), partition, result);
  }
  /// uvk_consumer_stop(); @p fn runs once, later.
  int stop(DoneFn fn) { return async(std::move(fn), uvk_consumer_stop); }
  /// uvk_consumer_disconnect(); @p fn runs once, later.
  int disconnect(DoneFn fn) { return async(std::move(fn), uvk_consumer_disconnect); }
  /// The C consumer (NULL before open()).
  uvk_consumer *get() const { return c_; }

 private:
  struct State {
    EachMessageFn each_message;
    EachBatchFn each_batch;
    detail::Pending pending;
  };
  uvk_run_options base(const uvk_run_options *opts) {
    uvk_run_options o;
    if (opts) o = *opts;
    else uvk_run_options_init(&o);
    o.each_message = nullptr;
    o.each_batch = nullptr;
    o.ud = state_.get();
    return o;
  }
  template <class F>
  int async(DoneFn fn, F f) {
    if (!c_) return UVK_EINVAL;
    return detail::start_once(state_->pending, std::move(fn), [&](void *ud) {
      return f(c_, [](uvk_consumer *, const uvk_error *e, void *u) { detail::run_once<DoneFn>(u, Error(e)); }, ud);
    });
  }
  void reset() {
    if (c_) uvk_consumer_free(c_);
    c_ = nullptr;
    state_.reset();
  }
  uvk_consumer *c_ = nullptr;
  std::unique_ptr<State> state_;
};

// ---- Admin ----------------------------------------------------------------------------------

/// An admin completion with one result per topic, group or resource.
using ResultsFn = std::function<void(Error, Span<uvk_admin_result>)>;
/// An admin completion with names (listTopics).
using NamesFn = std::function<void(Error, std::vector<std::string_view>)>;
/// An admin completion with partition offsets.
using OffsetsFn = std::function<void(Error, Span<uvk_admin_partition_offset>)>;

/// An owned uvk_admin, with the callbacks of its pending calls.
class Admin {
 public:
  /// An empty handle; open() creates the admin.
  Admin() = default;
  /// Takes over @p o's admin and pending callbacks.
  Admin(Admin &&o) noexcept : a_(std::exchange(o.a_, nullptr)), pending_(std::move(o.pending_)) {}
  /// Not copyable: a handle has one owner.
  Admin(const Admin &) = delete;
  /// Not copyable.
  Admin &operator=(const Admin &) = delete;
  /// Frees the current admin, then takes over @p o's.
  Admin &operator=(Admin &&o) noexcept {
    reset();
    a_ = std::exchange(o.a_, nullptr);
    pending_ = std::move(o.pending_);
    return *this;
  }
  /// Frees the admin (uvk_admin_free()); pending callbacks are freed with it.
  ~Admin() { reset(); }

  /// Creates the admin (uvk_admin_new()) on @p client; @p cfg may be NULL.
  int open(Client &client, const Config *cfg = nullptr) {
    reset();
    pending_ = detail::PendingPtr(new detail::Pending());
    return uvk_admin_new(client.get(), cfg ? cfg->get() : nullptr, &a_);
  }
  /// createTopics for one topic (partitions / replication -1: the broker's defaults).
  int create_topic(std::string_view topic, int32_t partitions, int16_t replication_factor, ResultsFn fn) {
    if (!a_) return UVK_EINVAL;
    std::string t(topic);
    uvk_admin_new_topic nt;
    uvk_admin_new_topic_init(&nt, t.c_str());
    nt.num_partitions = partitions;
    nt.replication_factor = replication_factor;
    return detail::start_once(*pending_, std::move(fn), [&](void *ud) {
      return uvk_admin_create_topics(a_, &nt, 1, nullptr, &Admin::on_results, ud);
    });
  }
  /// deleteTopics (uvk_admin_delete_topics()).
  int delete_topics(const std::vector<std::string> &topics, ResultsFn fn) {
    if (!a_) return UVK_EINVAL;
    std::vector<const char *> names;
    for (const std::string &t : topics) names.push_back(t.c_str());
    return detail::start_once(*pending_, std::move(fn), [&](void *ud) {
      return uvk_admin_delete_topics(a_, names.data(), names.size(), nullptr, &Admin::on_results, ud);
    });
  }
  /// listTopics (uvk_admin_list_topics()).
  int list_topics(NamesFn fn) {
    if (!a_) return UVK_EINVAL;
    return detail::start_once(*pending_, std::move(fn), [&](void *ud) {
      return uvk_admin_list_topics(
          a_,
          [](uvk_admin *, const uvk_error *e, const char *const *names, size_t n, void *u) {
            std::vector<std::string_view> v(names, names + n);
            detail::run_once<NamesFn>(u, Error(e), std::move(v));
          },
          ud);
    });
  }
  /// fetchTopicOffsets (uvk_admin_fetch_topic_offsets()).
  int fetch_topic_offsets(std::string_view topic, OffsetsFn fn) {
    if (!a_) return UVK_EINVAL;
    std::string t(topic);
    return detail::start_once(*pending_, std::move(fn), [&](void *ud) {
      return uvk_admin_fetch_topic_offsets(
          a_, t.c_str(),
          [](uvk_admin *, const uvk_error *e, const uvk_admin_partition_offset *o, size_t n, void *u) {
            detail::run_once<OffsetsFn>(u, Error(e), Span<uvk_admin_partition_offset>{o, n});
          },
          ud);
    });
  }
  /// The C admin (NULL before open()).
  uvk_admin *get() const { return a_; }

 private:
  static void on_results(uvk_admin *, const uvk_error *e, const uvk_admin_result *r, size_t n, void *u) {
    detail::run_once<ResultsFn>(u, Error(e), Span<uvk_admin_result>{r, n});
  }
  void reset() {
    if (a_) uvk_admin_free(a_);  // pending callbacks run (UVK_ECLOSED), now or when a callback returns
    a_ = nullptr;
    pending_.reset();
  }
  uvk_admin *a_ = nullptr;
  detail::PendingPtr pending_;
};

}  // namespace uvkafka

#endif  // UVKAFKA_HPP
