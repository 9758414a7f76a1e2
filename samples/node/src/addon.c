/* Module entry: per-environment state, the exported functions, teardown. */
#include <stdlib.h>

#include "addon.h"

static void env_cleanup(void *arg) {
  nk_client_teardown(arg);
  nk_codec_teardown();
  nk_batch_pool_close();
}

static void env_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static napi_value version(napi_env env, napi_callback_info info) {
  (void)info;
  return nk_str(env, uvk_version());
}

static napi_value codec_available(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t id = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (nk_get_int32(env, argv[0], "codec", &id) != 0) return NULL;
  return nk_bool(env, uvk_codec_available(id));
}

static napi_value err_name(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t code = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (nk_get_int32(env, argv[0], "code", &code) != 0) return NULL;
  napi_value o;
  napi_create_object(env, &o);
  nk_set(env, o, "name", nk_str(env, uvk_err_name(code)));
  nk_set(env, o, "message", nk_str(env, uvk_strerror(code)));
  nk_set(env, o, "retriable", nk_bool(env, uvk_err_is_retriable(code)));
  return o;
}

NAPI_MODULE_INIT() {
  nk_env *ne = calloc(1, sizeof *ne);
  if (!ne) return NULL;
  if (napi_get_uv_event_loop(env, (struct uv_loop_s **)&ne->loop) != napi_ok ||
      napi_set_instance_data(env, ne, env_free, NULL) != napi_ok) {
    free(ne);
    return NULL;
  }
  napi_add_env_cleanup_hook(env, env_cleanup, ne);
  nk_batch_pool_open();
  nk_export(env, exports, "version", version);
  nk_export(env, exports, "codecAvailable", codec_available);
  nk_export(env, exports, "errorInfo", err_name);
  nk_client_init(env, exports);
  nk_producer_init(env, exports);
  nk_consumer_init(env, exports);
  nk_share_init(env, exports);
  nk_codec_init(env, exports);
#ifdef NK_HAVE_ADMIN
  nk_admin_init(env, exports);
  nk_admin_results_init(env, exports);
#endif
  return exports;
}
