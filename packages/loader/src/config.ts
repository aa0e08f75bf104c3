// config.json: the model's hyper-parameters, read into one typed object (like mlx-lm's
// ModelArgs dataclass), with the defaults of Hugging Face's Qwen2Config / Qwen3Config
// where a key may be left out. Qwen2 and Qwen2.5 share one architecture; Qwen3 adds a
// per-head RMSNorm of queries and keys, drops the q/k/v biases and states head_dim.
import * as path from "node:path";
import { LoaderError } from "./errors";
import { describeJson, isJsonObject, JsonObject, readJsonObject } from "./json-file";
import { readQuantization, QuantizationConfig } from "./quantization";

/** The architectures (config.json `architectures`) this course implements. */
export const SUPPORTED_ARCHITECTURES = ["Qwen2ForCausalLM", "Qwen3ForCausalLM"] as const;
/** `model_type` of each supported architecture (configs without `architectures` name only this). */
const MODEL_TYPE_OF: Record<(typeof SUPPORTED_ARCHITECTURES)[number], ModelType> = { Qwen2ForCausalLM: "qwen2", Qwen3ForCausalLM: "qwen3" };
const SUPPORTED_MODEL_TYPES: readonly string[] = Object.values(MODEL_TYPE_OF);

/** The model families the course runs: "qwen2" (Qwen2, Qwen2.5) and "qwen3". */
export type ModelType = "qwen2" | "qwen3";

/** The hyper-parameters of a Qwen2-family model (Qwen2, Qwen2.5, Qwen3), from its config.json. */
export interface Qwen2Config {
  /** config.json `architectures[0]` ("Qwen2ForCausalLM", "Qwen3ForCausalLM"), or null when absent. */
  architecture: string | null;
  /** `model_type`: "qwen2" or "qwen3" (which model class runs the checkpoint). */
  modelType: ModelType;
  /** D: the width of the residual stream (`hidden_size`). */
  hiddenSize: number;
  /** Transformer blocks (`num_hidden_layers`). */
  numHiddenLayers: number;
  /** H_q: query heads (`num_attention_heads`). */
  numAttentionHeads: number;
  /** H: key/value heads (`num_key_value_heads`, default numAttentionHeads). */
  numKeyValueHeads: number;
  /** D: size of one head (`head_dim`, default hiddenSize / numAttentionHeads; Qwen3 states it, e.g. 128 in a hidden size of 1024 over 16 heads). */
  headDim: number;
  /** Whether q/k/v projections have biases: always for Qwen2, `attention_bias` (default false) for Qwen3. */
  attentionBias: boolean;
  /** I: the MLP's inner width (`intermediate_size`). */
  intermediateSize: number;
  /** Rows of the embedding (`vocab_size`); may exceed the tokenizer's vocabulary. */
  vocabSize: number;
  /** `rms_norm_eps`. */
  rmsNormEps: number;
  /** RoPE base (`rope_theta`, default 10000 as in Hugging Face's Qwen2Config). */
  ropeTheta: number;
  /** `max_position_embeddings` (default 32768). */
  maxPositionEmbeddings: number;
  /** Whether lm_head is embed_tokens (`tie_word_embeddings`, default false). */
  tieWordEmbeddings: boolean;
  /** Weights' dtype as saved: `torch_dtype` (or the newer `dtype`), e.g. "bfloat16"; null if absent. */
  torchDtype: string | null;
  /** MLX affine quantization of the linear layers and embedding, or null for float weights. */
  quantization: QuantizationConfig | null;
  /** `bos_token_id`, or null. */
  bosTokenId: number | null;
  /** `eos_token_id` as a list (config.json has a number or a list); [] if absent. */
  eosTokenIds: number[];
}

type Check = (v: unknown) => boolean;
const positiveInt: Check = (v) => Number.isInteger(v) && (v as number) > 0;
const positiveNumber: Check = (v) => typeof v === "number" && Number.isFinite(v) && v > 0;
const boolean: Check = (v) => typeof v === "boolean";

/** Reads and checks one key of a config file. */
export class ConfigReader {
  constructor(readonly raw: JsonObject, readonly file: string) {}

  /** The key's value; `fallback` when absent or null, an error when required. */
  get<T>(key: string, what: string, check: Check, fallback?: T): T {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      throw new LoaderError(`${this.file} has no "${key}", expected ${what}; is this a complete Qwen2 checkpoint? download its config.json again`);
    }
    if (!check(v)) throw new LoaderError(`"${key}" in ${this.file} is ${describeJson(v)}, expected ${what}; fix the file or download it again`);
    return v as T;
  }

  /** A token id or list of token ids (eos_token_id), as a list. */
  tokenIds(key: string): number[] {
    const v = this.raw[key];
    if (v === undefined || v === null) return [];
    const ids = Array.isArray(v) ? v : [v];
    if (!ids.every((x) => Number.isInteger(x) && x >= 0)) {
      throw new LoaderError(`"${key}" in ${this.file} is ${JSON.stringify(v)}, expected a token id or a list of token ids; fix the file or download it again`);
    }
    return ids as number[];
  }
}

function checkArchitecture(raw: JsonObject, file: string): { architecture: string | null; modelType: ModelType } {
  const archs = raw.architectures;
  const modelType = typeof raw.model_type === "string" ? raw.model_type : null;
  const supported = `supported: ${SUPPORTED_ARCHITECTURES.join(", ")} (model_type ${SUPPORTED_MODEL_TYPES.map((t) => `"${t}"`).join(", ")}); use a Qwen2, Qwen2.5 or Qwen3 checkpoint`;
  if (Array.isArray(archs) && archs.length > 0) {
    const ours = archs.find((a): a is (typeof SUPPORTED_ARCHITECTURES)[number] => (SUPPORTED_ARCHITECTURES as readonly unknown[]).includes(a));
    if (ours === undefined) throw new LoaderError(`${file}: unsupported architecture ${archs.join(", ")}; ${supported}`);
    const expected = MODEL_TYPE_OF[ours];
    if (modelType !== null && modelType !== expected) {
      throw new LoaderError(`${file}: architecture ${ours} with model_type "${modelType}", expected model_type "${expected}"; fix the file or download it again`);
    }
    return { architecture: ours, modelType: expected };
  }
  if (modelType === null) throw new LoaderError(`${file} has neither "architectures" nor "model_type", expected one of ${SUPPORTED_ARCHITECTURES.join(", ")}; download its config.json again`);
  if (!SUPPORTED_MODEL_TYPES.includes(modelType)) throw new LoaderError(`${file}: unsupported model_type "${modelType}"; ${supported}`);
  return { architecture: null, modelType: modelType as ModelType };
}

/** Refuses what our models would silently compute wrong. */
function checkUnsupported(raw: JsonObject, file: string): void {
  if (raw.hidden_act !== undefined && raw.hidden_act !== "silu") {
    throw new LoaderError(`${file}: hidden_act ${JSON.stringify(raw.hidden_act)} is not supported, expected "silu" (Qwen2's SwiGLU MLP)`);
  }
  const scaling = raw.rope_scaling;
  if (isJsonObject(scaling)) {
    const kind = scaling.rope_type ?? scaling.type;
    if (kind !== undefined && kind !== "default") {
      throw new LoaderError(`${file}: rope_scaling ${JSON.stringify(scaling)} is not supported (only plain RoPE); remove rope_scaling or use a checkpoint without it`);
    }
  }
}

/** Reads `<dir>/config.json` of a Qwen2, Qwen2.5 or Qwen3 checkpoint. Throws LoaderError naming the file and key. */
export function readModelConfig(dir: string): Qwen2Config {
  const file = path.join(dir, "config.json");
  const raw = readJsonObject(file);
  const { architecture, modelType } = checkArchitecture(raw, file);
  checkUnsupported(raw, file);
  const c = new ConfigReader(raw, file);
  const int = "a positive integer";
  const hiddenSize = c.get<number>("hidden_size", int, positiveInt);
  const numAttentionHeads = c.get<number>("num_attention_heads", int, positiveInt);
  const numKeyValueHeads = c.get<number>("num_key_value_heads", int, positiveInt, numAttentionHeads);
  if (numAttentionHeads % numKeyValueHeads !== 0) {
    throw new LoaderError(`${file}: num_attention_heads ${numAttentionHeads} is not a multiple of num_key_value_heads ${numKeyValueHeads}; fix the file or download it again`);
  }
  if (raw.head_dim == null && hiddenSize % numAttentionHeads !== 0) {
    throw new LoaderError(`${file}: hidden_size ${hiddenSize} is not a multiple of num_attention_heads ${numAttentionHeads}, and there is no head_dim; fix the file or download it again`);
  }
  const dtypeKey = raw.torch_dtype != null ? "torch_dtype" : "dtype";
  return {
    architecture,
    modelType,
    hiddenSize,
    numHiddenLayers: c.get<number>("num_hidden_layers", int, positiveInt),
    numAttentionHeads,
    numKeyValueHeads,
    headDim: c.get<number>("head_dim", int, positiveInt, hiddenSize / numAttentionHeads),
    // transformers' Qwen2Attention always has q/k/v biases; Qwen3Config reads attention_bias.
    attentionBias: modelType === "qwen2" || c.get<boolean>("attention_bias", "true or false", boolean, false),
    intermediateSize: c.get<number>("intermediate_size", int, positiveInt),
    vocabSize: c.get<number>("vocab_size", int, positiveInt),
    rmsNormEps: c.get<number>("rms_norm_eps", "a positive number", positiveNumber),
    ropeTheta: c.get<number>("rope_theta", "a positive number", positiveNumber, 10000),
    maxPositionEmbeddings: c.get<number>("max_position_embeddings", int, positiveInt, 32768),
    tieWordEmbeddings: c.get<boolean>("tie_word_embeddings", "true or false", boolean, false),
    torchDtype: c.get<string | null>(dtypeKey, "a dtype name such as \"bfloat16\"", (v) => typeof v === "string", null),
    quantization: readQuantization(raw, file),
    bosTokenId: c.tokenIds("bos_token_id")[0] ?? null,
    eosTokenIds: c.tokenIds("eos_token_id"),
  };
}
