// Week 2, day 3: quantized matmul on the GPU, in WGSL: few rows of x (decode, task 1) and
// many (prefill, task 2), run through the same quantizedMatmul as day 2 with arrays on the GPU;
// with int8 activations (task 3: x quantized on the GPU, then multiplied in integers); and
// with float16 activations on the GPU's matrix units (task 4).
// Book: week2-03-quantized-matmul-gpu.md. Golden values: day 2's (day2_int8 for task 3,
// day3_f16 for task 4), tests/golden/week2/make_week2_goldens.py (PyTorch: dequantize,
// then matmul in float32).
import * as mx from "@tiny-llm/array";
import { expectClose } from "./helpers/compare";
import { type Golden, GoldenCase, loadGolden } from "./helpers/golden";
import { expectRejection } from "./helpers/expect-error";
import { f16MatrixUnitsSync } from "./helpers/matrix-units";
import { loadSolution } from "./solution";

const sol = loadSolution();
const g = loadGolden("week2", "day2");
const int8 = loadGolden("week2", "day2_int8");
const f16 = loadGolden("week2", "day3_f16");

// Compiling a kernel takes seconds on a software GPU (lavapipe), once per bits and dtypes.
const GPU_TIMEOUT_MS = 180_000;

beforeAll(async () => {
  await mx.gpu.init();
});

// Up to 8 rows of x (the product of N..) take the decode kernel (task 1), more the tiled one (task 2).
const taskOf = (c: GoldenCase) => (g.raw(c.inputs[0]).shape.slice(0, -1).reduce((a, b) => a * b, 1) <= 8 ? 1 : 2);

/** Case c's inputs (of fixture `golden`) on the GPU: x, and the quantized weights with the case's activations. */
function gpuInputs(c: GoldenCase, golden: Golden = g) {
  const [x, weight, scales, biases] = c.inputs.map((n) => golden.array(n).toDevice("gpu"));
  return { x, w: { weight, scales, biases, groupSize: c.params.groupSize, bits: c.params.bits, activations: c.params.activations } };
}

/** Case c of `golden` through the solution's quantizedMatmul on the GPU, against the golden output. */
const goldenRun = (golden: Golden) => (c: GoldenCase) => async () => {
  const { x, w } = gpuInputs(c, golden);
  await expectClose(await sol.quantizedMatmul(x, w).toCpu(), golden.raw(c.outputs[0]), { tol: c.tol, label: c.id });
};

for (const c of g.cases) {
  test(`week_2_day_3_task_${taskOf(c)}_${c.id}`, async () => {
    const { x, w } = gpuInputs(c);
    const y = sol.quantizedMatmul(x, w);
    expect(y.device).toBe("gpu");
    await expectClose(await y.toCpu(), g.raw(c.outputs[0]), { tol: c.tol, label: c.id });
  }, GPU_TIMEOUT_MS);
}

// Without subgroup operations (TINY_LLM_KERNELS=portable): the decode kernel's partial sums
// are added up in workgroup memory alone, as on a GPU without subgroups.
async function withoutSubgroups(run: () => Promise<void>): Promise<void> {
  process.env.TINY_LLM_KERNELS = "portable";
  try {
    await run();
  } finally {
    delete process.env.TINY_LLM_KERNELS;
  }
}
for (const c of g.cases.filter((c) => taskOf(c) === 1 && c.id.endsWith("xf32_sf32"))) {
  test(`week_2_day_3_task_1_${c.id}_without_subgroups`, () => withoutSubgroups(goldenRun(g)(c)), GPU_TIMEOUT_MS);
}

// Layouts no golden case has, on the kernels' other paths: the case's x or W given as a
// view (same values), or x cast to float16 (exactly: a bfloat16 value of these sizes is a
// float16 value too). The decode kernel (task 1) reads x 16 bytes a load only when it lies
// contiguous along K with every row starting 16 bytes in (x_vec4_offset: offset 4, row
// stride 68 float32), else element by element; it takes W only at offsets and row strides of
// whole 16-byte chunks: quantized-matmul.ts in the reference sends any other W to the
// tiled kernel (task 2), whose task those cases test.
const layouts: [string, string, 1 | 2, (x: mx.array, w: mx.array) => [mx.array, mx.array]][] = [
  // N.. x K, stepping M x along K: element (m, k) of the view is its element [k, m].
  ["x_strided", "bits4_group32_M2_K64_O7_xf32_sf16", 1, (x, w) => [mx.contiguous(x.reshape([-1, x.shape[x.ndim - 1]]).T).T, w]],
  ["x_vec4_offset", "bits4_group32_M2_K64_O7_xf32_sf16", 1, (x, w) => [mx.concatenate([mx.zeros([...x.shape.slice(0, -1), 4], "float32").toDevice("gpu"), x], -1).slice("...", "4:"), w]],
  ["x_odd_offset", "bits8_group32_M2_K64_O7_xbf16_sbf16", 1, (x, w) => [mx.concatenate([mx.zeros([...x.shape.slice(0, -1), 1], "bfloat16").toDevice("gpu"), x], -1).slice("...", "1:"), w]],
  ["x_float16", "bits4_group64_N2x2_M1_K128_O1_xbf16_sf32", 1, (x, w) => [x.astype("float16"), w]],
  ["w_unaligned", "bits4_group128_N2_M1_K384_O96_xf32_sf16", 2, (x, w) => [x, mx.concatenate([mx.zeros([w.shape[0], 1], "uint32").toDevice("gpu"), w], 1).slice(":", "1:")]],
  ["w_unaligned", "bits8_group64_M1_K128_O32_xbf16_sbf16", 2, (x, w) => [x, mx.concatenate([mx.zeros([w.shape[0], 3], "uint32").toDevice("gpu"), w], 1).slice(":", "3:")]],
];
for (const [layout, id, task, view] of layouts) {
  const c = g.cases.find((c) => c.id === `quantized_matmul_${id}`)!;
  test(`week_2_day_3_task_${task}_${c.id}_${layout}`, async () => {
    const { x, w } = gpuInputs(c);
    const [xv, weight] = view(x, w.weight);
    const y = await sol.quantizedMatmul(xv, { ...w, weight }).toCpu();
    await expectClose(y.astype(x.dtype), g.raw(c.outputs[0]), { tol: c.tol, label: c.id });
  }, GPU_TIMEOUT_MS);
}

// Task 3: int8 activations on the GPU. Up to 8 rows of x take the int8 decode kernel, more
// the tiled kernel of task 2 over x̂; quantize_activations.wgsl makes both from x. The
// decode kernel's cases run again without subgroups.
const int8Run = goldenRun(int8);
for (const c of int8.cases) {
  test(`week_2_day_3_task_3_${c.id}`, int8Run(c), GPU_TIMEOUT_MS);
}
for (const c of int8.cases.filter((c) => /_M[1-8]_/.test(c.id))) {
  test(`week_2_day_3_task_3_${c.id}_without_subgroups`, () => withoutSubgroups(int8Run(c)), GPU_TIMEOUT_MS);
}

// Task 4: float16 activations on the GPU's matrix units (subgroup matrices), more than 8
// rows of x. A GPU without them (lavapipe, CI's) cannot run the golden cases: there one
// test checks instead that the call names what is missing (a learner's stub raises its
// NotImplementedError first, as in every task).
const units = f16MatrixUnitsSync();
const f16Run = goldenRun(f16);
if (!("missing" in units)) {
  for (const c of f16.cases) test(`week_2_day_3_task_4_${c.id}`, f16Run(c), GPU_TIMEOUT_MS);
} else {
  test("week_2_day_3_task_4_without_matrix_units_names_what_is_missing", async () => {
    const c = f16.cases[0];
    await expectRejection(f16Run(c), /float16 activations run on a GPU's matrix units/, /\) lacks .+; use float32 or int8$/);
  });
}
