// What other C ABI objects (producer, later consumer and admin) need from a uvk_client.
#pragma once
#include <stdint.h>

#include "common/alloc.h"
#include "engine/engine.h"

struct uvk_client;

namespace uvk {

Engine *client_engine(uvk_client *c);
// The loop's clock (what the engine runs on).
uint64_t client_now(uvk_client *c);
const Allocator *client_alloc(uvk_client *c);
bool client_closing(uvk_client *c);

}  // namespace uvk
