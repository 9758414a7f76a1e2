// uvk_version(): the version string baked in at configure time.
#include "uvkafka/uvkafka.h"
#include "uvk_build_config.h"

static_assert(UVK_VERSION_MAJOR == UVK_VERSION_MAJOR_NUM, "header and meson version differ");
static_assert(UVK_VERSION_MINOR == UVK_VERSION_MINOR_NUM, "header and meson version differ");
static_assert(UVK_VERSION_PATCH == UVK_VERSION_PATCH_NUM, "header and meson version differ");

const char *uvk_version(void) { return UVK_VERSION_STRING; }
