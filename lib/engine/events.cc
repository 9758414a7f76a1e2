// Instrumentation event registry; see events.h.
#include "engine/events.h"

#include <string.h>

namespace uvk {

static void compact(EventEmitter *em) {
  size_t w = 0;
  for (size_t r = 0; r < em->len; r++)
    if (em->items[r].fn) em->items[w++] = em->items[r];
  em->len = w;
  em->dirty = false;
}

int events_on(EventEmitter *em, int type, uvk_event_fn fn, void *ud, uint64_t *id) {
  if (!em || type <= 0 || !fn) return UVK_EINVAL;
  if (em->len == em->cap) {
    size_t ncap = em->cap ? em->cap * 2 : 4;
    void *p = mem_realloc(em->alloc, em->items, ncap * sizeof(EventListener));
    if (!p) return UVK_ENOMEM;
    em->items = static_cast<EventListener *>(p);
    em->cap = ncap;
  }
  EventListener &l = em->items[em->len++];
  l.id = em->next_listener_id++;
  l.type = type;
  l.fn = fn;
  l.ud = ud;
  if (id) *id = l.id;
  return UVK_OK;
}

int events_off(EventEmitter *em, uint64_t id) {
  if (!em || id == 0) return UVK_ENOTFOUND;
  for (size_t i = 0; i < em->len; i++) {
    if (em->items[i].id != id || !em->items[i].fn) continue;
    if (em->depth > 0) {
      em->items[i].fn = nullptr;  // a dispatch may be iterating: compact afterwards
      em->dirty = true;
    } else {
      memmove(&em->items[i], &em->items[i + 1], (em->len - i - 1) * sizeof(EventListener));
      em->len--;
    }
    return UVK_OK;
  }
  return UVK_ENOTFOUND;
}

size_t events_emit(EventEmitter *em, int type, int64_t timestamp, const void *payload) {
  uvk_event ev;
  ev.id = em->next_event_id++;
  ev.type = type;
  ev.name = uvk_event_name(type);
  ev.timestamp = timestamp;
  ev.payload = payload;
  // Only the listeners present now; `items` may move if a listener adds one, so index it
  // afresh every time.
  size_t n = em->len, called = 0;
  em->depth++;
  for (size_t i = 0; i < n; i++) {
    EventListener l = em->items[i];
    if (l.type != type || !l.fn) continue;
    l.fn(l.ud, &ev);
    called++;
  }
  if (--em->depth == 0 && em->dirty) compact(em);
  return called;
}

size_t events_listener_count(const EventEmitter *em, int type) {
  size_t n = 0;
  for (size_t i = 0; i < em->len; i++)
    if (em->items[i].type == type && em->items[i].fn) n++;
  return n;
}

void events_free(EventEmitter *em) {
  mem_free(em->alloc, em->items);
  em->items = nullptr;
  em->len = em->cap = 0;
}

}  // namespace uvk
