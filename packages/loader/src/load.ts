// load(): everything a model needs from its checkpoint, in one call (mlx_lm.load).
import { Checkpoint } from "./checkpoint";
import { Qwen2Config, readModelConfig } from "./config";
import { eosTokenIds, GenerationConfig, readGenerationConfig } from "./generation-config";
import { resolveModelPath } from "./model-path";
import { loadTokenizer, Tokenizer } from "./tokenizer";

/** A checkpoint, opened. */
export interface LoadedModel {
  /** The checkpoint folder. */
  path: string;
  config: Qwen2Config;
  /** generation_config.json, or null when the checkpoint has none. */
  generationConfig: GenerationConfig | null;
  tokenizer: Tokenizer;
  /** The ids that end a reply (see eosTokenIds). */
  eosTokenIds: number[];
  /** The weights, read on demand; close when the model has them. */
  weights: Checkpoint;
}

/**
 * Finds the model (a folder or a Hugging Face id in the local cache) and opens its
 * config, generation config, tokenizer and weights. Throws LoaderError, saying what
 * to do, when anything is missing or damaged.
 */
export function load(idOrPath: string): LoadedModel {
  const path = resolveModelPath(idOrPath);
  const config = readModelConfig(path);
  const generationConfig = readGenerationConfig(path);
  const tokenizer = loadTokenizer(path);
  const weights = Checkpoint.open(path);
  return { path, config, generationConfig, tokenizer, eosTokenIds: eosTokenIds(config, generationConfig, tokenizer), weights };
}
