// Week 1, day 2: RoPE, traditional (task 1) and half-split (task 2).
// Book: week1-02-positional-encodings.md. Golden values: tests/golden/week1/make_week1_goldens.py.
import { goldenTests } from "./helpers/golden";
import { describeAgainstReference, expectSameAsReference, randomNormal } from "./helpers/reference";
import { loadSolution } from "./solution";

const sol = loadSolution();

goldenTests("week1", "day2", (c) => `week_1_day_2_task_${c.params.task}`, (c, [x]) => {
  const { dims, seqLen, base, traditional, offset } = c.params;
  return new sol.RoPE(dims, seqLen, base, traditional).forward(x, offset);
});

describeAgainstReference("week1_ref", (ref) => {
  for (const [task, traditional] of [[1, true], [2, false]] as const) {
    test(`week_1_day_2_task_${task}_rope_random_decode_steps`, async () => {
      // One token at a time at growing offsets, as decoding will call it.
      const args = [64, 512, 1000000, traditional] as const;
      const mine = new sol.RoPE(...args);
      const theirs = new ref.RoPE(...args);
      for (const offset of [0, 1, 17, 255, 511]) {
        const x = randomNormal(offset, [2, 1, 14, 64]);
        await expectSameAsReference(mine.forward(x, offset), theirs.forward(x, offset), `offset ${offset}`);
      }
    });
  }
});
