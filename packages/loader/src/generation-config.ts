// generation_config.json: the sampling defaults and stop tokens a model was published
// with, and the set of ids that end a reply.
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigReader } from "./config";
import { readJsonObject } from "./json-file";

/** The fields of generation_config.json the course uses; absent ones are undefined. */
export interface GenerationConfig {
  /** `eos_token_id` as a list ([] if absent). */
  eosTokenIds: number[];
  bosTokenId?: number;
  padTokenId?: number;
  doSample?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  maxNewTokens?: number;
}

/** Reads `<dir>/generation_config.json`; null when the checkpoint has none. */
export function readGenerationConfig(dir: string): GenerationConfig | null {
  const file = path.join(dir, "generation_config.json");
  if (!fs.existsSync(file)) return null;
  const c = new ConfigReader(readJsonObject(file), file);
  const num = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;
  const int = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  const opt = <T>(key: string, what: string, check: (v: unknown) => boolean): T | undefined =>
    c.raw[key] == null ? undefined : c.get<T>(key, what, check);
  const out: GenerationConfig = { eosTokenIds: c.tokenIds("eos_token_id") };
  const fields: [keyof GenerationConfig, string, string, (v: unknown) => boolean][] = [
    ["bosTokenId", "bos_token_id", "a token id", int],
    ["padTokenId", "pad_token_id", "a token id", int],
    ["doSample", "do_sample", "true or false", (v) => typeof v === "boolean"],
    ["temperature", "temperature", "a number >= 0", num],
    ["topK", "top_k", "an integer >= 0", int],
    ["topP", "top_p", "a number >= 0", num],
    ["repetitionPenalty", "repetition_penalty", "a number >= 0", num],
    ["maxNewTokens", "max_new_tokens", "an integer >= 0", int],
  ];
  for (const [field, key, what, check] of fields) {
    const v = opt<number | boolean>(key, what, check);
    if (v !== undefined) (out as unknown as Record<string, unknown>)[field] = v;
  }
  return out;
}

/**
 * The token ids that end a reply: the union of config.json's eos_token_id,
 * generation_config.json's eos_token_id and the tokenizer's eos token, in that order,
 * without repeats. (Qwen2-Instruct: 151645 <|im_end|> and 151643 <|endoftext|>.)
 */
export function eosTokenIds(
  config: { eosTokenIds: readonly number[] },
  generationConfig: { eosTokenIds: readonly number[] } | null,
  tokenizer: { eosTokenId: number | null } | null,
): number[] {
  const ids = [...config.eosTokenIds, ...(generationConfig?.eosTokenIds ?? [])];
  if (tokenizer?.eosTokenId != null) ids.push(tokenizer.eosTokenId);
  return [...new Set(ids)];
}
