// Microbenchmark (not a test): RecordBatch encode/decode of 100-byte values with 16-byte
// keys, 1000 records per batch, with each available codec; CRC32C throughput.
// Prints the median of 5 runs. Run a release build:
//   meson setup build-rel -Dbuildtype=release && ninja -C build-rel && build-rel/test/bench/records_bench
// `records_bench CODEC BATCHES` runs that codec alone (none, gzip, ...) for BATCHES batches and
// skips the CRC runs: what instruction counts under callgrind compare with (docs/performance.md).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <algorithm>
#include <vector>

#include "codec/codec.h"
#include "proto/crc32c.h"
#include "proto/records.h"

using namespace uvk;

static double now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int main(int argc, char **argv) {
  const int kBatch = 1000;
  const char *only = argc > 1 ? argv[1] : nullptr;
  const int kBatches = argc > 2 ? atoi(argv[2]) : 2000;
  uint8_t key[16], value[100];
  for (int i = 0; i < 16; i++) key[i] = uint8_t('k' + i % 3);
  for (int i = 0; i < 100; i++) value[i] = uint8_t(i % 9 == 0 ? i * 7 : 'a' + i % 13);
  printf("%-8s %14s %14s %12s\n", "codec", "encode msg/s", "decode msg/s", "batch bytes");
  for (int codec = 0; codec <= 4; codec++) {
    if (!codec_available(codec) || (only && strcmp(only, codec_name(codec)) != 0)) continue;
    int batches = codec == 0 || only ? kBatches : kBatches / 10;
    std::vector<double> enc, dec;
    size_t batch_bytes = 0;
    for (int run = 0; run < 5; run++) {
      Buf out, scratch;
      BatchParams p;
      p.codec = codec;
      double t0 = now_s();
      for (int b = 0; b < batches; b++) {
        buf_clear(&out);
        BatchWriter w;
        batch_begin(&w, &out, p);
        for (int i = 0; i < kBatch; i++) {
          key[0] = uint8_t(i);
          batch_append(&w, 1700000000000 + i, key, 16, value, 100, nullptr, 0);
        }
        if (batch_finish(&w, &scratch) != 0) return 1;
      }
      double t1 = now_s();
      enc.push_back(double(batches) * kBatch / (t1 - t0));
      batch_bytes = out.len;
      int64_t sum = 0;
      BatchReader r;
      t0 = now_s();
      for (int b = 0; b < batches; b++) {
        batch_reader_init(&r, out.data, out.len);
        BatchView bv;
        while (batch_next(&r, &bv) == 1) {
          RecordIter it;
          record_iter_init(&it, &bv);
          RecordView rec;
          while (record_next(&it, &rec) == 1) sum += rec.value_len + rec.offset;
        }
      }
      t1 = now_s();
      if (sum == 0) return 1;
      dec.push_back(double(batches) * kBatch / (t1 - t0));
      batch_reader_free(&r);
      buf_free(&out);
      buf_free(&scratch);
    }
    printf("%-8s %14.0f %14.0f %12zu\n", codec_name(codec), median(enc), median(dec), batch_bytes);
  }
  if (only) return 0;
  std::vector<uint8_t> data(1 << 20);
  for (size_t i = 0; i < data.size(); i++) data[i] = uint8_t(i * 31);
  struct Impl {
    const char *name;
    uint32_t (*fn)(uint32_t, const void *, size_t);
    bool hw;
  };
  const Impl impls[] = {{"hw", crc32c_hw, true}, {"sse4.2-1", crc32c_hw_serial, true},
                        {"portable", crc32c_portable, false}};
  // 1 MB, and a 16 KB batch's worth (what one record batch usually is).
  for (size_t size : {data.size(), size_t(16u << 10)}) {
    for (const Impl &im : impls) {
      if (im.hw && !crc32c_hw_available()) continue;
      std::vector<double> gbs;
      uint32_t c = 0;
      int reps = int((500u << 20) / size / 2);
      for (int run = 0; run < 5; run++) {
        double t0 = now_s();
        for (int i = 0; i < reps; i++) c += im.fn(c, data.data(), size);
        gbs.push_back(double(reps) * double(size) / (now_s() - t0) / 1e9);
      }
      printf("crc32c %-8s %7zu B %6.2f GB/s (%08x)\n", im.name, size, median(gbs), c);
    }
  }
  return 0;
}
