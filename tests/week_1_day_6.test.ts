// Week 1, day 6: dequantizing MLX 4-bit weights (task 1) and wiring a checkpoint into
// the model (task 2). Book: week1-06-loading-checkpoints.md.
// Golden values: tests/golden/week1/make_week1_goldens.py (dequantization) and
// make_tiny_model_goldens.py (the tiny model's logits from transformers).
import { expectClose } from "./helpers/compare";
import { goldenTests } from "./helpers/golden";
import { loadTinyModel, tinyModelCases } from "./helpers/tiny-model";
import { loadSolution } from "./solution";

const sol = loadSolution();

goldenTests("week1", "day6", (c) => `week_1_day_6_task_${c.params.task}`, (c, [w, scales, biases]) =>
  sol.dequantizeLinear(w, scales, biases, c.params.groupSize, c.params.bits));

// The tiny models (random and trained), in their bf16 and MLX 4-bit forms: last-position
// logits of a chat prompt.
for (const [golden, c] of tinyModelCases("tiny_model_logits")) {
  test(`week_1_day_6_task_2_${c.id}`, async () => {
    const model = new sol.Qwen2ModelWeek1(loadTinyModel(c));
    const ids = golden.array(c.inputs[0]); // L
    const logits = model.forward(ids.reshape(1, ids.shape[0]), { lastOnly: true }); // 1 x 1 x V
    await expectClose(logits.reshape(logits.shape[2]), golden.raw(c.outputs[0]), { tol: c.tol, label: c.id });
  });
}
