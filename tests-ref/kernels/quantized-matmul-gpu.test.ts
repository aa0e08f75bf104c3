// quantizedMatmul on the GPU beyond day 3's goldens: both tiles of the tiled kernels against
// dequantize-then-matmul (float32 x), and against the CPU's kernels (int8 x, whose
// rounding the CPU's tests check against PyTorch).
import * as mx from "@tiny-llm/array";
import { quantizedMatmul } from "@tiny-llm/tiny-llm-ext-ref";

import { expectClose } from "../../tests/helpers/compare";
import { dequantize, randomWeights } from "./quantized-weights";

beforeAll(async () => {
  await mx.gpu.init();
});

describe("quantizedMatmul on the GPU: the tiled kernel's two tiles against dequantize-then-matmul", () => {
  // 9 and 63 rows take the small tile (32 x 32), 64 and 130 the large one (128 x 128):
  // O = 200 and 130 rows leave partial tiles of both W and x.
  for (const bits of [4, 8]) {
    test(`${bits}-bit, 200 x 256, M = 9, 63, 64, 130`, async () => {
      const w = randomWeights(200, 256, bits, 64, "bfloat16", 20 + bits);
      const W = dequantize(w);
      const gw = { ...w, weight: w.weight.toDevice("gpu"), scales: w.scales.toDevice("gpu"), biases: w.biases.toDevice("gpu") };
      for (const M of [9, 63, 64, 130]) {
        const x = mx.random.normal([M, 256], { key: mx.random.key(M) });
        const scale = mx.matmul(mx.abs(x), mx.abs(W).T).max().item() as number;
        const y = await quantizedMatmul(x.toDevice("gpu"), gw).toCpu();
        await expectClose(y, mx.matmul(x, W.T), { tol: { rtol: 0, atol: 2e-6 * scale }, label: `${bits}-bit M ${M}` });
      }
    }, 180_000);
  }
});

describe("quantizedMatmul on the GPU with int8 activations: both tiles of the int8 tiled kernel against the CPU's int8 kernels", () => {
  for (const bits of [4, 8]) {
    test(`${bits}-bit, 200 x 256, M = 9, 63, 64, 130`, async () => {
      const w = { ...randomWeights(200, 256, bits, 64, "bfloat16", 30 + bits), activations: "int8" as const };
      const gw = { ...w, weight: w.weight.toDevice("gpu"), scales: w.scales.toDevice("gpu"), biases: w.biases.toDevice("gpu") };
      const W = dequantize(w);
      for (const M of [9, 63, 64, 130]) {
        const x = mx.random.normal([M, 256], { key: mx.random.key(100 + M) });
        const scale = mx.matmul(mx.abs(x), mx.abs(W).T).max().item() as number;
        const y = await quantizedMatmul(x.toDevice("gpu"), gw).toCpu();
        await expectClose(y, quantizedMatmul(x, w), { tol: { rtol: 0, atol: 2e-6 * scale }, label: `${bits}-bit M ${M}` });
      }
    }, 180_000);
  }
});


describe("quantizedMatmul on the GPU with int8 activations: long rows, read by two teams of the int8 decode kernel, against the CPU's int8 kernels", () => {
  // A row splits where one team would take more than two rounds of 4 chunks a thread: at
  // 4-bit K = 4,096 is 128 chunks, 4 rounds of lavapipe's 8-thread subgroups; without
  // subgroups a team is 32 threads, and K = 8,448 (264 chunks) splits.
  const cases = [
    { K: 4096, portable: false },
    { K: 8448, portable: true },
  ];
  for (const { K, portable } of cases) {
    test(`4-bit, 40 x ${K}, M = 1 and 3${portable ? ", without subgroups" : ""}`, async () => {
      const w = { ...randomWeights(40, K, 4, 64, "bfloat16", 50), activations: "int8" as const };
      const gw = { ...w, weight: w.weight.toDevice("gpu"), scales: w.scales.toDevice("gpu"), biases: w.biases.toDevice("gpu") };
      const W = dequantize(w);
      if (portable) process.env.TINY_LLM_KERNELS = "portable";
      try {
        for (const M of [1, 3]) {
          const x = mx.random.normal([M, K], { key: mx.random.key(200 + M) });
          const scale = mx.matmul(mx.abs(x), mx.abs(W).T).max().item() as number;
          const y = await quantizedMatmul(x.toDevice("gpu"), gw).toCpu();
          await expectClose(y, quantizedMatmul(x, w), { tol: { rtol: 0, atol: 2e-6 * scale }, label: `K ${K} M ${M}` });
        }
      } finally {
        delete process.env.TINY_LLM_KERNELS;
      }
    }, 180_000);
  }
});
