// The model part of `pnpm bench`: prefill and decode speed of a solution's week 1 model
// on random bf16 weights in the exact shapes of Qwen2-0.5B, loaded from a real
// checkpoint folder (bench.ts's SharedRandomCheckpoint, also read by the week 2 rows).
//
// Week 1's model has no KV cache: each decode step runs the model over the whole
// sequence so far, so a step at context c costs as much as a prefill of c tokens and
// the step time grows with the context. The decode table shows that curve; week 2's
// KV cache flattens it.

import * as mx from "@tiny-llm/array";
import { load } from "@tiny-llm/loader";
import { ensureTinyModels, TINY_MODEL_DIR } from "@tiny-llm/tiny-model";

import { loadSolution, type Model, type SolutionName } from "../solution";
import { forwardFlops, QWEN2_0_5B_CONFIG, shapesOf, totalParams, weightBytesPerForward, type Qwen2Shapes } from "./qwen2-shapes";
import type { SharedRandomCheckpoint } from "./random-checkpoint";
import { median, now } from "./stats";
import { printColumns } from "./table";

export const PREFILL_LENGTHS = [16, 128, 512];
export const DECODE_CONTEXTS = [16, 64, 128, 256, 512];

export interface ModelBenchOptions {
  solution: SolutionName;
  /** f32 GEMM FLOP/s measured in this run (the kernel part), or null to measure it here. */
  gemmFlops: number | null;
  /** Plain memory read bytes/s measured in this run, or null to measure it here. */
  readBandwidth: number | null;
  /** The random bf16 checkpoint in Qwen2-0.5B's shapes, shared with the week 2 rows. */
  checkpoint: SharedRandomCheckpoint;
}

/** Runs `fn` until `budget` seconds are spent (at least once, at most `maxRuns`); median seconds. */
function timeUntil(fn: () => void, budget: number, maxRuns: number): { seconds: number; runs: number } {
  const times: number[] = [];
  let spent = 0;
  while (times.length < maxRuns && (times.length === 0 || spent + median(times) <= budget)) {
    const t = now();
    fn();
    times.push(now() - t);
    spent += times[times.length - 1];
  }
  return { seconds: median(times), runs: times.length };
}

/** Token ids uniform over the vocabulary: 1 x L int32. */
function randomIds(L: number, vocab: number, seed: number): mx.array {
  return mx.random.randint(0, vocab, [1, L], { key: mx.random.key(seed) });
}

/** f32 GEMM 1024^3 FLOP/s, when the kernel part did not run. */
export function measureGemmFlops(n = 1024): number {
  const a = mx.random.normal([n, n], { key: mx.random.key(1) });
  const b = mx.random.normal([n, n], { key: mx.random.key(2) });
  mx.matmul(a, b);
  return (2 * n * n * n) / timeUntil(() => void mx.matmul(a, b), 1.5, 20).seconds;
}

/** Builds the solution's model from the bench's random Qwen2-0.5B checkpoint. */
async function buildModel(solution: SolutionName, checkpoint: SharedRandomCheckpoint): Promise<{ model: Model; shapes: Qwen2Shapes }> {
  const impl = await loadSolution(solution);
  // A forward on the tiny model first: an exercise not written yet fails in a second,
  // not after writing 1 GB.
  ensureTinyModels();
  const tiny = load(TINY_MODEL_DIR);
  new impl.Qwen2ModelWeek1(tiny).forward(mx.array([[1, 2, 3]], "int32"), { lastOnly: true });
  tiny.weights.close();

  const t = now();
  const loaded = load(checkpoint.dir());
  const model = new impl.Qwen2ModelWeek1(loaded);
  loaded.weights.close();
  console.log(`load() + new Qwen2ModelWeek1 (${solution}): ${(now() - t).toFixed(1)} s`);
  return { model, shapes: shapesOf(QWEN2_0_5B_CONFIG) };
}

const gflops = (flops: number, s: number) => `${(flops / s / 1e9).toFixed(1)}`;
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

export async function benchModel(opts: ModelBenchOptions): Promise<void> {
  const { model, shapes: s } = await buildModel(opts.solution, opts.checkpoint);
  const gemm = opts.gemmFlops ?? measureGemmFlops();
  const readBw = opts.readBandwidth;
  const weightBytes = weightBytesPerForward(s, 2);
  console.log(
    `Qwen2-0.5B shapes: E ${s.hidden}, I ${s.intermediate}, V ${s.vocab}, ${s.layers} layers, H_q ${s.heads}, H_kv ${s.kvHeads}, D ${s.headDim}; ` +
      `${(totalParams(s) / 1e6).toFixed(0)}M parameters, ${(weightBytes / 1e6).toFixed(0)} MB of bf16 matmul weights read per forward (tied lm_head included)`,
  );
  console.log(`f32 GEMM 1024^3 in this run: ${(gemm / 1e9).toFixed(1)} GFLOP/s${opts.gemmFlops === null ? " (measured here)" : ""}`);
  console.log("model FLOPs of a forward over L tokens (lastOnly) = layers x (2 L P_layer + 4 L^2 H_q D) + 2 V E, P_layer = 14.9M matmul weights (see qwen2-shapes.ts)\n");

  const forward = (ids: mx.array) => model.forward(ids, { lastOnly: true });
  forward(randomIds(16, s.vocab, 99)); // warm-up: first-touch of buffers, thread pool start

  // Prefill: one forward over the whole prompt.
  const prefillRows: string[][] = [];
  for (const L of PREFILL_LENGTHS) {
    const ids = randomIds(L, s.vocab, L);
    const t = timeUntil(() => void forward(ids), 6, 5);
    const flops = forwardFlops(s, L);
    prefillRows.push([`${L}`, (t.seconds * 1000).toFixed(0), (L / t.seconds).toFixed(1), gflops(flops, t.seconds), pct(flops / t.seconds / gemm), `${t.runs}`]);
  }
  console.log(`Prefill (${opts.solution}, one forward over the prompt, lastOnly; median of the runs):`);
  printColumns(["prompt tokens", "ms", "tokens/s", "model GFLOP/s", "of f32 GEMM", "runs"], prefillRows);

  // Decode: real steps of simpleGenerate's loop (forward over all tokens so far, greedy
  // pick of the last position, append), starting at context c.
  const decodeRows: string[][] = [];
  for (const c of DECODE_CONTEXTS) {
    const ids = randomIds(c, s.vocab, 1000 + c).toTypedArray() as Int32Array;
    const seq = Array.from(ids);
    const steps = c <= 128 ? 4 : c <= 256 ? 2 : 1;
    const times: number[] = [];
    let flops = 0;
    for (let i = 0; i < steps; i++) {
      const t = now();
      const logits = forward(mx.array([seq], "int32")); // 1 x 1 x V
      seq.push(logits.reshape(s.vocab).argmax().item() as number);
      times.push(now() - t);
      flops += forwardFlops(s, seq.length - 1);
    }
    const step = median(times);
    const perStepFlops = flops / steps;
    const bw = weightBytes / step;
    decodeRows.push([
      `${c}`, (step * 1000).toFixed(0), (1 / step).toFixed(2), gflops(perStepFlops, step), pct(perStepFlops / step / gemm),
      (bw / 1e9).toFixed(2), readBw === null ? "-" : pct(bw / readBw), `${steps}`,
    ]);
  }
  console.log(`\nDecode without a KV cache (${opts.solution}): each step runs the model over the whole context; median of the steps:`);
  printColumns(["context", "ms/step", "tokens/s", "model GFLOP/s", "of f32 GEMM", "weights GB/s", "of read bw", "steps"], decodeRows);
  const [first, last] = [decodeRows[0], decodeRows[decodeRows.length - 1]];
  console.log(
    `step time grows ${(Number(last[1]) / Number(first[1])).toFixed(1)}x from context ${first[0]} to ${last[0]}: ` +
      `the step at context c redoes the prefill of c tokens. Week 2's KV cache makes each step process one new token.`,
  );
  if (readBw !== null) {
    console.log(`(the decode ceiling with a KV cache: read bandwidth / weights per token = ${(readBw / 1e9).toFixed(1)} GB/s / ${(weightBytes / 1e9).toFixed(2)} GB = ${(readBw / weightBytes).toFixed(1)} tokens/s)`);
  }
}
