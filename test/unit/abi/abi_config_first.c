/* Including a sibling header first still gives the whole API (compile-only check). */
#include "uvkafka/uvk_events.h"

int uvk_abi_events_first(void);
int uvk_abi_events_first(void) { return uvk_event_type_from_name("disconnect") == UVK_EVENT_DISCONNECT ? 0 : 1; }
