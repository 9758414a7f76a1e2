// KIP-951: Produce and Fetch answers (v10+ / v16+) name the brokers of new partition leaders
// the client may not know yet; they join the engine's broker table here.
#pragma once
#include <stdint.h>

#include "engine/engine.h"
#include "proto/types.h"

namespace uvk {

// Takes one named endpoint into the broker table; a hostile or empty one (negative id, a port
// out of range, an over-long host or one with a NUL) is skipped: the next Metadata answer
// tells. Returns whether it was taken.
bool engine_take_node_endpoint(Engine *e, int32_t node_id, const proto::Str &host, int32_t port);

}  // namespace uvk
