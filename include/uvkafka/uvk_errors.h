/** @file uvk_errors.h
 * @brief uvkafka error codes: 0 is success, failures are negative.
 *
 * New codes are only ever appended; a number never changes meaning. Include
 * uvkafka/uvkafka.h rather than this file. */
#ifndef UVK_ERRORS_H
#define UVK_ERRORS_H

/** The uvkafka error table, one X(name, value, retriable, message) per code: the enum value
 * is UVK_<name>; `retriable` is 1 when a later attempt may succeed; `message` is what
 * uvk_strerror() returns. */
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

/** The uvkafka error codes: UVK_OK and one UVK_<name> per entry of UVK_ERRNO_MAP. */
typedef enum uvk_errno {
  UVK_OK = 0, /**< success */
#define UVK_ERRNO_ENUM_(name, value, retriable, message) UVK_##name = (value),
  UVK_ERRNO_MAP(UVK_ERRNO_ENUM_)
#undef UVK_ERRNO_ENUM_
  UVK_ERRNO_LAST_ = -19 /**< not a code: one below the lowest code defined */
} uvk_errno;

#endif /* UVK_ERRORS_H */
