// CRC-32C (Castagnoli), the checksum of Kafka record batches (magic 2). Uses the SSE4.2
// crc32 instruction when the CPU has it (three streams joined by a carry-less multiply when
// it has PCLMULQDQ too), a slicing-by-8 table otherwise.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace uvk {

// Continues `crc` (0 to start) over data; returns the finished value.
uint32_t crc32c(uint32_t crc, const void *data, size_t len);
// The two implementations, for tests and benchmarks; crc32c() picks one at startup.
uint32_t crc32c_portable(uint32_t crc, const void *data, size_t len);
uint32_t crc32c_hw(uint32_t crc, const void *data, size_t len);  // portable when no SSE4.2
uint32_t crc32c_hw_serial(uint32_t crc, const void *data, size_t len);  // one stream, for comparison
bool crc32c_hw_available();

}  // namespace uvk
