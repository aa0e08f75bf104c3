// Week 1, day 4: RMSNorm (task 1), SiLU and Qwen2's MLP (task 2).
// Book: week1-04-rmsnorm-and-mlp.md. Golden values: tests/golden/week1/make_week1_goldens.py.
import { goldenTests } from "./helpers/golden";
import { describeAgainstReference, expectSameAsReference, randomNormal } from "./helpers/reference";
import { loadSolution } from "./solution";

const sol = loadSolution();

goldenTests("week1", "day4", (c) => `week_1_day_4_task_${c.params.task}`, (c, [x, w1, w2, w3]) => {
  switch (c.op) {
    case "rms_norm":
      return new sol.RMSNorm(c.params.dim, w1, c.params.eps).forward(x);
    case "silu":
      return sol.silu(x);
    case "qwen2_mlp":
      return new sol.Qwen2MLP(c.params.dim, c.params.hiddenDim, w1, w2, w3).forward(x);
  }
  throw new Error(`day4 fixture: unknown op ${c.op}`);
});

describeAgainstReference("week1_ref", (ref) => {
  test("week_1_day_4_task_2_qwen2_mlp_random_E64_I172", async () => {
    const [E, I] = [64, 172];
    const gate = randomNormal(1, [I, E], "float32", E ** -0.5);
    const up = randomNormal(2, [I, E], "float32", E ** -0.5);
    const down = randomNormal(3, [E, I], "float32", I ** -0.5);
    const x = randomNormal(4, [2, 9, E]);
    await expectSameAsReference(
      new sol.Qwen2MLP(E, I, gate, up, down).forward(x),
      new ref.Qwen2MLP(E, I, gate, up, down).forward(x),
      "Qwen2MLP",
    );
  });
});
