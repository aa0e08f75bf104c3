// `pnpm main --device gpu`: the references run on the GPU (WebGPU; in CI Mesa's lavapipe,
// Vulkan on the CPU) and answer, greedy, exactly as on the CPU, week 2's decode steps
// replayed from a graph; without an adapter the command says so in one line and exits 1.
import * as mx from "@tiny-llm/array";
import { ensureTinyModels, TINY_MODEL_4BIT_DIR, TRAINED_DRAFT_DIR } from "@tiny-llm/tiny-model";
import { f16MatrixUnits } from "@tiny-llm/tiny-llm-week2-ref";

import { main, type Run } from "./run-cli";

beforeAll(() => ensureTinyModels());

/** lavapipe runs the kernels on the CPU, slowly: a run may take minutes on a loaded machine. */
const GPU_RUN_MS = 300_000;
/** A JavaScript stack frame (Dawn's own warnings name C++ files, which are not ours to hide). */
const JS_STACK = /^\s+at .*(\(node:|\.(ts|js|mjs|cjs):\d+)/m;

/**
 * What must not depend on the device: the exit, the answer (or answers), how many tokens
 * and why they stopped, the drafts kept (and the error, if any).
 */
function answer(r: Run) {
  const line = (pattern: RegExp) => pattern.exec(r.stderr)?.[0] ?? null;
  return {
    status: r.status,
    error: line(/^main: .*$/m),
    stdout: r.stdout,
    generated: line(/generated: \d+ tokens/),
    stop: line(/^stop: .*$/m),
    speculative: line(/^speculative: .*$/m),
  };
}

// Each of the CLI's generation loops: week 1's, week 2's (KV cache), speculative decoding
// with the trained draft, and many prompts through the scheduler; and week 2's 4-bit
// weights times int8 activations (x quantized on the GPU there, day 3 task 3).
const RUNS: [string, string[]][] = [
  ["week1_ref", ["--solution", "week1_ref"]],
  ["week2_ref", ["--solution", "week2_ref"]],
  ["week2_ref_draft_model", ["--solution", "week2_ref", "--draft-model", TRAINED_DRAFT_DIR]],
  ["week2_ref_requests", ["--solution", "week2_ref", "--requests", "2"]],
  ["week2_ref_4bit_int8_activations", ["--solution", "week2_ref", "--model", TINY_MODEL_4BIT_DIR, "--activations", "int8"]],
];

for (const [name, args] of RUNS) {
  test(`cli_main_device_gpu_${name}_greedy_answer_equals_the_cpus`, () => {
    const cpu = main([...args, "--max-tokens", "6", "--device", "cpu"]);
    expect(cpu.status).toBe(0);
    const gpu = main([...args, "--max-tokens", "6", "--device", "gpu"], { timeoutMs: GPU_RUN_MS });
    expect(answer(gpu)).toEqual(answer(cpu));
    expect(gpu.stderr).toMatch(/^GPU: .+ \(WebGPU, validation off\)$/m); // a reference's launches skip Dawn's checks
    expect(gpu.stderr).toMatch(/on the GPU\)\.\.\.$/m);
    // Week 2's loop replays decode steps from a graph once two steps in a row match
    // (DecodeGraph); the tiny random model runs to --max-tokens, 5 decode steps.
    if (name === "week2_ref_4bit_int8_activations") expect(gpu.stderr).toMatch(/^replayed: [1-9] of 5 decode steps/m);
  });
}

// --activations float16 runs on matrix units (subgroup matrices), which lavapipe lacks:
// there it is one line naming what is missing; where the GPU has them, an answer.
test("cli_main_device_gpu_float16_activations_answer_or_name_what_the_gpu_lacks", async () => {
  await mx.gpu.init();
  const units = f16MatrixUnits();
  const r = main(["--solution", "week2_ref", "--model", TINY_MODEL_4BIT_DIR, "--activations", "float16", "--max-tokens", "6", "--device", "gpu"], { timeoutMs: GPU_RUN_MS });
  if ("missing" in units) {
    expect(r.status).toBe(1);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("main:"));
    expect(lines).toEqual([`main: --activations float16: this GPU lacks ${units.missing}; use --activations float32 or int8`]);
    expect(r.stderr).not.toMatch(JS_STACK);
  } else {
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).not.toBe("");
  }
});

test("cli_main_device_gpu_without_an_adapter_exits_1_with_one_line", () => {
  // A Vulkan loader pointed at no driver: Dawn finds no adapter (lavapipe included).
  const env = { VK_ICD_FILENAMES: "/nonexistent", VK_DRIVER_FILES: "/nonexistent" };
  const r = main(["--solution", "week2_ref", "--device", "gpu", "--max-tokens", "2"], { env });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("main:"));
  expect(lines).toEqual([expect.stringMatching(/^main: --device gpu: no WebGPU adapter found .*Vulkan driver.*; or run on the CPU with --device cpu$/)]);
  expect(r.stderr).not.toMatch(JS_STACK);
  expect(r.stderr).not.toMatch(/^Loading /m); // it stopped before reading the model
});
