// What other C ABI files need from a uvk_consumer.
#pragma once

#include "client/consumer.h"

struct uvk_consumer;

namespace uvk {

Consumer *consumer_of(uvk_consumer *c);

}  // namespace uvk
