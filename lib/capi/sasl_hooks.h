// Custom SASL mechanisms and OAUTHBEARER's token provider at the C ABI: the client's
// SaslExternal hook turns connection steps into uvk_sasl_step calls and back.
#pragma once
#include "sasl/sasl.h"
#include "uvkafka/uvkafka.h"

namespace uvk {

struct SaslHooks {
  SaslExternal ext;
  uvk_client *client = nullptr;
  bool oauthbearer = false;
  uvk_sasl_step_fn custom_fn = nullptr;
  void *custom_ud = nullptr;
  uvk_oauthbearer_fn oauth_fn = nullptr;
  void *oauth_ud = nullptr;
};

// Reads the config's custom mechanism or OAUTHBEARER provider into h and points sasl at
// it. 0 when neither is configured or both are fine; UVK_EINVAL for "oauthbearer" without a
// provider.
int sasl_hooks_init(SaslHooks *h, uvk_client *c, const uvk_config *cfg, SaslConfig *sasl);

}  // namespace uvk
