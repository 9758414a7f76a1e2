// Instrumentation event registry (KafkaJS's instrumentation emitter), one per handle.
//
// Listeners are called in the order they were added. A listener may add or remove
// listeners (itself included) and emit other events while it runs: listeners added during
// a dispatch are not called for that event, listeners removed during a dispatch are not
// called afterwards. Listener ids are never reused, so removing twice is harmless.
// The emitter must not be freed from inside a listener.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

struct EventListener {
  uint64_t id;
  int type;
  uvk_event_fn fn;  // null once removed during a dispatch
  void *ud;
};

struct EventEmitter {
  EventListener *items = nullptr;
  size_t len = 0;
  size_t cap = 0;
  const Allocator *alloc = nullptr;
  uint64_t next_listener_id = 1;
  uint64_t next_event_id = 0;
  int depth = 0;          // nested dispatches in progress
  bool dirty = false;     // removed entries wait for compaction
};

// Adds a listener for `type` (> 0); *id receives its id (never 0).
// UVK_EINVAL for a bad type or null fn, UVK_ENOMEM.
int events_on(EventEmitter *em, int type, uvk_event_fn fn, void *ud, uint64_t *id);
// UVK_ENOTFOUND when no listener has that id (any more).
int events_off(EventEmitter *em, uint64_t id);
// Calls every listener of `type` with the envelope {id, type, name, timestamp, payload}.
// Returns the number of listeners called.
size_t events_emit(EventEmitter *em, int type, int64_t timestamp, const void *payload);
size_t events_listener_count(const EventEmitter *em, int type);
void events_free(EventEmitter *em);

}  // namespace uvk
