// Week 2, day 3: quantized matmul on the GPU, in WGSL: few rows of x (decode, task 1) and
// many (prefill, task 2), run through the same quantizedMatmul as day 2 with arrays on the GPU.
// Book: week2-03-quantized-matmul-gpu.md. Golden values: day 2's,
// tests/golden/week2/make_week2_goldens.py (PyTorch: dequantize, then matmul in float32).
import * as mx from "@tiny-llm/array";
import { expectClose } from "./helpers/compare";
import { GoldenCase, loadGolden } from "./helpers/golden";
import { randomNormal } from "./helpers/reference";
import { loadSolution } from "./solution";

const sol = loadSolution();
const g = loadGolden("week2", "day2");

// Compiling a kernel takes seconds on a software GPU (lavapipe), once per bits and dtypes.
const GPU_TIMEOUT_MS = 180_000;

beforeAll(async () => {
  await mx.gpu.init();
});

// Up to 8 rows of x (the product of N..) take the decode kernel (task 1), more the tiled one (task 2).
const taskOf = (c: GoldenCase) => (g.raw(c.inputs[0]).shape.slice(0, -1).reduce((a, b) => a * b, 1) <= 8 ? 1 : 2);

/** The case's inputs on the GPU: x, and the quantized weights. */
function gpuInputs(c: GoldenCase) {
  const [x, weight, scales, biases] = c.inputs.map((n) => g.array(n).toDevice("gpu"));
  return { x, w: { weight, scales, biases, groupSize: c.params.groupSize, bits: c.params.bits } };
}

for (const c of g.cases) {
  test(`week_2_day_3_task_${taskOf(c)}_${c.id}`, async () => {
    const { x, w } = gpuInputs(c);
    const y = sol.quantizedMatmul(x, w);
    expect(y.device).toBe("gpu");
    expectClose(await y.toCpu(), g.raw(c.outputs[0]), { tol: c.tol, label: c.id });
  }, GPU_TIMEOUT_MS);
}

// Without subgroup operations (TINY_LLM_KERNELS=portable): the decode kernel's partial sums
// are added up in workgroup memory alone, as on a GPU without subgroups.
for (const c of g.cases.filter((c) => taskOf(c) === 1 && c.id.endsWith("xf32_sf32"))) {
  test(`week_2_day_3_task_1_${c.id}_without_subgroups`, async () => {
    const { x, w } = gpuInputs(c);
    process.env.TINY_LLM_KERNELS = "portable";
    try {
      expectClose(await sol.quantizedMatmul(x, w).toCpu(), g.raw(c.outputs[0]), { tol: c.tol, label: c.id });
    } finally {
      delete process.env.TINY_LLM_KERNELS;
    }
  }, GPU_TIMEOUT_MS);
}

// Day 2's quantized linear layer, its arrays on the GPU: the same products plus a bias.
for (const c of g.cases.filter((c) => g.raw(c.inputs[0]).dtype === "float32")) {
  test(`week_2_day_3_task_${taskOf(c)}_${c.id.replace("quantized_matmul", "quantized_linear")}_bias`, async () => {
    const { x, w } = gpuInputs(c);
    const O = w.weight.shape[0];
    const bias = randomNormal(O, [O]);
    const y = await sol.quantizedLinear(x, w, bias.toDevice("gpu")).toCpu();
    expectClose(y, g.array(c.outputs[0]).add(bias), { tol: c.tol, label: c.id });
  }, GPU_TIMEOUT_MS);
}
