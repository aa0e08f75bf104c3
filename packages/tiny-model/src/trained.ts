// The trained tiny model: weights trained on WordNet (train/train.py), committed as
// gzip'd safetensors in trained/ and unpacked here into checkpoint tensors. The pack
// stores only the embedding rows of the tokens the training data uses (the others are
// exactly zero) and leaves the draft's embedding out (it is the target's, frozen).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import * as mx from "@tiny-llm/array";
import { openSafetensors } from "@tiny-llm/loader";
import type { TinyShapes } from "./config";
import { tensorSpecs } from "./weights";

/** The committed packs and training logs (packages/tiny-model/trained). */
export const TRAINED_PACKS_DIR = path.resolve(__dirname, "..", "trained");

/** The trained models: the target ("wordnet") and its 1-layer draft. */
export type TrainedName = "wordnet" | "wordnet-draft";

/** The pack file of `name`. */
export function trainedPackFile(name: TrainedName): string {
  return path.join(TRAINED_PACKS_DIR, `${name}.safetensors.gz`);
}

/** A trained model's shapes and bf16 tensors, by checkpoint name. */
export interface TrainedWeights {
  shapes: TinyShapes;
  weights: Record<string, mx.array>;
}

/** Reads the gzip'd pack of `name` through a scratch file (removed after). */
function readPack(name: TrainedName): { metadata: Record<string, string>; tensors: Record<string, mx.array> } {
  const file = trainedPackFile(name);
  let bytes: Buffer;
  try {
    bytes = zlib.gunzipSync(fs.readFileSync(file));
  } catch (e) {
    throw new Error(`cannot unpack the trained model ${file} (${(e as Error).message}); it is committed with the repository: check out the file again (git checkout -- ${path.relative(process.cwd(), file)})`);
  }
  const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-model-"));
  try {
    const scratch = path.join(scratchDir, `${name}.safetensors`);
    fs.writeFileSync(scratch, bytes);
    const st = openSafetensors(scratch);
    try {
      return { metadata: { ...st.metadata }, tensors: Object.fromEntries(st.names().map((n) => [n, st.readTensor(n)])) };
    } finally {
      st.close();
    }
  } finally {
    fs.rmSync(scratchDir, { recursive: true, force: true });
  }
}

/** The pack's `__metadata__` shapes (train.py's SHAPES), as the course writes them. */
function packShapes(name: TrainedName, metadata: Record<string, string>): TinyShapes {
  const int = (key: string): number => {
    const v = Number(metadata[key]);
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${trainedPackFile(name)}: metadata "${key}" is ${JSON.stringify(metadata[key])}, expected a positive integer`);
    return v;
  };
  const [E, Hq] = [int("hidden_size"), int("num_attention_heads")];
  return {
    modelType: "qwen2", hiddenSize: E, numHiddenLayers: int("num_hidden_layers"), numAttentionHeads: Hq,
    numKeyValueHeads: int("num_key_value_heads"), headDim: E / Hq, intermediateSize: int("intermediate_size"),
    vocabSize: int("vocab_size"), tieWordEmbeddings: true,
  };
}

/**
 * The V x E embedding: row `ids[i]` is `rows[i]`, every other row zero (a gather from
 * the rows with a zero row in front, index 0 for the unused tokens).
 */
function scatterRows(ids: mx.array, rows: mx.array, V: number): mx.array {
  const position = new Int32Array(V);
  (ids.toTypedArray() as Int32Array).forEach((id, i) => (position[id] = i + 1));
  const withZero = mx.concatenate([mx.zeros([1, rows.shape[1]], rows.dtype), rows], 0); // (U + 1) x E
  return mx.take(withZero, mx.fromTypedArray(position, [V], "int32"), 0); // V x E
}

/**
 * Unpacks trained model `name` into a whole checkpoint's bf16 tensors; throws naming the
 * pack when its tensors are not exactly a Qwen2 checkpoint's of its shapes. The draft's
 * pack has no embedding: pass the target's (its unpacked `model.embed_tokens.weight`).
 */
export function unpackTrained(name: TrainedName, targetEmbedding?: mx.array): TrainedWeights {
  const { metadata, tensors } = readPack(name);
  const shapes = packShapes(name, metadata);
  const { "model.embed_tokens.ids": ids, "model.embed_tokens.rows": rows, ...weights } = tensors;
  if (ids !== undefined && rows !== undefined) weights["model.embed_tokens.weight"] = scatterRows(ids, rows, shapes.vocabSize);
  else if (targetEmbedding !== undefined) weights["model.embed_tokens.weight"] = targetEmbedding;
  const expected = tensorSpecs(shapes);
  const wrong = expected.filter((spec) => weights[spec.name] === undefined || weights[spec.name].shape.join() !== spec.shape.join());
  if (wrong.length > 0 || Object.keys(weights).length !== expected.length) {
    throw new Error(`${trainedPackFile(name)} does not hold a Qwen2 checkpoint of its metadata's shapes: ${wrong.length} of ${expected.length} tensors missing or misshapen (first: ${wrong[0]?.name ?? "none"}), ${Object.keys(weights).length} present`);
  }
  return { shapes, weights: Object.fromEntries(expected.map((spec) => [spec.name, weights[spec.name]])) };
}
