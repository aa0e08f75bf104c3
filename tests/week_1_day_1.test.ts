// Week 1, day 1: softmax, scaled dot-product attention, linear, multi-head attention.
// Book: week1-01-attention.md. Golden values: tests/golden/week1/make_week1_goldens.py.
import { goldenTests } from "./helpers/golden";
import { describeAgainstReference, expectSameAsReference, randomNormal } from "./helpers/reference";
import { loadSolution } from "./solution";

const sol = loadSolution();

goldenTests("week1", "day1", (c) => `week_1_day_1_task_${c.params.task}`, (c, inputs) => {
  const [a, b, v, m] = inputs;
  switch (c.op) {
    case "softmax":
      return sol.softmax(a, c.params.axis);
    case "attention_simple":
      return sol.scaledDotProductAttentionSimple(a, b, v, { scale: c.params.scale });
    case "attention_simple_mask":
      return sol.scaledDotProductAttentionSimple(a, b, v, { mask: m });
    case "linear":
      return sol.linear(a, b, c.params.bias ? v : undefined);
    case "simple_multi_head_attention": {
      const [q, k, val, wq, wk, wv, wo, mask] = inputs;
      const mha = new sol.SimpleMultiHeadAttention(c.params.hiddenSize, c.params.numHeads, wq, wk, wv, wo);
      return mha.forward(q, k, val, mask);
    }
  }
  throw new Error(`day1 fixture: unknown op ${c.op}`);
});

describeAgainstReference("week1_ref", (ref) => {
  test("week_1_day_1_task_1_attention_simple_random_2x8x37x64", async () => {
    const [q, k, v] = [1, 2, 3].map((s) => randomNormal(s, [2, 8, 37, 64]));
    const mask = randomNormal(4, [37, 37]);
    await expectSameAsReference(
      sol.scaledDotProductAttentionSimple(q, k, v, { mask }),
      ref.scaledDotProductAttentionSimple(q, k, v, { mask }),
      "attention",
    );
  });
  test("week_1_day_1_task_2_simple_multi_head_attention_random_E128_H4", async () => {
    const E = 128;
    const w = [5, 6, 7, 8].map((s) => randomNormal(s, [E, E], "float32", E ** -0.5));
    const x = randomNormal(9, [2, 19, E]);
    const args = [E, 4, w[0], w[1], w[2], w[3]] as const;
    await expectSameAsReference(
      new sol.SimpleMultiHeadAttention(...args).forward(x, x, x),
      new ref.SimpleMultiHeadAttention(...args).forward(x, x, x),
      "multi-head attention",
    );
  });
});
