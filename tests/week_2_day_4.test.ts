// Week 2, day 4: flash attention, tiled with an online softmax (task 1, a C++ kernel).
// Book: week2-04-flash-attention.md. Golden values: tests/golden/week2/make_week2_goldens.py
// (torch.nn.functional.scaled_dot_product_attention, float32).
import { goldenTests } from "./helpers/golden";
import { expectSameAsReference, randomNormal } from "./helpers/reference";
import { loadSolution } from "./solution";

const sol = loadSolution();
const week1 = loadSolution("week1_ref");

// params.mask: "none", "causal" (bottom-right aligned, as the goldens built it) or
// "array" (the case's fourth input, an additive mask with -inf entries).
goldenTests("week2", "day4", (c) => `week_2_day_4_task_${c.params.task}`, (c, [q, k, v, mask]) =>
  sol.flashAttention(q, k, v, { scale: c.params.scale, mask: c.params.mask === "causal" ? "causal" : mask }));

// Qwen2-0.5B's heads (14 query heads over 2 key/value heads, D = 64) at lengths the
// fixture does not hold: decode against a long cache, a prompt, a prompt after a cache;
// against week 1's grouped attention.
for (const [L, S] of [[1, 1000], [128, 128], [100, 300]]) {
  test(`week_2_day_4_task_1_flash_attention_random_Hq14_Hkv2_L${L}_S${S}_D64_causal`, async () => {
    const q = randomNormal(L, [1, 14, L, 64]);
    const [k, v] = [1, 2].map((s) => randomNormal(S + s, [1, 2, S, 64]));
    await expectSameAsReference(
      sol.flashAttention(q, k, v, { mask: "causal" }),
      week1.scaledDotProductAttentionGrouped(q, k, v, { mask: "causal" }),
      "flash attention",
    );
  });
}
