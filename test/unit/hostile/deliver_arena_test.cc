// The consumer's delivery decodes each answer's messages into memory kept from the answer
// before (Consumer::deliver_arena): a fresh chunk per answer cost a page fault per 4 KB.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <string>
#include <vector>

#include "consumer_rig.h"

using namespace uvk_test;

namespace {

constexpr size_t kBig = 64 * 1024;

struct Counting {
  size_t big = 0;  // allocations of kBig bytes or more, so far
};

void *count_malloc(void *ud, size_t n) {
  if (n >= kBig) static_cast<Counting *>(ud)->big++;
  return malloc(n);
}
void *count_realloc(void *ud, void *p, size_t n) {
  if (n >= kBig) static_cast<Counting *>(ud)->big++;
  return realloc(p, n);
}
void count_free(void *, void *p) { free(p); }

}  // namespace

TEST_CASE("delivery: answers of one size decode into the memory the answer before used", "[deliver_arena]") {
  Counting count;
  ConsumerRig r;
  r.configure = [&](uvk_config *cfg) {
    REQUIRE(uvk_config_set_allocator(cfg, count_malloc, count_realloc, count_free, &count) == 0);
  };
  const int kPer = 1000;  // messages an answer: a decoded array of 1000 x 72 B, over kBig
  r.b1.log[0] = values("a", kPer);
  std::vector<size_t> big_at;  // count.big when each eachBatch call of partition 0 began
  r.on_batch = [&](ConsumerRig *rig, const uvk_batch *b) {
    big_at.push_back(count.big);
    CHECK(b->n_messages == size_t(kPer));
    // The Fetch asked ahead reaches the fake broker after this call: it finds as many again.
    for (int i = 0; i < kPer; i++) rig->b1.log[0].push_back("b" + std::to_string(i));
    return 0;
  };
  r.start();
  REQUIRE(r.run_until([&] { return big_at.size() >= 6; }));
  // The first answers grow the connection's buffer and the kept chunk; later ones of the
  // same size allocate nothing that big (a chunk of their own each before).
  CHECK(big_at[5] == big_at[2]);
}
