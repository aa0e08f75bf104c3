// Week 1, day 6: dequantizing MLX 4-bit weights (task 1) and wiring a checkpoint into
// the model (task 2). Book: week1-06-loading-checkpoints.md.
// Golden values: tests/golden/week1/make_week1_goldens.py (dequantization) and
// make_tiny_model_goldens.py (the tiny model's logits from transformers).
import { goldenTests } from "./helpers/golden";
import { loadSolution } from "./solution";

const sol = loadSolution();

goldenTests("week1", "day6", (c) => `week_1_day_6_task_${c.params.task}`, (c, [w, scales, biases]) =>
  sol.dequantizeLinear(w, scales, biases, c.params.groupSize, c.params.bits));
