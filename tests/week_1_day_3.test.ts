// Week 1, day 3: grouped-query attention (task 1) and the causal mask (task 2).
// Book: week1-03-gqa.md. Golden values: tests/golden/week1/make_week1_goldens.py.
import * as mx from "@tiny-llm/array";
import { goldenTests } from "./helpers/golden";
import { describeAgainstReference, expectSameAsReference, randomNormal } from "./helpers/reference";
import { loadSolution } from "./solution";

const sol = loadSolution();

goldenTests("week1", "day3", (c) => `week_1_day_3_task_${c.params.task}`, (c, [q, k, v, m]) => {
  switch (c.op) {
    case "attention_grouped":
      return sol.scaledDotProductAttentionGrouped(q, k, v, { scale: c.params.scale, mask: m });
    case "attention_grouped_causal":
      return sol.scaledDotProductAttentionGrouped(q, k, v, { mask: "causal" });
    case "causal_mask":
      return sol.causalMask(c.params.L, c.params.S, c.params.dtype as mx.Dtype);
  }
  throw new Error(`day3 fixture: unknown op ${c.op}`);
});

describeAgainstReference("week1_ref", (ref) => {
  // Qwen2-0.5B's heads: 14 query heads over 2 key/value heads.
  test("week_1_day_3_task_2_attention_grouped_causal_random_Hq14_Hkv2", async () => {
    const q = randomNormal(1, [1, 14, 40, 64]);
    const [k, v] = [2, 3].map((s) => randomNormal(s, [1, 2, 40, 64]));
    await expectSameAsReference(
      sol.scaledDotProductAttentionGrouped(q, k, v, { mask: "causal" }),
      ref.scaledDotProductAttentionGrouped(q, k, v, { mask: "causal" }),
      "grouped attention",
    );
  });
});
