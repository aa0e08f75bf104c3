// The serving days (2.6 continuous batching, 2.7 chunked prefill): the tiny Qwen2 on
// week 2's reference model, a spy that records how the engine calls it, and the oracle:
// each prompt's greedy reply generated alone by week 2's simpleGenerateWithKvCache
// (itself checked against transformers in week_2_day_1).
import * as mx from "@tiny-llm/array";
import { load, type LoadedModel } from "@tiny-llm/loader";
import type { BatchingCausalLM, TinyKvBatchCache, TinyKvCache } from "@tiny-llm/tiny-llm-week2-ref";
import { TINY_MODEL_4BIT_DIR, TINY_MODEL_DIR } from "@tiny-llm/tiny-model";
import { loadSolution } from "../solution";

const week2 = loadSolution("week2_ref");

/** Prompts of different lengths (3 to 20-odd tokens). */
export const PROMPTS = [
  "Hello there",
  "The quick brown fox jumps over the lazy dog, twice, and then it rests.",
  "Why is the sky blue?",
  "Write a haiku about caches",
  "One two three four five six seven eight nine ten eleven twelve",
  "Serving many requests at once",
];

const loaded = new Map<string, LoadedModel>();
/**
 * The tiny Qwen2 (bf16, or its 4-bit copy), loaded once per test file, its weights read
 * onto the default device (the GPU under --device gpu).
 */
export function tinyQwen2(form: "bf16" | "4bit" = "bf16"): LoadedModel {
  const dir = form === "bf16" ? TINY_MODEL_DIR : TINY_MODEL_4BIT_DIR;
  if (!loaded.has(dir)) {
    const m = load(dir);
    m.weights.device = mx.defaultDevice();
    loaded.set(dir, m);
  }
  return loaded.get(dir)!;
}

/** A forward call as the engine made it: a prefill chunk of one request, or a decode step of N rows. */
export type Call = { prefill: { offset: number; tokens: number } } | { decode: { offsets: number[] } };

/** Week 2's reference model on `m`, recording every forward call in `calls` and every cache it makes in `caches`. */
export function spyModel(m: LoadedModel = tinyQwen2()): { model: BatchingCausalLM; calls: Call[]; caches: TinyKvCache[] } {
  const inner = new week2.Qwen2ModelWeek2(m);
  const calls: Call[] = [];
  const caches: TinyKvCache[] = [];
  const model: BatchingCausalLM = {
    config: m.config,
    makeCache() {
      const cache = inner.makeCache();
      caches.push(...cache);
      return cache;
    },
    forward(inputs: mx.array, offset: number | readonly number[], cache: TinyKvCache[] | TinyKvBatchCache[], opts?: { lastOnly?: boolean }) {
      calls.push(typeof offset === "number" ? { prefill: { offset, tokens: inputs.shape[1] } } : { decode: { offsets: [...offset] } });
      return inner.forward(inputs, offset, cache, opts);
    },
  };
  return { model, calls, caches };
}

/** The greedy reply to `prompt` generated alone by week 2's reference: maxTokens tokens, EOS ignored. */
export function alone(prompt: string, maxTokens: number, m: LoadedModel = tinyQwen2()): Promise<{ tokens: number[]; text: string }> {
  return week2.simpleGenerateWithKvCache(new week2.Qwen2ModelWeek2(m), m.tokenizer, prompt, { maxTokens, eosTokenIds: [] });
}
