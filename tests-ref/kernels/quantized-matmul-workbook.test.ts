// The learner's kernel package as it ships: it builds, and its quantizedMatmul throws
// the workbook's NotImplementedError naming the task and the chapter.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

import * as mx from "@tiny-llm/array";
import { quantizedMatmul } from "@tiny-llm/tiny-llm-ext";

const PACKAGE = path.join(__dirname, "..", "..", "packages", "tiny-llm-ext");

// The Node that runs build scripts: this one, or under the arm64 stage's qemu (which
// cannot start another arm64 program) the host's, as scripts/arm64.mjs sets it.
const BUILD_NODE = process.env.TINY_LLM_BUILD_NODE ?? process.execPath;

test("tiny-llm-ext builds (incrementally: a no-op when nothing changed)", () => {
  const run = spawnSync(BUILD_NODE, [path.join(PACKAGE, "scripts", "build-native.js"), "--if-changed"], { cwd: PACKAGE, encoding: "utf8" });
  expect(run.stderr).not.toMatch(/error/i);
  expect(run.status).toBe(0);
});

test("tiny-llm-ext quantizedMatmul is a stub that throws NotImplementedError", () => {
  const w = { weight: mx.zeros([4, 8], "uint32"), scales: mx.ones([4, 1]), biases: mx.zeros([4, 1]), groupSize: 64, bits: 4 };
  let err: unknown;
  try {
    quantizedMatmul(mx.ones([1, 64]), w);
  } catch (e) {
    err = e;
  }
  // A JS error made by the addon (so from Node's own realm, not jest's: no instanceof).
  expect(err).toHaveProperty("message");
  expect((err as Error).name).toBe("NotImplementedError");
  expect((err as Error).message).toBe("quantized_matmul is not implemented yet (week_2_day_2_task_1; book: week2-02-quantized-matmul.md)");
});

test("tiny-llm-ext checks its arguments before the kernel, like the reference", () => {
  const w = { weight: mx.zeros([4, 8], "uint32"), scales: mx.ones([4, 1]), biases: mx.zeros([4, 1]), groupSize: 64, bits: 4 };
  expect(() => quantizedMatmul(mx.ones([1, 32]), w)).toThrow(/quantizedMatmul: w.weight has shape \[4,8\], which holds 64 4-bit inputs per row, but x has K = 32/);
});
