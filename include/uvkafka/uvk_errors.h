/* uvkafka error codes: 0 is success, failures are negative.
 * New codes are only ever appended; a number never changes meaning. */
#ifndef UVK_ERRORS_H
#define UVK_ERRORS_H

/* X(name, value, retriable, message) */
#define UVK_ERRNO_MAP(X)                                                        \
  X(EINVAL, -1, 0, "invalid argument")                                          \
  X(ENOMEM, -2, 1, "out of memory")                                             \
  X(EPROTO, -3, 0, "malformed data from the peer")                              \
  X(ETOOLARGE, -4, 0, "size over the configured limit")                         \
  X(EUNSUPPORTED, -5, 0, "unsupported version, feature or codec")               \
  X(ECRC, -6, 0, "checksum mismatch")                                           \
  X(ETIMEDOUT, -7, 1, "timed out")                                              \
  X(ECLOSED, -8, 1, "connection closed")                                        \
  X(ECANCELED, -9, 0, "operation canceled")                                     \
  X(ESTATE, -10, 0, "call not allowed in the current state")                    \
  X(ENOTFOUND, -11, 0, "not found")                                             \
  X(EQUEUEFULL, -12, 1, "queue full")                                           \
  X(EKAFKA, -13, 0, "the broker returned an error")                             \
  X(ERETRIES, -14, 0, "number of retries exceeded")                             \
  X(ECONNECT, -15, 1, "connection failed")                                      \
  X(ETLS, -16, 0, "TLS failure")                                                \
  X(EAUTH, -17, 0, "authentication failed")                                     \
  X(ECOMPRESSION, -18, 0, "compression or decompression failed")

typedef enum uvk_errno {
  UVK_OK = 0,
#define UVK_ERRNO_ENUM_(name, value, retriable, message) UVK_##name = (value),
  UVK_ERRNO_MAP(UVK_ERRNO_ENUM_)
#undef UVK_ERRNO_ENUM_
  UVK_ERRNO_LAST_ = -19
} uvk_errno;

#endif /* UVK_ERRORS_H */
