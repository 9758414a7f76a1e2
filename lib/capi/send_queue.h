// The producer's side of its send queue (send_queue.cc): the hooks producer.cc calls on the
// loop thread, and what the queue asks of the producer.
#pragma once
#include "common/alloc.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

// Called by producer.cc.
void send_queue_on_drain(uvk_send_queue *q);       // bufferMemory has room again
void send_queue_on_disconnect(uvk_send_queue *q);  // before the producer's final flush
void send_queue_detach(uvk_send_queue *q);         // the producer goes: fail what is left
void send_queue_unref(uvk_send_queue *q);          // after the producer's own sends ended

// Implemented by producer.cc.
uvk_client *producer_client_of(uvk_producer *pr);
// UVK_ESTATE when the producer has a queue already, UVK_ECLOSED when it is closing.
int producer_attach_queue(uvk_producer *pr, uvk_send_queue *q);

}  // namespace uvk
