// llama.cpp (through node-llama-cpp, CPU only, prebuilt binaries) on random weights in
// Qwen2-0.5B's shapes (or another Qwen2 config's), Q4_0 and F16, timed like week 2's
// model (model-week2.ts): prefill of a 128-token prompt into an empty context (median
// of runs), and greedy decode steps at context c (c prompt tokens evaluated first; one
// warm-up step, then the median of fixed steps). Given our models for the same weights
// (OursRunner), each round times llama.cpp and then ours, prefill and every context, so
// that both sides see the same minutes of a shared machine (whose speed moves by 2x
// from one minute to the next on the bench's cloud EPYCs). The GGUF files are written
// to a temp folder and deleted after.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

import { writeQwen2Gguf, type GgufWeights } from "./gguf-qwen2";
import { ensureNodeLlamaCpp, NODE_LLAMA_CPP_VERSION, nodeLlamaCppDir, prebuiltPackage } from "./llama-cpp-install";
import { readMeter } from "./memory";
import { QWEN2_0_5B_CONFIG } from "./qwen2-shapes";
import { median, now } from "./stats";

export const LLAMA_PREFILL_TOKENS = 128;
export const LLAMA_DECODE_CONTEXTS = [16, 512];
const ROUNDS = 3; // of llama.cpp then ours, after a warm-up prefill
const DECODE_STEPS = 16; // timed per round and context, after one warm-up step
/** How long llama.cpp's spinning workers get to go idle before ours run, and back. */
const SETTLE_MS = 100;

/** Our model's side of the comparison, timed in turns with llama.cpp's. */
export interface OursRunner {
  /** What runs, e.g. "week2_ref 4-bit g64, int8 activations". */
  label: string;
  /** Seconds of one LLAMA_PREFILL_TOKENS-token prefill into an empty cache. */
  prefill(): number;
  /** Seconds of each of `steps` greedy decode steps after `context` cached tokens (a warm-up step first, not counted). */
  decode(context: number, steps: number): number[];
}

/** Our runners by the llama.cpp weights each is set against: "Q4_0" (our 4-bit models), "F16" (our bf16). */
export type OursRunners = Partial<Record<GgufWeights, OursRunner[]>>;

/** Our model's figures from the rounds with llama.cpp. */
export interface OursFigures {
  label: string;
  /** Tokens/s of a LLAMA_PREFILL_TOKENS-token prefill. */
  prefill: number;
  /** Decode tokens/s at each context of LLAMA_DECODE_CONTEXTS (timed in the same rounds as llama.cpp's). */
  decode: Record<number, number>;
}

/** OursFigures by the llama.cpp weights they were timed against. */
export type OursByWeights = Partial<Record<GgufWeights, OursFigures[]>>;

/** llama.cpp's figures for one weight type. */
export interface LlamaFigures {
  weights: GgufWeights;
  fileBytes: number;
  /** Tokens/s of a LLAMA_PREFILL_TOKENS-token prefill. */
  prefill: number;
  /** Decode tokens/s at each of LLAMA_DECODE_CONTEXTS. */
  decode: Record<number, number>;
  /** Bytes/s of the plain read (readMeter) before each round's decode steps and after the last: their median. */
  read: number;
}

// The parts of node-llama-cpp's API used here and by llama-serve.ts (it is not a
// dependency, so its types are not either).
type Token = number;
interface LlamaSequence {
  clearHistory(): Promise<void>;
  evaluateWithoutGeneratingNewTokens(tokens: Token[]): Promise<void>;
  evaluate(tokens: Token[], options?: { temperature?: number; yieldEogToken?: boolean }): AsyncGenerator<Token, void, void | Token | Token[]>;
}
interface LlamaContext { getSequence(): LlamaSequence; dispose(): Promise<void> }
interface LlamaModel {
  createContext(o: { contextSize: number; batchSize: number; threads: { ideal: number; min: number }; sequences: number }): Promise<LlamaContext>;
  dispose(): Promise<void>;
}
export interface Llama {
  cpuMathCores: number;
  loadModel(o: { modelPath: string; gpuLayers: number }): Promise<LlamaModel>;
  dispose(): Promise<void>;
}
interface NodeLlamaCpp {
  getLlama(o: Record<string, unknown>): Promise<Llama>;
}

/** Loads node-llama-cpp's prebuilt CPU binary; never downloads or builds llama.cpp. */
export async function loadLlama(threads: number, log: (line: string) => void): Promise<Llama> {
  const entry = ensureNodeLlamaCpp(log);
  const mod = (await import(pathToFileURL(entry).href)) as NodeLlamaCpp;
  try {
    return await mod.getLlama({
      gpu: false, build: "never", usePrebuiltBinaries: true, skipDownload: true,
      progressLogs: false, logLevel: "error", maxThreads: threads,
    });
  } catch (e) {
    const err = e as Error;
    const msg = [err.name, err.message].filter((m) => m && m !== "Error").join(": ").split("\n")[0];
    throw new Error(`llama.cpp's prebuilt binary (${prebuiltPackage()}@${NODE_LLAMA_CPP_VERSION}) did not load on this machine (${msg}); delete ${nodeLlamaCppDir()} to reinstall it`);
  }
}

/** `n` token ids of ordinary vocabulary entries (the values do not change the timings). */
function promptTokens(n: number, seed: number): Token[] {
  return Array.from({ length: n }, (_, i) => 1000 + ((i * 7919 + seed * 104729) % 100000));
}

const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

/** Seconds of one prefill (prompt `seed`) into an emptied sequence. */
async function timePrefill(seq: LlamaSequence, seed: number): Promise<number> {
  await seq.clearHistory();
  const t = now();
  await seq.evaluateWithoutGeneratingNewTokens(promptTokens(LLAMA_PREFILL_TOKENS, seed));
  return now() - t;
}

/** Seconds of each of DECODE_STEPS decode steps at `context`, after a warm-up step. */
async function timeDecode(seq: LlamaSequence, context: number): Promise<number[]> {
  await seq.clearHistory();
  const prompt = promptTokens(context, 1);
  await seq.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
  const times: number[] = [];
  let t = now();
  let step = 0;
  // Each yield is one step: the previous token evaluated, the next one picked greedily
  // (an end-of-generation token too: random weights pick one now and then).
  for await (const _ of seq.evaluate(prompt.slice(-1), { temperature: 0, yieldEogToken: true })) {
    const t1 = now();
    if (step > 0) times.push(t1 - t);
    t = t1;
    if (++step > DECODE_STEPS) break;
  }
  if (times.length !== DECODE_STEPS) throw new Error(`llama.cpp stopped after ${times.length} of ${DECODE_STEPS} decode steps at context ${context}`);
  return times;
}

/** llama.cpp's figures on `file`, and those of `ours`, timed in turns: ROUNDS rounds of a prefill each, then decode steps at each context each. */
async function benchOne(
  llama: Llama, file: string, weights: GgufWeights, threads: number, ours: OursRunner[],
): Promise<{ llama: LlamaFigures; ours: OursFigures[] }> {
  const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
  try {
    const contextSize = Math.max(...LLAMA_DECODE_CONTEXTS, LLAMA_PREFILL_TOKENS) + DECODE_STEPS + 8;
    const ctx = await model.createContext({ contextSize, batchSize: LLAMA_PREFILL_TOKENS, threads: { ideal: threads, min: threads }, sequences: 1 });
    try {
      const seq = ctx.getSequence();
      await timePrefill(seq, 0); // warm-up
      // Seconds by side: llama.cpp's first, then each of ours.
      const side = (): { prefill: number[]; decode: Record<number, number[]> } => ({ prefill: [], decode: {} });
      const sides = [side(), ...ours.map(side)];
      const meter = readMeter();
      const reads: number[] = []; // the decode rows' roofline, in the same minutes
      for (let round = 1; round <= ROUNDS; round++) {
        sides[0].prefill.push(await timePrefill(seq, round));
        for (const [i, o] of ours.entries()) {
          await settle();
          sides[i + 1].prefill.push(o.prefill());
        }
        await settle();
        reads.push(meter());
        for (const c of LLAMA_DECODE_CONTEXTS) {
          await settle();
          (sides[0].decode[c] ??= []).push(...(await timeDecode(seq, c)));
          for (const [i, o] of ours.entries()) {
            await settle();
            (sides[i + 1].decode[c] ??= []).push(...o.decode(c, DECODE_STEPS));
          }
        }
      }
      reads.push(meter());
      const figures = (side: (typeof sides)[number]) => ({
        prefill: LLAMA_PREFILL_TOKENS / median(side.prefill),
        decode: Object.fromEntries(LLAMA_DECODE_CONTEXTS.map((c) => [c, 1 / median(side.decode[c])])),
      });
      return {
        llama: { weights, fileBytes: fs.statSync(file).size, ...figures(sides[0]), read: median(reads) },
        ours: ours.map((o, i) => ({ label: o.label, ...figures(sides[i + 1]) })),
      };
    } finally {
      await ctx.dispose();
    }
  } finally {
    await model.dispose();
  }
}

/** Which shapes llama.cpp runs: a Qwen2 config.json and its name in file names and logs. */
export interface LlamaShapes {
  config: typeof QWEN2_0_5B_CONFIG;
  label: string;
}

/**
 * llama.cpp's prefill and decode figures on random weights in `shapes` (default
 * Qwen2-0.5B's), each of `weights` in turn, on `threads` threads, and those of `ours`
 * for the same weights, timed in turns with it. Installs node-llama-cpp on first use;
 * writes each GGUF (0.5B: 0.3 and 1 GB) to a temp folder and deletes it after.
 */
export async function benchLlamaCpp(
  threads: number, log: (line: string) => void = console.log,
  shapes: LlamaShapes = { config: QWEN2_0_5B_CONFIG, label: "Qwen2-0.5B" }, weights: readonly GgufWeights[] = ["Q4_0", "F16"],
  ours: OursRunners = {},
): Promise<{ llama: LlamaFigures[]; ours: OursByWeights }> {
  const llama = await loadLlama(threads, log);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-bench-llama-"));
  try {
    const out: LlamaFigures[] = [];
    const oursOut: OursByWeights = {};
    for (const w of weights) {
      const file = path.join(root, `${shapes.label.toLowerCase()}-${w}.gguf`);
      const t = now();
      writeQwen2Gguf(file, shapes.config, w);
      log(`wrote a random ${shapes.label} GGUF, ${w}: ${(fs.statSync(file).size / 1e9).toFixed(2)} GB in ${(now() - t).toFixed(1)} s`);
      const figures = await benchOne(llama, file, w, threads, ours[w] ?? []);
      out.push(figures.llama);
      if (figures.ours.length > 0) oursOut[w] = figures.ours;
      fs.rmSync(file);
    }
    return { llama: out, ours: oursOut };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    await llama.dispose();
  }
}
