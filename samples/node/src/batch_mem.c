/* Memory for consumed batches: a batch's keys, values and headers go to JavaScript in an
 * external Buffer whose memory comes back here when V8 collects it, and is handed out again.
 * Fresh memory for every batch (about 1 MB per fetched partition) cost a page fault per 4 KB:
 * eachBatch spent about a tenth less CPU per message with the pool; its offset arrays stay
 * V8's own. eachMessage's batch (bytes and arrays) stays here, outside V8, held by its slot
 * until the batch is done (nk_block_*), and goes to JavaScript in small parts: a Buffer
 * held for a whole batch reaches V8's old generation and comes back only after a full
 * collection. The pool is per thread (each Node thread has its own environment and runs its
 * finalizers itself) and small. */
#include <stdlib.h>

#include "addon.h"

enum { kPoolMax = 8 };
static const size_t kPoolBytesMax = (size_t)32 << 20;
static const size_t kChunkStep = (size_t)64 << 10;

typedef struct nk_chunk {
  size_t cap;  /* usable bytes after the header */
  size_t refs; /* holders: an eachBatch Buffer alive in V8, or an eachMessage batch's slot */
  struct nk_chunk *next;
} nk_chunk;

typedef struct nk_pool {
  nk_chunk *free;
  int n;
  size_t bytes;
  int closed; /* the environment is gone: chunks coming back are freed */
} nk_pool;

static __thread nk_pool pool;

/* Header size rounded so the data after it is aligned for doubles. */
#define NK_CHUNK_HDR ((sizeof(nk_chunk) + 15) & ~(size_t)15)

static void chunk_put(nk_chunk *c) {
  if (pool.closed || pool.n >= kPoolMax || pool.bytes + c->cap > kPoolBytesMax) {
    free(c);
    return;
  }
  c->next = pool.free;
  pool.free = c;
  pool.n++;
  pool.bytes += c->cap;
}

static void chunk_release(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  nk_block_release(hint);
}

/* The smallest pooled chunk of at least `need` bytes, unless it is more than twice as big
 * (a small batch would then hold a big chunk until it is collected). */
static nk_chunk *chunk_take(size_t need) {
  nk_chunk **best = NULL;
  for (nk_chunk **p = &pool.free; *p; p = &(*p)->next)
    if ((*p)->cap >= need && (*p)->cap <= 2 * need + kChunkStep && (!best || (*p)->cap < (*best)->cap)) best = p;
  if (best) {
    nk_chunk *c = *best;
    *best = c->next;
    pool.n--;
    pool.bytes -= c->cap;
    return c;
  }
  size_t cap = (need + kChunkStep - 1) / kChunkStep * kChunkStep;
  if (cap < need || cap > SIZE_MAX - NK_CHUNK_HDR) return NULL;
  nk_chunk *c = malloc(NK_CHUNK_HDR + cap);
  if (c) c->cap = cap;
  return c;
}

void nk_block_release(nk_block *c) {
  if (--c->refs == 0) chunk_put(c);
}

nk_block *nk_block_new(size_t len, void **data) {
  nk_chunk *c = chunk_take(len ? len : 1);
  if (!c) return NULL;
  c->refs = 1;
  *data = (char *)c + NK_CHUNK_HDR;
  return c;
}

napi_value nk_batch_buffer(napi_env env, size_t len, void **data) {
  napi_value buf;
  nk_chunk *c = nk_block_new(len, data);
  if (c) {
    if (napi_create_external_buffer(env, len, *data, chunk_release, c, &buf) == napi_ok) return buf;
    free(c);
    /* Runtimes whose V8 sandbox forbids external buffers (napi_no_external_buffers_allowed)
     * get V8's own memory, as before the pool. */
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) return NULL;
  }
  if (napi_create_buffer(env, len, data, &buf) != napi_ok) return NULL;
  return buf;
}

void nk_batch_pool_open(void) { pool.closed = 0; }

void nk_batch_pool_close(void) {
  pool.closed = 1;
  while (pool.free) {
    nk_chunk *c = pool.free;
    pool.free = c->next;
    free(c);
  }
  pool.n = 0;
  pool.bytes = 0;
}
