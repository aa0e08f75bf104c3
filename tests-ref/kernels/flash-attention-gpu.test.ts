// flashAttention on the GPU beyond day 5's goldens (whose heads are at most 64 wide): the
// prefill's row tiles at Qwen2's head sizes against the CPU's kernel (which
// tests/week_2_day_4.test.ts checks against PyTorch). flash-attention.ts (GPU) takes 32
// query rows a workgroup where workgroup memory holds that tile, 16 where it does not:
// with D = 128, lavapipe's 32 KiB takes 16 and an H200's 48 KiB 32; with D = 64 both 32.
import * as mx from "@tiny-llm/array";
import { flashAttention } from "@tiny-llm/tiny-llm-ext-ref";

import { expectClose } from "../../tests/helpers/compare";
import { randomNormal } from "../../tests/helpers/reference";

beforeAll(async () => {
  await mx.gpu.init();
});

// 7 query heads a kv head (Qwen2-7B's grouping), 40 positions: 280 rows a kv head, so
// partial tiles of either size; a prompt after a cache (L < S) and L = S.
for (const D of [64, 128]) {
  for (const [L, S] of [[40, 40], [40, 75]]) {
    test(`flash_attention_gpu_row_tiles_Hq14_Hkv2_L${L}_S${S}_D${D}_causal_equals_the_cpus`, async () => {
      const q = randomNormal(1, [1, 14, L, D]), k = randomNormal(2, [1, 2, S, D]), v = randomNormal(3, [1, 2, S, D]);
      const gpu = await flashAttention(q.toDevice("gpu"), k.toDevice("gpu"), v.toDevice("gpu"), { mask: "causal" }).toCpu();
      await expectClose(gpu, flashAttention(q, k, v, { mask: "causal" }), { tol: { rtol: 1e-4, atol: 1e-5 } });
    }, 120_000);
  }
}
