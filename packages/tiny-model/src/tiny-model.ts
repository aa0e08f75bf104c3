// Writing the two checkpoint folders of the tiny model, once: a folder counts as made
// when its `.complete` stamp holds the generator's version string, so repeated installs
// skip the work and a changed generator (or tokenizer) makes the folders again.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as mx from "@tiny-llm/array";
import { QWEN2_CHAT_TEMPLATE, qwenTokenizerFiles, writeQwenTokenizer, writeSafetensors } from "@tiny-llm/loader";
import { configJson, generationConfigJson, QUANTIZATION, toJson } from "./config";
import { quantizeAffine } from "./quantize";
import { makeTensor, tensorSpecs } from "./weights";

/** Bump when the weights, the configs or the layout change: every install then regenerates. */
const GENERATOR_VERSION = 1;

/** The folder that holds both checkpoints (packages/tiny-model/models, not committed). */
export const TINY_MODELS_ROOT = path.resolve(__dirname, "..", "models");
/** The bf16 checkpoint, laid out like a Hugging Face download. */
export const TINY_MODEL_DIR = path.join(TINY_MODELS_ROOT, "qwen2-tiny");
/** The same weights in MLX affine 4-bit form, laid out like an mlx-community download. */
export const TINY_MODEL_4BIT_DIR = path.join(TINY_MODELS_ROOT, "qwen2-tiny-4bit");

const STAMP = ".complete";

function sha256(...parts: (string | Buffer)[]): string {
  const h = crypto.createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/**
 * The generator's version string, written into each folder's `.complete` stamp. It
 * names the tokenizer files and chat template it copies, so that a new tokenizer
 * package or template also regenerates.
 */
export function generatorVersion(): string {
  const files = qwenTokenizerFiles();
  const tokenizer = sha256(fs.readFileSync(files.tokenizerJson), fs.readFileSync(files.tokenizerConfigJson), QWEN2_CHAT_TEMPLATE);
  return `tiny-model generator ${GENERATOR_VERSION}; tokenizer ${tokenizer.slice(0, 16)}`;
}

/** sha256 (hex) of `<dir>/model.safetensors`: which weights a golden fixture was made from. */
export function tinyModelDigest(dir: string): string {
  const h = crypto.createHash("sha256");
  const fd = fs.openSync(path.join(dir, "model.safetensors"), "r");
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest("hex");
}

/** Whether `dir` holds a finished folder of this generator's version. */
function isComplete(dir: string, version: string): boolean {
  try {
    return fs.readFileSync(path.join(dir, STAMP), "utf8") === version;
  } catch {
    return false;
  }
}

/** Writes `text` to `file` whole or not at all (temporary file, then rename). */
function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/**
 * Builds a checkpoint folder next to `dir` under a temporary name, then renames it into
 * place, so that `dir` is either absent, the old folder, or the new one, whole.
 */
function writeFolder(dir: string, version: string, fill: (tmp: string) => void): void {
  const tmp = path.join(path.dirname(dir), `.${path.basename(dir)}.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    fill(tmp);
    writeQwenTokenizer(tmp, { chatTemplate: QWEN2_CHAT_TEMPLATE });
    writeFileAtomic(path.join(tmp, "generation_config.json"), toJson(generationConfigJson()));
    writeFileAtomic(path.join(tmp, STAMP), version);
    // Another process (a parallel test worker) may have finished the same folder meanwhile:
    // then keep its copy, which readers may already have open.
    if (!isComplete(dir, version)) {
      fs.rmSync(dir, { recursive: true, force: true });
      try {
        fs.renameSync(tmp, dir);
      } catch (e) {
        if (!isComplete(dir, version)) throw e;
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The bf16 weights, by checkpoint name. */
function bf16Weights(): Record<string, mx.array> {
  const out: Record<string, mx.array> = {};
  for (const spec of tensorSpecs()) out[spec.name] = makeTensor(spec);
  return out;
}

/** The 4-bit checkpoint's tensors: `<base>.weight` packed, with `<base>.scales` and `<base>.biases`. */
function quantizedWeights(weights: Record<string, mx.array>): Record<string, mx.array> {
  const quantized = new Set(tensorSpecs().filter((s) => s.quantized).map((s) => s.name));
  const out: Record<string, mx.array> = {};
  for (const [name, w] of Object.entries(weights)) {
    if (!quantized.has(name)) {
      out[name] = w;
      continue;
    }
    const base = name.slice(0, -".weight".length);
    const q = quantizeAffine(w, QUANTIZATION.group_size, QUANTIZATION.bits);
    out[`${base}.biases`] = q.biases;
    out[`${base}.scales`] = q.scales;
    out[name] = q.weight;
  }
  // Name order, as in the bf16 file (mlx writes its tensors sorted too).
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What ensureTinyModels did to each folder. */
export interface EnsureResult {
  generated: string[];
  upToDate: string[];
}

/**
 * Makes the two tiny-model folders unless they already hold this generator's version.
 * Deterministic: the same bytes on every machine (integer hashing, no libm).
 */
export function ensureTinyModels(): EnsureResult {
  const version = generatorVersion();
  const result: EnsureResult = { generated: [], upToDate: [] };
  const todo = [TINY_MODEL_DIR, TINY_MODEL_4BIT_DIR].filter((dir) => {
    if (isComplete(dir, version)) result.upToDate.push(dir);
    return !isComplete(dir, version);
  });
  if (todo.length === 0) return result;

  fs.mkdirSync(TINY_MODELS_ROOT, { recursive: true });
  const weights = bf16Weights();
  if (todo.includes(TINY_MODEL_DIR)) {
    writeFolder(TINY_MODEL_DIR, version, (tmp) => {
      writeSafetensors(path.join(tmp, "model.safetensors"), weights, { format: "pt" });
      writeFileAtomic(path.join(tmp, "config.json"), toJson(configJson(false)));
    });
    result.generated.push(TINY_MODEL_DIR);
  }
  if (todo.includes(TINY_MODEL_4BIT_DIR)) {
    writeFolder(TINY_MODEL_4BIT_DIR, version, (tmp) => {
      writeSafetensors(path.join(tmp, "model.safetensors"), quantizedWeights(weights), { format: "mlx" });
      writeFileAtomic(path.join(tmp, "config.json"), toJson(configJson(true)));
    });
    result.generated.push(TINY_MODEL_4BIT_DIR);
  }
  return result;
}
