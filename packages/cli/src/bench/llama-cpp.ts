// llama.cpp (through node-llama-cpp, CPU only, prebuilt binaries) on random weights in
// Qwen2-0.5B's shapes (or another Qwen2 config's), Q4_0 and F16, timed like week 2's
// model (model-week2.ts): prefill of a 128-token prompt into an empty context (median
// of runs), and greedy decode steps at context c (c prompt tokens evaluated first; one
// warm-up step, then the median of fixed steps). The GGUF files are written to a temp
// folder and deleted after.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

import { writeQwen2Gguf, type GgufWeights } from "./gguf-qwen2";
import { ensureNodeLlamaCpp, NODE_LLAMA_CPP_VERSION, nodeLlamaCppDir, prebuiltPackage } from "./llama-cpp-install";
import { QWEN2_0_5B_CONFIG } from "./qwen2-shapes";
import { median, now } from "./stats";

export const LLAMA_PREFILL_TOKENS = 128;
export const LLAMA_DECODE_CONTEXTS = [16, 512];
const PREFILL_RUNS = 3;
const DECODE_STEPS = 16; // timed, after one warm-up step

/** llama.cpp's figures for one weight type. */
export interface LlamaFigures {
  weights: GgufWeights;
  fileBytes: number;
  /** Tokens/s of a LLAMA_PREFILL_TOKENS-token prefill. */
  prefill: number;
  /** Decode tokens/s at each of LLAMA_DECODE_CONTEXTS. */
  decode: Record<number, number>;
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

async function timePrefill(seq: LlamaSequence): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r <= PREFILL_RUNS; r++) {
    await seq.clearHistory();
    const t = now();
    await seq.evaluateWithoutGeneratingNewTokens(promptTokens(LLAMA_PREFILL_TOKENS, r));
    if (r > 0) times.push(now() - t); // run 0 warms up
  }
  return LLAMA_PREFILL_TOKENS / median(times);
}

async function timeDecode(seq: LlamaSequence, context: number): Promise<number> {
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
  return 1 / median(times);
}

async function benchOne(llama: Llama, file: string, weights: GgufWeights, threads: number): Promise<LlamaFigures> {
  const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
  try {
    const contextSize = Math.max(...LLAMA_DECODE_CONTEXTS, LLAMA_PREFILL_TOKENS) + DECODE_STEPS + 8;
    const ctx = await model.createContext({ contextSize, batchSize: LLAMA_PREFILL_TOKENS, threads: { ideal: threads, min: threads }, sequences: 1 });
    try {
      const seq = ctx.getSequence();
      const prefill = await timePrefill(seq);
      const decode: Record<number, number> = {};
      for (const c of LLAMA_DECODE_CONTEXTS) decode[c] = await timeDecode(seq, c);
      return { weights, fileBytes: fs.statSync(file).size, prefill, decode };
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
 * Qwen2-0.5B's), each of `weights` in turn, on `threads` threads. Installs
 * node-llama-cpp on first use; writes each GGUF (0.5B: 0.3 and 1 GB) to a temp folder
 * and deletes it after.
 */
export async function benchLlamaCpp(
  threads: number, log: (line: string) => void = console.log,
  shapes: LlamaShapes = { config: QWEN2_0_5B_CONFIG, label: "Qwen2-0.5B" }, weights: readonly GgufWeights[] = ["Q4_0", "F16"],
): Promise<LlamaFigures[]> {
  const llama = await loadLlama(threads, log);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-bench-llama-"));
  try {
    const out: LlamaFigures[] = [];
    for (const w of weights) {
      const file = path.join(root, `${shapes.label.toLowerCase()}-${w}.gguf`);
      const t = now();
      writeQwen2Gguf(file, shapes.config, w);
      log(`wrote a random ${shapes.label} GGUF, ${w}: ${(fs.statSync(file).size / 1e9).toFixed(2)} GB in ${(now() - t).toFixed(1)} s`);
      out.push(await benchOne(llama, file, w, threads));
      fs.rmSync(file);
    }
    return out;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    await llama.dispose();
  }
}
