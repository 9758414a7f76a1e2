/* KafkaJS's CompressionCodecs: a codec written in JavaScript, registered in uvkafka's
 * process-wide codec registry. uvkafka calls codecs synchronously, so a JavaScript codec must
 * settle its result within the microtasks that run when the call returns (a synchronous
 * function, or an async one that awaits nothing slower); otherwise the batch fails with
 * UVK_ECOMPRESSION. */
#include <stdlib.h>

#include "addon.h"

typedef struct nk_codec {
  napi_env env;
  nk_env *ne;
  napi_async_context actx;
  napi_ref resource;
  napi_ref fn;  /* (compress: boolean, data: Buffer) => {r: Buffer} */
} nk_codec;

static nk_codec *codecs[5];

static void codec_drop(int id) {
  nk_codec *c = codecs[id];
  if (!c) return;
  codecs[id] = NULL;
  uvk_codec_unregister(id);
  if (!c->ne->exiting) {
    napi_async_destroy(c->env, c->actx);
    napi_delete_reference(c->env, c->resource);
    napi_delete_reference(c->env, c->fn);
  }
  free(c);
}

static int run_codec(nk_codec *c, int compress, const uint8_t *src, size_t len, uvk_codec_out *out) {
  if (c->ne->exiting) return UVK_ECLOSED;
  napi_env env = c->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return UVK_ECOMPRESSION;
  napi_value input, box, result = NULL;
  int rc = UVK_ECOMPRESSION;
  if (napi_create_buffer_copy(env, len, len ? (const void *)src : "", NULL, &input) == napi_ok) {
    napi_value argv[2] = {nk_bool(env, compress), input};
    box = nk_make_call(env, c->ne, c->actx, c->resource, c->fn, 2, argv);
    bool is_buf = false;
    if (box && napi_get_named_property(env, box, "r", &result) == napi_ok &&
        napi_is_buffer(env, result, &is_buf) == napi_ok && is_buf) {
      void *p = NULL;
      size_t n = 0;
      napi_get_buffer_info(env, result, &p, &n);
      rc = uvk_codec_out_write(out, n ? p : "", n);
    }
  }
  napi_close_handle_scope(env, scope);
  return rc;
}

static int on_compress(void *ud, const uint8_t *src, size_t len, uvk_codec_out *out) {
  return run_codec(ud, 1, src, len, out);
}
static int on_decompress(void *ud, const uint8_t *src, size_t len, uvk_codec_out *out) {
  return run_codec(ud, 0, src, len, out);
}

/* codecRegister(type, fn | null): fn null puts the built-in codec back. */
static napi_value codec_register(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t id = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (nk_get_int32(env, argv[0], "compression type", &id) != 0) return NULL;
  if (id < 1 || id > 4) return nk_throw(env, UVK_EINVAL, "compression type must be GZIP, Snappy, LZ4 or ZSTD (1..4)");
  codec_drop(id);
  if (nk_is_nullish(env, argv[1])) return nk_undefined(env);
  napi_valuetype t;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) return nk_throw(env, UVK_EINVAL, "codec must be a function");
  nk_codec *c = calloc(1, sizeof *c);
  if (!c) return nk_throw(env, UVK_ENOMEM, NULL);
  c->env = env;
  napi_get_instance_data(env, (void **)&c->ne);
  napi_value resource, name;
  napi_create_object(env, &resource);
  napi_create_reference(env, resource, 1, &c->resource);
  napi_create_string_utf8(env, "uvkafka.codec", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &c->actx);
  napi_create_reference(env, argv[1], 1, &c->fn);
  codecs[id] = c;
  int rc = uvk_codec_register(id, on_compress, on_decompress, c);
  if (rc != 0) {
    codec_drop(id);
    return nk_throw(env, rc, NULL);
  }
  return nk_undefined(env);
}

void nk_codec_teardown(void) {
  for (int i = 1; i <= 4; i++) codec_drop(i);
}

void nk_codec_init(napi_env env, napi_value exports) { nk_export(env, exports, "codecRegister", codec_register); }
