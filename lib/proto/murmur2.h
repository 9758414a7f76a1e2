// murmur2 as the Java client computes it (Utils.murmur2): the hash behind Kafka's default
// partitioner, so a keyed message lands on the same partition whichever client sent it.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace uvk {

// Java's Utils.murmur2(byte[]) (seed 0x9747b28c), as a signed 32-bit value.
int32_t murmur2(const void *data, size_t len);

}  // namespace uvk
