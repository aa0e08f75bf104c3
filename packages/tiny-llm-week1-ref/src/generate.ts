// Generating text, one token at a time, the simplest way: every step runs the model
// over the whole sequence so far.
import * as mx from "@tiny-llm/array";
import { StreamingDetokenizer, Tokenizer } from "@tiny-llm/loader";
import type { ForwardOptions } from "./qwen2-week1";
import { makeSampler, Sampler } from "./sampler";

/** What generation needs of a model: logits for a batch of token ids (Qwen2ModelWeek1 is one). */
export interface CausalLM {
  /** inputs: N x L token ids (int32)  ->  N x L x V logits */
  forward(inputs: mx.array, opts?: ForwardOptions): mx.array;
}

/** Options of a generation. */
export interface GenerateOptions {
  /** Stop after this many new tokens (default 256). */
  maxTokens?: number;
  /** How to pick each token (default greedy). */
  sampler?: Sampler;
  /** Token ids that end the reply (default the tokenizer's EOS token). */
  eosTokenIds?: readonly number[];
  /** Called with each piece of text as soon as it is whole (never half a UTF-8 character). */
  onText?: (text: string) => void;
}

/** What a generation produced, and how long it took. */
export interface GenerateResult {
  /** The generated text (without the prompt, without the EOS token). */
  text: string;
  /** The generated token ids (without the EOS token). */
  tokens: number[];
  /** Tokens of the prompt. */
  promptTokens: number;
  /** Seconds of the first step (the whole prompt). */
  prefillSeconds: number;
  /** Seconds of the other steps. */
  decodeSeconds: number;
  /** "eos": the model ended its reply; "length": maxTokens was reached. */
  stopReason: "eos" | "length";
}

/**
 * Encodes `prompt` (already chat-templated), then repeatedly runs the model over all
 * tokens so far, samples the next token from the last position's logits, and streams
 * its text, until an EOS token or `maxTokens`. Async: each sampled token is read back
 * with one await (a GPU's read-back is asynchronous), so a step's ops run as one batch.
 *
 * Week 1, day 7, task 2 (book: week1-07-generating-text.md).
 */
export async function simpleGenerate(model: CausalLM, tokenizer: Tokenizer, prompt: string, opts: GenerateOptions = {}): Promise<GenerateResult> {
  const { maxTokens = 256, sampler = makeSampler(), onText } = opts;
  const eos = new Set(opts.eosTokenIds ?? (tokenizer.eosTokenId === null ? [] : [tokenizer.eosTokenId]));
  const ids = tokenizer.encode(prompt);
  const promptTokens = ids.length;
  const detokenizer = new StreamingDetokenizer(tokenizer, { skipSpecialTokens: true });
  const emit = (text: string) => {
    if (text !== "" && onText) onText(text);
  };

  const step = async (): Promise<number> => {
    // Every array of a step is released once its token is read: on the GPU, an array left
    // to the garbage collector is a buffer the next step has to create.
    const next = mx.tidy(() => {
      const logits = model.forward(mx.array([ids], "int32"), { lastOnly: true }); // 1 x 1 x V
      return sampler(logits.reshape(1, logits.shape[2]));
    });
    try {
      return (await next.itemAsync()) as number;
    } finally {
      mx.dispose(next);
    }
  };
  const tokens: number[] = [];
  let stopReason: GenerateResult["stopReason"] = "length";
  const start = performance.now();
  let prefillEnd = start;
  while (tokens.length < maxTokens) {
    const token = await step();
    if (tokens.length === 0 && prefillEnd === start) prefillEnd = performance.now();
    if (eos.has(token)) {
      stopReason = "eos";
      break;
    }
    tokens.push(token);
    ids.push(token);
    emit(detokenizer.add(token));
  }
  const end = performance.now();
  emit(detokenizer.finish());
  return {
    text: detokenizer.text,
    tokens,
    promptTokens,
    prefillSeconds: (prefillEnd - start) / 1000,
    decodeSeconds: (end - prefillEnd) / 1000,
    stopReason,
  };
}
