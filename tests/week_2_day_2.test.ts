// Week 2, day 2: matmul with MLX affine-quantized weights, read packed (task 1, a C++
// kernel), and the quantized linear layer (task 2).
// Book: week2-02-quantized-matmul.md. Golden values: tests/golden/week2/make_week2_goldens.py
// (PyTorch: dequantize, then matmul in float32; day2_int8: x quantized to int8 first).
import * as mx from "@tiny-llm/array";
import { expectClose } from "./helpers/compare";
import { goldenTests, loadGolden } from "./helpers/golden";
import { randomNormal } from "./helpers/reference";
import { loadSolution } from "./solution";

const sol = loadSolution();
const week1 = loadSolution("week1_ref");

const g = goldenTests("week2", "day2", (c) => `week_2_day_2_task_${c.params.task}`, (c, [x, weight, scales, biases]) =>
  sol.quantizedMatmul(x, { weight, scales, biases, groupSize: c.params.groupSize, bits: c.params.bits }));

// Task 1 with int8 activations (QuantizedWeights.activations "int8"): x quantized per
// group, then the same product; day2_int8's oracle does the quantization in PyTorch. On the
// CPU the quantization happens before the kernel (day 3, task 3 does it on the GPU).
const int8 = loadGolden("week2", "day2_int8");
for (const c of int8.cases) {
  test(`week_2_day_2_task_1_${c.id}`, async () => {
    const [x, weight, scales, biases] = c.inputs.map((n) => int8.array(n, "cpu"));
    const w = { weight, scales, biases, groupSize: c.params.groupSize, bits: c.params.bits, activations: c.params.activations };
    await expectClose(sol.quantizedMatmul(x, w), int8.raw(c.outputs[0]), { tol: c.tol, label: c.id });
  });
}

// Task 2, the quantized linear layer: the same products plus a bias (float32 cases).
for (const c of g.cases.filter((c) => g.raw(c.inputs[0]).dtype === "float32")) {
  test(`week_2_day_2_task_2_${c.id.replace("quantized_matmul", "quantized_linear")}_bias`, async () => {
    const [x, weight, scales, biases] = c.inputs.map((n) => g.array(n));
    const O = weight.shape[0];
    const bias = randomNormal(O, [O]);
    const w = { weight, scales, biases, groupSize: c.params.groupSize, bits: c.params.bits };
    await expectClose(sol.quantizedLinear(x, w, bias), g.array(c.outputs[0]).add(bias), { tol: c.tol, label: c.id });
  });
}

// Qwen2-0.5B's MLP shapes (K = 896 inputs, O = 4864 outputs), larger than the fixture
// holds: one row (decode) and many (prefill), against week 1's dequantizeLinear followed
// by a float32 matmul. Any uint32 word is a valid packing of codes.
for (const [bits, groupSize] of [[4, 64], [8, 32], [4, 128], [8, 128]]) {
  for (const M of [1, 3, 40]) {
    test(`week_2_day_2_task_1_quantized_matmul_random_bits${bits}_group${groupSize}_M${M}_K896_O4864`, async () => {
      const [K, O] = [896, 4864];
      const seed = bits * 1000 + groupSize + M;
      const weight = mx.random.bits([O, (K * bits) / 32], { key: mx.random.key(seed) });
      const scales = randomNormal(seed + 1, [O, K / groupSize], "float32", 0.01);
      const biases = randomNormal(seed + 2, [O, K / groupSize], "float32", 0.05);
      const x = randomNormal(seed + 3, [M, K]);
      const w = week1.dequantizeLinear(weight, scales, biases, groupSize, bits); // O x K float32
      const expected = mx.matmul(x, w.T);
      // Summing K products in another order moves a float32 dot product by a few ulps of
      // the sum of their magnitudes.
      const atol = 2e-6 * ((await mx.matmul(mx.abs(x), mx.abs(w).T).max().itemAsync()) as number);
      await expectClose(sol.quantizedMatmul(x, { weight, scales, biases, groupSize, bits }), expected, { tol: { rtol: 1e-5, atol } });
    });
  }
}
