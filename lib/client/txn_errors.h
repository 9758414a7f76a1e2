// KIP-1050's classes of a transactional failure (uvk_txn_error_class): what the producer
// does with it inside, and what the application is told to do next.
#pragma once
#include "uvkafka/uvkafka.h"

namespace uvk {

// The class of `err` (0, a UVK_E* code or UVK_ERR_KAFKA(n)) for a transactional call.
uvk_txn_error_class txn_error_class(int err);

}  // namespace uvk
