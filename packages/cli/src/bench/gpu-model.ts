// Week 2's model (week2_ref's Qwen2ModelWeek2) on the GPU, on random MLX 4-bit weights
// (group 64) in Qwen2-0.5B's and Qwen2-7B's shapes, loaded from a real checkpoint folder,
// multiplying x as it is, x quantized to int8 and, on a GPU with matrix units, x rounded
// to float16 (Week2ModelOptions.activations).
// A run is a generation as `pnpm main --device gpu` does it: a prefill of P random tokens
// into a fresh cache, then D decode steps of one token each, every token read back
// (argmax, awaited) while the GPU runs the steps after it (main/overlapped-generate.ts).
// Each decode run is done twice, its steps recorded and its steps replayed from a graph
// where they can be (DecodeGraph, as pnpm main does), to show what replaying saves the host.
// Prefill tok/s: P / the prefill's time; decode tok/s: D / the D steps' time (the first
// token, the prefill's, not counted). Median of `runs` runs after a warm-up run of four
// times as many decode steps: on an H200's host the first few hundred decode steps of a
// process ran up to twice as slowly as later ones (0.5B shapes, four runs of 300 steps in
// one process: 116, 156, 269 and 286 tok/s), and the warm-up of two steps this bench had
// left that in its figures. A decode step reads every weight once plus the cache,
// so its ceiling is
//
//   GPU read bandwidth / (packed bytes of the matmul weights and the head + f32 KV cache)
//
// (the embedding lookup reads a row a token; norms and biases are left out).
import * as mx from "@tiny-llm/array";
import { load } from "@tiny-llm/loader";
import { type Activations, f16MatrixUnits, Qwen2ModelWeek2 } from "@tiny-llm/tiny-llm-week2-ref";

import { DecodeGraph } from "../main/decode-graph";
import { GPU_STEPS_AHEAD, overlappedSteps } from "../main/overlapped-generate";
import { kvBytes } from "./model-week2";
import { shapesOf, weightBytesPerForward, type Qwen2Shapes, type ShapesConfig } from "./qwen2-shapes";
import { SharedRandomCheckpoint, type Quantization } from "./random-checkpoint";
import { gpuActivations } from "./gpu-quantized-matmul";
import { gpuHasTimestamps } from "./gpu-timing";
import { median, now } from "./stats";
import { printColumns } from "./table";

const QUANT: Quantization = { group_size: 64, bits: 4 };
/** Packed bytes per weight: the codes, and a bf16 scale and bias per group. */
const BYTES_PER_WEIGHT = QUANT.bits / 8 + 4 / QUANT.group_size;

export interface GpuModelSizes {
  configs: { label: string; config: ShapesConfig }[];
  prefillTokens: number;
  decodeTokens: number;
  runs: number;
}

/** A decode-rate bar of the issue: at least `minTokS`, at least `minOfRoofline` of the roofline. */
const BARS: Record<string, { minTokS?: number; minOfRoofline?: number }> = {
  "Qwen2-0.5B": { minTokS: 200 },
  "Qwen2-7B": { minOfRoofline: 0.5 },
};

type Model = InstanceType<typeof Qwen2ModelWeek2>;

/** The greedy next token of `logits` (1 x L x V), recorded (not yet read). */
function nextToken(logits: mx.array): mx.array {
  const V = logits.shape[logits.ndim - 1];
  return logits.reshape([V]).argmax();
}

/** A prompt of `P` token ids, 1 x P (any ids do on random weights). */
function promptIds(s: Qwen2Shapes, P: number): mx.array {
  return mx.array(Int32Array.from({ length: P }, (_, i) => (i * 7919 + 13) % s.vocab)).reshape([1, P]);
}

/** One generation's figures: seconds of prefill (and of recording its kernels) and of decode; of decode, seconds of the host's part (recording kernels, or replaying them), kernels launched, bind groups made and steps replayed. */
interface RunFigures {
  prefill: number;
  prefillRecord: number;
  decode: number;
  record: number;
  kernels: number;
  bindGroups: number;
  replayed: number;
}

/** A prefill of `P` tokens and `D` decode steps after it (the default device: the GPU), each step recorded, or replayed where it can be (DecodeGraph) with `replay`. */
async function generateOnce(model: Model, s: Qwen2Shapes, P: number, D: number, replay: boolean): Promise<RunFigures> {
  const ids = promptIds(s, P);
  const cache = model.makeCache();
  let offset = 0;
  /** Records a step on `inputs` (1 x L ids) at `offset`; its token, 1 x 1, not read back yet. */
  const record = (inputs: mx.array): mx.array => mx.tidy(() => nextToken(model.forward(inputs, offset, cache, { lastOnly: true })).reshape(1, 1));
  let t = now();
  const first = record(ids);
  const prefillRecord = now() - t; // the GPU runs the first batches meanwhile
  await first.itemAsync();
  const prefill = now() - t;
  offset = P;
  const graph = replay ? new DecodeGraph(cache) : null;
  let host = 0;
  const before = mx.gpu.stats();
  t = now();
  // As `pnpm main --device gpu` does: each step recorded (or replayed) from the token
  // before it, still on the GPU, while the GPU runs that token's step; the host's part
  // timed apart from the wait for the GPU's.
  await overlappedSteps((prev) => {
    const r = now();
    const next = graph === null ? record(prev ?? first) : graph.step(prev ?? first, record);
    offset++;
    host += now() - r;
    return next;
  }, D, () => true, GPU_STEPS_AHEAD);
  const decode = now() - t;
  mx.dispose(first);
  graph?.release();
  const after = mx.gpu.stats();
  return { prefill, prefillRecord, decode, record: host, kernels: after.dispatches - before.dispatches, bindGroups: after.bindGroups - before.bindGroups, replayed: graph?.replayed ?? 0 };
}

/** Decode steps run one at a time to time the GPU's part of a step (gpuStepTime). */
const ALONE_STEPS = 24;

/**
 * Seconds from a decode step's submit to its token on the host, the median of
 * ALONE_STEPS steps after a prefill of `P` tokens, each recorded once the token before it
 * is read (so the GPU has nothing else to run): the GPU's time for a step as a decode runs
 * it (no pass per launch, as in the timeline), plus one read's round trip. Beside the
 * host's recording time, it says which of the two sets a decode's pace.
 */
async function gpuStepTime(model: Model, s: Qwen2Shapes, P: number): Promise<number> {
  const cache = model.makeCache();
  let token = mx.tidy(() => nextToken(model.forward(promptIds(s, P), 0, cache, { lastOnly: true })).reshape(1, 1));
  await token.itemAsync();
  const times: number[] = [];
  for (let i = 0; i < ALONE_STEPS; i++) {
    const prev = token;
    mx.gpu.fullBatches(); // one batch, as a decode records it, though the GPU is idle after the read
    token = mx.tidy(() => nextToken(model.forward(prev, P + i, cache, { lastOnly: true })).reshape(1, 1));
    mx.dispose(prev);
    mx.gpu.submit();
    const t = now();
    await token.itemAsync();
    times.push(now() - t);
  }
  mx.dispose(token);
  return median(times);
}

/** Decode steps timed kernel by kernel on the GPU's clock (mx.gpu.profile), after a prefill of P tokens. */
const PROFILED_STEPS = 8;

/** A GPU timeline: per kernel, launches and GPU microseconds per unit of work (a prefill, a token), most first, and their sum (the GPU's busy time). */
interface TimelineFigures {
  rows: string[][];
  busy: number;
}

/** The GPU timeline of what `run` records and awaits, divided by `per` (mx.gpu.profile). */
async function profiled(run: () => Promise<void>, per: number): Promise<TimelineFigures> {
  const kernels = await mx.gpu.profile(run);
  const busy = kernels.reduce((sum, k) => sum + k.seconds, 0) / per;
  const rows = kernels.map((k) => [k.label, (k.launches / per).toFixed(0), ((k.seconds / per) * 1e6).toFixed(0), `${((k.seconds / per / busy) * 100).toFixed(0)}%`]);
  return { rows, busy };
}

/**
 * The GPU timelines of a prefill of `P` tokens and of `steps` decode steps after it. Each
 * launch runs in a pass of its own here, which costs each a few microseconds more than in
 * a plain run: on an H200 a trivial kernel took 6.9 us so, and 2.3 us a launch in a chain
 * of them in one pass, so a 7B decode step's timeline (315 launches) reads about 1.5 ms
 * (315 x 4.7 us) over the step's GPU time.
 */
async function gpuTimelines(model: Model, s: Qwen2Shapes, P: number, steps: number): Promise<{ prefill: TimelineFigures; decode: TimelineFigures }> {
  const cache = model.makeCache();
  const ids = promptIds(s, P);
  let token = ids;
  const step = async (offset: number) => {
    const prev = token;
    token = mx.tidy(() => nextToken(model.forward(prev, offset, cache, { lastOnly: true })).reshape(1, 1));
    mx.dispose(prev);
    await token.itemAsync();
  };
  const prefill = await profiled(() => step(0), 1);
  const decode = await profiled(async () => {
    for (let i = 0; i < steps; i++) await step(P + i);
  }, steps);
  mx.dispose(token);
  return { prefill, decode };
}

/**
 * What the 4-bit weights multiply: x itself, x quantized to int8 on the GPU, then (on a
 * GPU with matrix units) x rounded to float16 for the prefill (Week2ModelOptions.activations).
 */
function activationsToRun(): Activations[] {
  const units = f16MatrixUnits();
  if ("missing" in units) console.log(`(no float16 rows: this GPU lacks ${units.missing})`);
  return gpuActivations();
}

/** A model's GPU timelines (gpuTimelines()), under the label of its row. */
type Timeline = { label: string; prefill: TimelineFigures; decode: TimelineFigures };

/**
 * The row of the model in `dir` (shapes `s`, bars of `name`) multiplying `activations`,
 * loaded as `pnpm main --device gpu` loads it; its timeline too when the GPU has timestamps.
 */
async function modelRow(name: string, label: string, dir: string, s: Qwen2Shapes, activations: Activations, sizes: GpuModelSizes, readBandwidth: number): Promise<{ row: string[]; timeline?: Timeline }> {
  const { prefillTokens: P, decodeTokens: D, runs } = sizes;
  const t = now();
  // As `pnpm main --device gpu` (main/device.ts): weights moved at load, tensor by tensor,
  // and the GPU the default device, so that what the model makes (caches, masks) lands there.
  const loaded = load(dir);
  loaded.weights.device = "gpu";
  mx.setDefaultDevice("gpu");
  try {
    const model = new Qwen2ModelWeek2(loaded, { activations });
    loaded.weights.close();
    await mx.gpu.synchronize();
    console.log(`${label}: load() + new Qwen2ModelWeek2 (week2_ref) with its weights on the GPU: ${(now() - t).toFixed(1)} s`);
    await generateOnce(model, s, P, 4 * D, true); // warm-up: pipelines, buffers, and the host's slow first steps
    // Recorded and replayed runs taken in turn, so that a slow spell of the host hits both.
    const figures: Record<"recorded" | "replayed", RunFigures[]> = { recorded: [], replayed: [] };
    for (let r = 0; r < runs; r++) {
      figures.recorded.push(await generateOnce(model, s, P, D, false));
      figures.replayed.push(await generateOnce(model, s, P, D, true));
    }
    const alone = await gpuStepTime(model, s, P);
    const timeline = gpuHasTimestamps() ? { label, ...(await gpuTimelines(model, s, P, PROFILED_STEPS)) } : undefined;
    const prefill = P / median(figures.replayed.map((f) => f.prefill));
    const prefillRecord = median(figures.replayed.map((f) => f.prefillRecord));
    const decodeOf = (runs: RunFigures[]) => D / median(runs.map((f) => f.decode));
    const decode = decodeOf(figures.replayed);
    const fastestOf = (runs: RunFigures[]) => runs.reduce((a, b) => (a.decode < b.decode ? a : b));
    const fastest = fastestOf(figures.replayed);
    const host = (f: RunFigures) => ((f.record / D) * 1e3).toFixed(2);
    const bytes = weightBytesPerForward(s, BYTES_PER_WEIGHT) + kvBytes(s, P + D / 2);
    const roofline = readBandwidth / bytes;
    const bar = BARS[name] ?? {};
    const verdicts = [
      bar.minTokS === undefined ? "" : `decode >= ${bar.minTokS} tok/s ${decode >= bar.minTokS ? "ok" : "LOW"}`,
      bar.minOfRoofline === undefined ? "" : `>= ${(bar.minOfRoofline * 100).toFixed(0)}% of roofline ${decode / roofline >= bar.minOfRoofline ? "ok" : "LOW"}`,
    ].filter((v) => v !== "");
    const row = [
      label, prefill.toFixed(1), (prefillRecord * 1e3).toFixed(1), decodeOf(figures.recorded).toFixed(1), host(fastestOf(figures.recorded)), decode.toFixed(1), `${fastest.replayed}/${D}`,
      host(fastest), ((fastest.decode - fastest.record) / D * 1e3).toFixed(2), (alone * 1e3).toFixed(2), (fastest.kernels / D).toFixed(0), (fastest.bindGroups / D).toFixed(1),
      (bytes / 1e9).toFixed(2), roofline.toFixed(1), `${((decode / roofline) * 100).toFixed(0)}%`, verdicts.join("; ") || "-",
    ];
    return { row, timeline };
  } finally {
    mx.setDefaultDevice("cpu");
  }
}

/** Runs the model rows and prints their table (each row's failure is its row, the others still run). */
export async function benchGpuModels(sizes: GpuModelSizes, readBandwidth: number): Promise<void> {
  const { prefillTokens: P, decodeTokens: D, runs } = sizes;
  const rows: string[][] = [];
  const timelines: Timeline[] = [];
  const activationsRun = activationsToRun();
  for (const { label: shapes, config } of sizes.configs) {
    const name = shapes.split(" ")[0];
    const checkpoint = new SharedRandomCheckpoint(config, name, QUANT);
    try {
      for (const activations of activationsRun) {
        const label = `${shapes}, x ${activations}`;
        try {
          const { row, timeline } = await modelRow(name, label, checkpoint.dir(), shapesOf(config), activations, sizes, readBandwidth);
          rows.push(row);
          if (timeline !== undefined) timelines.push(timeline);
        } catch (e) {
          rows.push([label, `error: ${(e as Error).message.split("\n")[0]}`]);
        }
      }
    } finally {
      checkpoint.remove();
    }
  }
  console.log(
    `\nWeek 2's model on the GPU (week2_ref, MLX 4-bit g${QUANT.group_size}, random weights): prefill of ${P} tokens, then ${D} decode steps ` +
      `(each token read back), median of ${runs}; of the prefill, the host's time recording its kernels (the GPU runs them from the first batch on); each decode step recorded, then replayed where it can be (DecodeGraph, as pnpm main does; steps replayed of the fastest run); ` +
      `of a replayed run's decode step (fastest run): the host's part (recording or replaying its kernels), then waiting for the GPU; the GPU's time for a step run alone ` +
      `(from its submit to its token on the host, median of ${ALONE_STEPS}); the kernels launched and the bind groups made (0 once steps repeat); ` +
      `roofline = GPU read ${(readBandwidth / 1e9).toFixed(1)} GB/s / (packed weights + f32 KV cache at ${P + D / 2}):`,
  );
  printColumns(["model", `prefill ${P} tok/s`, "prefill host ms", "decode tok/s recorded", "host ms/tok", "decode tok/s replayed", "replayed", "host ms/tok", "wait ms/tok", "GPU ms/step alone", "kernels/tok", "new bind groups/tok", "GB read/token", "roofline tok/s", "of roofline", "bar"], rows);
  for (const t of timelines) {
    const kinds = [
      [`a prefill of ${P} tokens, per prefill`, t.prefill],
      [`${PROFILED_STEPS} decode steps after ${P} tokens, per token`, t.decode],
    ] as const;
    for (const [what, f] of kinds) {
      console.log(`\n${t.label}: the GPU's timeline of ${what} (timestamp queries, each launch in a pass of its own, which adds a few microseconds to each: see "GPU ms/step alone" above for a plain step): the GPU busy ${(f.busy * 1e3).toFixed(2)} ms`);
      printColumns(["kernel", "launches", "GPU us", "share"], f.rows);
    }
  }
}
