// Where a response carries throttle_time_ms (KIP-219: a broker over a quota answers at once
// and expects nothing more on that connection until the time has passed).
#pragma once
#include <stdint.h>

namespace uvk {

// The byte offset of throttle_time_ms (an int32) in the body of an api_key response at
// `version`, counted after the response header (and its tagged fields). -1 when that version
// has no such field, or when it does not sit at a fixed offset: Produce (after the responses
// array; lib/client/producer reports it with request_report_throttle), ApiVersions (the conn
// reads it from its own decode), CreateDelegationToken and DescribeDelegationToken (not sent
// by this client).
int32_t throttle_field_offset(int16_t api_key, int16_t version);

}  // namespace uvk
