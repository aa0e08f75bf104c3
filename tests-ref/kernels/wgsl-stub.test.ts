// The learner's WGSL kernels (@tiny-llm/tiny-llm-ext/wgsl, untouched): the same TypeScript
// as the reference's GPU implementations, over stubs whose `main` is empty, so that each
// kernel raises the workbook's NotImplementedError naming its task and chapter, and only that.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import * as mx from "@tiny-llm/array";
import { flashAttention, quantizedMatmul } from "@tiny-llm/tiny-llm-ext";
import { bindKernels } from "@tiny-llm/tiny-llm-ext-ref";

const PACKAGES = path.join(__dirname, "..", "..", "packages");

beforeAll(async () => {
  await mx.gpu.init();
});

/** The error `run` throws (undefined when it throws none). */
function errorOf(run: () => unknown): Error | undefined {
  try {
    run();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

const gpu = (a: mx.array) => a.toDevice("gpu");

function quantized(O: number, K: number) {
  return { weight: gpu(mx.zeros([O, K / 8], "uint32")), scales: gpu(mx.ones([O, K / 64])), biases: gpu(mx.zeros([O, K / 64])), groupSize: 64, bits: 4 };
}

test.each([
  ["quantized_matmul_decode", "week_2_day_3_task_1", "week2-03-quantized-matmul-gpu.md", () => quantizedMatmul(gpu(mx.ones([1, 64])), quantized(4, 64))],
  ["quantized_matmul_tiled", "week_2_day_3_task_2", "week2-03-quantized-matmul-gpu.md", () => quantizedMatmul(gpu(mx.ones([9, 64])), quantized(4, 64))],
  ["quantize_activations", "week_2_day_3_task_3", "week2-03-quantized-matmul-gpu.md", () => quantizedMatmul(gpu(mx.ones([1, 64])), { ...quantized(4, 64), activations: "int8" })],
  // Read before the GPU is asked for matrix units: the stub speaks on lavapipe too.
  ["quantized_matmul_tiled_f16", "week_2_day_3_task_4", "week2-03-quantized-matmul-gpu.md", () => quantizedMatmul(gpu(mx.ones([9, 64])), { ...quantized(4, 64), activations: "float16" })],
  ["flash_attention", "week_2_day_5_task_1", "week2-05-flash-attention-gpu.md", () => flashAttention(gpu(mx.zeros([1, 4, 3, 8])), gpu(mx.zeros([1, 2, 5, 8])), gpu(mx.zeros([1, 2, 5, 8])), { mask: "causal" })],
])("wgsl_stub_%s_throws_not_implemented", (kernel, task, book, run) => {
  const error = errorOf(run);
  expect(error?.name).toBe("NotImplementedError");
  expect(error?.message).toBe(`${kernel}.wgsl is not implemented yet (${task}; book: ${book})`);
});

// A kernel that runs after another: the reference's first kernel with the learner's stub
// of the second, from one folder (bindKernels reads any).
test.each([
  ["flash_attention_combine", "flash_attention", "week_2_day_5_task_2", "week2-05-flash-attention-gpu.md",
    (k: ReturnType<typeof bindKernels>) => k.flashAttention(gpu(mx.zeros([1, 2, 1, 8])), gpu(mx.zeros([1, 1, 100, 8])), gpu(mx.zeros([1, 1, 100, 8])))],
  ["quantized_matmul_decode_int8", "quantize_activations", "week_2_day_3_task_3", "week2-03-quantized-matmul-gpu.md",
    (k: ReturnType<typeof bindKernels>) => k.quantizedMatmul(gpu(mx.ones([1, 64])), { ...quantized(4, 64), activations: "int8" })],
  ["quantized_matmul_tiled_int8", "quantize_activations", "week_2_day_3_task_3", "week2-03-quantized-matmul-gpu.md",
    (k: ReturnType<typeof bindKernels>) => k.quantizedMatmul(gpu(mx.ones([9, 64])), { ...quantized(4, 64), activations: "int8" })],
])("wgsl_stub_%s_after_the_references_%s_throws_not_implemented", (kernel, first, task, book, run) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wgsl-stub-"));
  fs.copyFileSync(path.join(PACKAGES, "tiny-llm-ext-ref", "wgsl", `${first}.wgsl`), path.join(dir, `${first}.wgsl`));
  fs.copyFileSync(path.join(PACKAGES, "tiny-llm-ext", "wgsl", `${kernel}.wgsl`), path.join(dir, `${kernel}.wgsl`));
  const kernels = bindKernels("unused: the CPU addon is loaded on a CPU call only", dir, "wgsl-stub test");
  const error = errorOf(() => run(kernels));
  fs.rmSync(dir, { recursive: true, force: true });
  expect(error?.name).toBe("NotImplementedError");
  expect(error?.message).toBe(`${kernel}.wgsl is not implemented yet (${task}; book: ${book})`);
});

test("wgsl_stubs_check_arguments_first", () => {
  expect(() => flashAttention(gpu(mx.zeros([1, 3, 3, 8])), gpu(mx.zeros([1, 2, 5, 8])), gpu(mx.zeros([1, 2, 5, 8])))).toThrow(
    "flashAttention: query has 3 heads and key 2; H_q must be a multiple of H_kv",
  );
});
