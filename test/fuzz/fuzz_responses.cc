// libFuzzer target: any bytes through the generated decoders (and back through the
// encoders). Input: [message index][version hi][version lo][body...]; the index picks from
// proto_messages(), so every response and request decoder is reachable.
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "proto/gen/dispatch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  size_t n = 0;
  const uvk::proto::MessageInfo *msgs = uvk::proto::proto_messages(&n);
  const uvk::proto::MessageInfo &m = msgs[data[0] % n];
  int16_t version = int16_t(data[1] << 8 | data[2]);
  uvk::Buf out;
  uvk::proto::proto_roundtrip(m.name, version, data + 3, size - 3, &out);
  uvk::buf_free(&out);
  return 0;
}
