// randomBits: counter-based random bits (native.ts: NativeCore.randomBits).
// Threefry-2x32 with 20 rounds (Salmon et al. 2011, the generator of JAX and MLX).
// Element i hashes the 64-bit counter i, split into the block (hi 32 bits, lo 32
// bits), under the key (k0, k1), and keeps the xor of the two output words:
//   dst[i] = x0 ^ x1 where (x0, x1) = threefry2x32((k0, k1), (i >> 32, i & 0xffffffff))
// This is JAX's partitionable scheme (jax_threefry_partitionable) for 32-bit
// random_bits: every element depends only on the key and its own index, so any
// prefix of the stream is the same whatever `count` is, and chunks run in parallel.
#include <cstdint>

#include "tiny-llm/napi_args.h"
#include "ops.h"
#include "tiny-llm/strided.h"

namespace tl {
namespace {

inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

// Plain uint32 arithmetic with constant rotations: the loop over elements vectorises.
inline void threefry2x32(uint32_t k0, uint32_t k1, uint32_t &x0, uint32_t &x1) {
  const uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ 0x1BD11BDAu};
  constexpr int rot[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  x0 += ks[0];
  x1 += ks[1];
  for (int i = 0; i < 5; ++i) {  // 5 x 4 = 20 rounds, a key injection after every 4
    for (int j = 0; j < 4; ++j) {
      x0 += x1;
      x1 = rotl(x1, rot[i & 1][j]);
      x1 ^= x0;
    }
    x0 += ks[(i + 1) % 3];
    x1 += ks[(i + 2) % 3] + uint32_t(i + 1);
  }
}

}  // namespace

Napi::Value RandomBits(const Napi::CallbackInfo &info) {
  const uint32_t k0 = uint32_t(int_arg(info[0])), k1 = uint32_t(int_arg(info[1]));
  const int64_t count = int_arg(info[2]);
  uint32_t *dst = reinterpret_cast<uint32_t *>(buffer_data(info[3]));
  parallel_for(count, kGrain / 4, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      uint32_t x0 = uint32_t(uint64_t(i) >> 32), x1 = uint32_t(uint64_t(i));
      threefry2x32(k0, k1, x0, x1);
      dst[i] = x0 ^ x1;
    }
  });
  return info.Env().Undefined();
}

}  // namespace tl
