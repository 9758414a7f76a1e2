/* Python values to the C ABI's borrowed views (valid while the Python objects live and the
 * call has not returned: the library copies what it keeps). Errors name the argument. */
#ifndef UVKPY_CONVERT_H
#define UVKPY_CONVERT_H

#include "native.h"

/* A key or value: None (NULL), bytes, str (UTF-8), or any buffer (bytearray, memoryview). */
typedef struct {
  const void *ptr;
  size_t len;
  Py_buffer view;
  int has_view;
} Bytes;
int uvkpy_bytes(PyObject *o, Bytes *out, const char *what);
void uvkpy_bytes_release(Bytes *b);

/* Headers: None, a dict {str: value} or a sequence of (str, value) pairs. */
typedef struct {
  uvk_header *items;
  size_t n;
  Bytes *values;
  uvk_header small[8];
  Bytes small_values[8];
} Headers;
int uvkpy_headers(PyObject *o, Headers *out, const char *what);
void uvkpy_headers_release(Headers *h);

/* A str argument as UTF-8 without NUL; NULL with TypeError / ValueError naming it. */
const char *uvkpy_str(PyObject *o, const char *what);
/* An int in [lo, hi]; -1 with TypeError / ValueError naming it. */
int uvkpy_int64(PyObject *o, const char *what, long long lo, long long hi, long long *out);

/* produce.c's argument helpers, shared with send_soon.c: a key / value as a reference the
 * library may borrow (bytes and str kept, other buffers copied to bytes, NULL for None);
 * headers as a tuple of checked (name, value) pairs (NULL for none); the bytes of a kept
 * payload; an optional int (None: dflt); whether a keyword is `s`. */
int uvkpy_payload(PyObject *o, const char *what, PyObject **out);
int uvkpy_pinned_headers(PyObject *o, PyObject **out);
void uvkpy_view(PyObject *o, const void **ptr, size_t *len);
int uvkpy_opt_int(PyObject *o, const char *what, long long lo, long long hi, long long dflt, long long *out);
int uvkpy_kw_is(PyObject *name, const char *s);

#endif
