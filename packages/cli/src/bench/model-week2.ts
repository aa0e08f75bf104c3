// The week 2 rows of `pnpm bench --part model`: a solution's Qwen2ModelWeek2 (KV cache,
// packed quantized weights, flash attention) on random checkpoints in Qwen2-0.5B's
// shapes, bf16 and MLX 4-bit (group 64), each loaded from a real checkpoint folder; then
// its Qwen3ModelWeek2 the same way in Qwen3-0.6B's shapes (benchQwen3Week2).
//
// Decode at context c: the cache is filled with c tokens of random keys and values
// (what a prefill of c tokens leaves, at the cost of none: a step's time depends on
// how many tokens the cache holds, not on their values), then single-token steps are
// timed. A decode step reads every weight once plus the whole cache, so its ceiling is
//
//   read bandwidth / (bytes of the weights as stored + layers x 2 x H_kv x c x D x 4)
//
// (the cache is float32, like the activations, unless a row keeps it in bfloat16). The
// read bandwidth is measured before, between and after a checkpoint's decode rounds, and
// its median is that checkpoint's: on a machine whose bandwidth moves from minute to
// minute (a neighbour on the memory), one read at the start of a run was once 47.6 GB/s
// against 68-94 in other runs, and made a 7B decode read "107% of the roofline".
import { fork } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import * as mx from "@tiny-llm/array";
import { load } from "@tiny-llm/loader";
import { ensureTinyModels, TINY_MODEL_4BIT_DIR } from "@tiny-llm/tiny-model";

import type { Activations, KvDtype } from "@tiny-llm/tiny-llm-week2-ref";
import { loadSolution, week2Of, type CachedModel, type Solution, type SolutionName } from "../solution";
import type { OursRunner, OursRunners } from "./llama-cpp";
import type { LoadPeakRss } from "./load-peak-rss";
import { readMeter } from "./memory";
import { writeQuantizedCheckpoint } from "./quantized-checkpoint";
import { QWEN2_0_5B_CONFIG, QWEN3_0_6B_CONFIG, shapesOf, type Qwen2Shapes } from "./qwen2-shapes";
import { SharedRandomCheckpoint } from "./random-checkpoint";
import { median, now } from "./stats";
import { printColumns } from "./table";

export const PREFILL_TOKENS = 128;
export const DECODE_CONTEXTS_WEEK2 = [16, 512, 2048];
const DECODE_STEPS = 5; // timed per round and context, after one warm-up step
// Untimed decode steps after loading: V8 compiles the step's functions with TurboFan over
// its first hundred or so (on 2 cores its compiler threads take a core from the kernels:
// 0.5B 4-bit steps of 10-35 ms, then 8-9 ms), and the figures are the steady state's,
// as a server's thousands of steps see it (llama.cpp has no JIT to warm).
export const WARMUP_DECODE_STEPS = 150;
// Rounds over the contexts, so that each context's figure comes from the same minutes of a
// shared machine as the others' (its speed moves 2x between minutes): the ratio of decode
// at 2048 to decode at 16 is one of the bench's bars.
const DECODE_ROUNDS = 3;
const PREFILL_RUNS = 3;
export const QUANT = { groupSize: 64, bits: 4 };

export interface ModelWeek2BenchOptions {
  /** The bench's --solution; one without week 2 (week1_ref) runs week2_ref. */
  solution: SolutionName;
  /** Plain memory read bytes/s measured in this run. */
  readBandwidth: number;
  /** The random bf16 checkpoint in Qwen2-0.5B's shapes, shared with week 1's rows. */
  checkpoint: SharedRandomCheckpoint;
}

/** One layer's cache, as the week 2 API defines it (TinyKvCache). */
interface KvCache {
  updateAndFetch(key: mx.array, value: mx.array): [mx.array, mx.array];
}

/** Bytes of a checkpoint folder's safetensors files. */
export const folderBytes = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith(".safetensors")).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
const gb = (bytes: number) => (bytes / 1e9).toFixed(2);

/** KV cache bytes at `context` tokens (keys and values of every layer, float32 unless kvDtype says otherwise). */
export function kvBytes(s: Qwen2Shapes, context: number, kvDtype: KvDtype = "float32"): number {
  return s.layers * 2 * s.kvHeads * context * s.headDim * (kvDtype === "float32" ? 4 : 2);
}

/** A cache holding `context` tokens of random keys and values, in the cache's dtype. */
function filledCache(model: CachedModel, s: Qwen2Shapes, context: number, kvDtype: KvDtype): unknown[] {
  const cache = model.makeCache() as KvCache[];
  cache.forEach((layer, i) => {
    const kv = (seed: number) => mx.random.normal([1, s.kvHeads, context, s.headDim], { key: mx.random.key(seed) }).astype(kvDtype);
    layer.updateAndFetch(kv(2 * i), kv(2 * i + 1));
  });
  return cache;
}

/** `model`'s prefill and decode steps as functions to time (OursRunner), named `label`; its cache keeps kvDtype. */
export function runner(model: CachedModel, s: Qwen2Shapes, label: string, kvDtype: KvDtype = "float32"): OursRunner {
  const ids = mx.random.randint(0, s.vocab, [1, PREFILL_TOKENS], { key: mx.random.key(7) });
  return {
    label,
    prefill() {
      const t = now();
      model.forward(ids, 0, model.makeCache(), { lastOnly: true });
      return now() - t;
    },
    decode(context, steps) {
      const cache = filledCache(model, s, context, kvDtype);
      let token = 1;
      const times: number[] = [];
      for (let i = 0; i <= steps; i++) {
        const t = now();
        const logits = model.forward(mx.array([[token]], "int32"), context + i, cache, { lastOnly: true }); // 1 x 1 x V
        token = logits.reshape(s.vocab).argmax().item() as number;
        if (i > 0) times.push(now() - t);
      }
      return times;
    },
  };
}

/** Peak RSS of a child process that loads `dir` into the week 2 model. */
function loadPeakRss(solution: SolutionName, dir: string): Promise<LoadPeakRss> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, "load-peak-rss.ts"), [solution, dir], { execArgv: process.execArgv });
    let got: LoadPeakRss | null = null;
    child.on("message", (m) => (got = m as LoadPeakRss));
    child.on("error", reject);
    child.on("exit", (code) => (got ? resolve(got) : reject(new Error(`the load-peak-rss child exited with code ${code}`))));
  });
}

/** The figures of one model class on each checkpoint folder of `dirs` (bf16, 4-bit), and, when asked for, its models to time beside llama.cpp's. */
export interface FolderFigures {
  rows: string[][];
  ratios: string[];
  ours: OursRunners;
}

/** One row group of the table: a checkpoint folder, how the model multiplies its quantized weights, and its KV cache's dtype. */
export interface Run {
  kind: string;
  dir: string;
  activations?: Activations;
  kvDtype?: KvDtype;
}

/**
 * Loads each run's folder into `Model` (named `className`), then times a prefill and
 * decode steps at each context. With `keepModels` the models stay loaded, returned as
 * runners for llama.cpp's table; without, each is dropped before the next loads (two
 * Qwen2-7B models are 8.6 GB).
 */
export function benchFolders(
  Model: NonNullable<Solution["Qwen2ModelWeek2"]>, className: string,
  solution: SolutionName, s: Qwen2Shapes, runs: Run[], keepModels: boolean,
): FolderFigures {
  const meter = readMeter();
  const rows: string[][] = [];
  const ratios: string[] = [];
  const ours: OursRunners = {};
  for (const { kind, dir, activations, kvDtype = "float32" } of runs) {
    const t = now();
    const loaded = load(dir);
    const model = new Model(loaded, { activations, kvDtype });
    loaded.weights.close();
    const weightBytes = folderBytes(dir); // every tensor as stored (headers are a few KB)
    console.log(`${kind}: load() + new ${className} (${solution}) ${(now() - t).toFixed(1)} s`);
    model.forward(mx.array([[1, 2, 3, 4]], "int32"), 0, model.makeCache(), { lastOnly: true }); // warm-up
    const label = `${solution} ${kind === "bf16" ? "bf16" : `4-bit g${QUANT.groupSize}`}${activations === "int8" ? ", int8 activations" : ""}${kvDtype === "float32" ? "" : `, ${kvDtype} KV cache`}`;
    const run = runner(model, s, label, kvDtype);
    run.decode(DECODE_CONTEXTS_WEEK2[0], WARMUP_DECODE_STEPS);
    const p = median(Array.from({ length: PREFILL_RUNS }, () => run.prefill()));
    const steps: Record<number, number[]> = {};
    const reads: number[] = []; // the read, between the rounds: the roofline of these rows
    for (let round = 0; round < DECODE_ROUNDS; round++) {
      reads.push(meter());
      for (const c of DECODE_CONTEXTS_WEEK2) (steps[c] ??= []).push(...run.decode(c, DECODE_STEPS));
    }
    reads.push(meter());
    const read = median(reads);
    const decode = DECODE_CONTEXTS_WEEK2.map((c) => {
      const step = median(steps[c]);
      const bytes = weightBytes + kvBytes(s, c, kvDtype);
      const roofline = read / bytes;
      rows.push([
        kind, c === DECODE_CONTEXTS_WEEK2[0] ? (PREFILL_TOKENS / p).toFixed(1) : "", `${c}`, (1 / step).toFixed(2),
        gb(bytes), c === DECODE_CONTEXTS_WEEK2[0] ? (read / 1e9).toFixed(1) : "", roofline.toFixed(2), `${((1 / step / roofline) * 100).toFixed(0)}%`,
      ]);
      return 1 / step;
    });
    ratios.push(`${kind} ${(decode[decode.length - 1] / decode[0]).toFixed(2)}`);
    // llama.cpp's table sets its default (f16 cache) beside our float32 caches only.
    if (keepModels && kvDtype === "float32") (ours[kind === "bf16" ? "F16" : "Q4_0"] ??= []).push(run);
  }
  return { rows, ratios, ours };
}

/** The table of benchFolders' rows, with how it was measured. */
export function printWeek2Table(solution: SolutionName, readBandwidth: number, rows: string[][], ratios: string[]): void {
  console.log(
    `\nWeek 2 (${solution}): prefill of ${PREFILL_TOKENS} tokens (median of ${PREFILL_RUNS}); decode steps at context c ` +
      `(after ${WARMUP_DECODE_STEPS} untimed steps once loaded; cache filled with c random tokens, ${DECODE_STEPS} steps after a warm-up step, in ${DECODE_ROUNDS} rounds over the contexts; median); ` +
      `roofline = read bandwidth / (weights as stored + KV cache at c, f32 unless the row says bf16), the read measured before, between and after the rounds ` +
      `of each weights' rows (median of ${DECODE_ROUNDS + 1}; the run's first read: ${(readBandwidth / 1e9).toFixed(1)} GB/s):`,
  );
  printColumns(["weights", `prefill ${PREFILL_TOKENS} tok/s`, "context", "decode tok/s", "GB read/token", "read GB/s", "roofline tok/s", "of roofline"], rows);
  console.log(`decode at ${DECODE_CONTEXTS_WEEK2[DECODE_CONTEXTS_WEEK2.length - 1]} / decode at ${DECODE_CONTEXTS_WEEK2[0]}: ${ratios.join(", ")}`);
}

/**
 * The solution whose week 2 model a bench runs (`requested`, or week2_ref where it has no
 * week 2) and its class `name`, or a one-line error where that solution lacks it.
 */
export async function week2Model<N extends "Qwen2ModelWeek2" | "Qwen3ModelWeek2">(
  requested: SolutionName, name: N,
): Promise<{ solution: SolutionName; Model: NonNullable<Solution[N]> }> {
  const solution = week2Of(requested);
  const Model = (await loadSolution(solution))[name];
  if (!Model) throw new Error(`${solution} has no ${name}`);
  return { solution, Model: Model as NonNullable<Solution[N]> };
}

/** Runs the week 2 rows; returns its models, to time in turns with llama.cpp's. */
export async function benchModelWeek2(opts: ModelWeek2BenchOptions): Promise<OursRunners> {
  const { solution, Model: Week2 } = await week2Model(opts.solution, "Qwen2ModelWeek2");
  // The tiny 4-bit model first: an exercise not written yet fails in a second.
  ensureTinyModels();
  const tiny = load(TINY_MODEL_4BIT_DIR);
  const tinyModel = new Week2(tiny);
  tinyModel.forward(mx.array([[1, 2, 3]], "int32"), 0, tinyModel.makeCache(), { lastOnly: true });
  tiny.weights.close();

  const s = shapesOf(QWEN2_0_5B_CONFIG);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-bench-week2-"));
  try {
    const dirs = { bf16: opts.checkpoint.dir(), "4-bit": root };
    const t = now();
    writeQuantizedCheckpoint(dirs.bf16, dirs["4-bit"], QUANT.groupSize, QUANT.bits);
    console.log(`wrote its MLX 4-bit copy (group ${QUANT.groupSize}), ${gb(folderBytes(dirs["4-bit"]))} GB, in ${(now() - t).toFixed(1)} s`);

    const rss = await loadPeakRss(solution, dirs["4-bit"]);
    const runs: Run[] = [
      { kind: "bf16", dir: dirs.bf16 }, { kind: "4-bit", dir: dirs["4-bit"] }, { kind: "4-bit int8", dir: dirs["4-bit"], activations: "int8" },
      { kind: "4-bit int8 bf16 KV", dir: dirs["4-bit"], activations: "int8", kvDtype: "bfloat16" },
    ];
    const { rows, ratios, ours } = benchFolders(Week2, "Qwen2ModelWeek2", solution, s, runs, true);
    printWeek2Table(solution, opts.readBandwidth, rows, ratios);
    console.log(
      `peak RSS loading the 4-bit checkpoint (child process, VmHWM): ${gb(rss.peak)} GB, ${gb(rss.peak - rss.baseline)} GB (${((rss.peak - rss.baseline) / folderBytes(dirs["4-bit"])).toFixed(2)}x the files) for the weights above its ${gb(rss.baseline)} GB with config and tokenizer loaded; ` +
        `checkpoint files ${gb(folderBytes(dirs["4-bit"]))} GB`,
    );
    return ours;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The week 2 rows in Qwen3-0.6B's shapes (16 query heads of D = 128 in E = 1024, 8 KV
 * heads, 28 layers, per-head q/k norms): the solution's Qwen3ModelWeek2 on a random bf16
 * checkpoint and its MLX 4-bit copy, as benchModelWeek2 runs Qwen2-0.5B's.
 */
export async function benchQwen3Week2(opts: { solution: SolutionName; readBandwidth: number }): Promise<void> {
  const { solution, Model } = await week2Model(opts.solution, "Qwen3ModelWeek2");
  const checkpoint = new SharedRandomCheckpoint(QWEN3_0_6B_CONFIG, "Qwen3-0.6B");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-bench-qwen3-"));
  try {
    const dirs = { bf16: checkpoint.dir(), "4-bit": root };
    writeQuantizedCheckpoint(dirs.bf16, dirs["4-bit"], QUANT.groupSize, QUANT.bits);
    const s = shapesOf(QWEN3_0_6B_CONFIG);
    const runs: Run[] = [{ kind: "bf16", dir: dirs.bf16 }, { kind: "4-bit", dir: dirs["4-bit"] }];
    const { rows, ratios } = benchFolders(Model, "Qwen3ModelWeek2", solution, s, runs, false);
    printWeek2Table(solution, opts.readBandwidth, rows, ratios);
  } finally {
    checkpoint.remove();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
