// What a decode step reads next, pulled into the caches by the pool's idle workers
// (tiny-llm/next_weights.h, prefetch_while_idle in tiny-llm/thread_pool.h): after products
// on A, B, A, B ... the weights that follow each product are learned, and the workers
// prefetch them while the calling thread runs JavaScript between two calls. Checked
// through the one count it leaves, mx.idlePrefetchedBytes(): it grows with two threads or
// more, and stays where it was with one (no workers to prefetch). The array core's GEMV
// reports its weights itself; tiny-llm-ext-ref's quantized products reach the pool through
// the core's table (core_link.cc), as any extension does.
import * as mx from "@tiny-llm/array";
import { quantizedMatmul } from "@tiny-llm/tiny-llm-ext-ref";

import { randomWeights } from "./quantized-weights";

/** Runs `products` in turn, round after round, until the prefetched count grows (at most 200 rounds); returns whether it grew. */
function prefetchGrows(products: (() => mx.array)[]): boolean {
  const before = mx.idlePrefetchedBytes();
  for (let round = 0; round < 200; round++) {
    for (const product of products) mx.dispose(product());
    if (mx.idlePrefetchedBytes() > before) return true;
  }
  return false;
}

test("idle_prefetch_follows_the_array_cores_gemv_products", () => {
  const [N, K] = [1024, 512];
  const ws = [1, 2].map((seed) => mx.random.normal([N, K], { key: mx.random.key(seed) }));
  const x = mx.random.normal([1, K], { key: mx.random.key(3) });
  expect(prefetchGrows(ws.map((w) => () => mx.matmul(x, w.T)))).toBe(mx.numThreads() > 1);
});

test("idle_prefetch_follows_an_extensions_quantized_products", () => {
  const [O, K] = [1024, 512];
  const ws = [1, 2].map((seed) => randomWeights(O, K, 4, 64, "bfloat16", seed));
  const x = mx.random.normal([1, K], { key: mx.random.key(3) });
  expect(prefetchGrows(ws.map((w) => () => quantizedMatmul(x, w)))).toBe(mx.numThreads() > 1);
});
