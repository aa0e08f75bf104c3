// Speculative decoding: a small draft model proposes k tokens one at a time, the target
// model scores all of them in one forward, and speculativeAccept keeps the longest prefix
// the target agrees with plus one token of its own. A decode step is bound by reading
// the weights, so the target's forward over k + 1 tokens costs about one step: each
// round yields 1 to k + 1 tokens for one target read and k cheap draft reads.
import * as mx from "@tiny-llm/array";
import { StreamingDetokenizer, type Tokenizer } from "@tiny-llm/loader";
import { ArgumentError, type GenerateOptions, type GenerateResult } from "@tiny-llm/tiny-llm-week1-ref";
import type { CachedCausalLM } from "./generate-with-kv-cache";
import type { TinyKvCache } from "./kv-cache";
import { speculativeAccept, tokenProbs, type SpeculativeVerdict } from "./speculative-accept";

/** Options of speculative generation: simpleGenerate's, with the sampler given by temperature and seed. */
export interface SpeculativeOptions extends Omit<GenerateOptions, "sampler"> {
  /** Tokens the draft proposes per round, k (default 4). */
  numDraftTokens?: number;
  /** 0 (the default) is greedy: the output is the target's own greedy output. */
  temperature?: number;
  /** Seed of the draws (drafts, accept tests, residuals): the same seed gives the same tokens. */
  seed?: number;
}

/** simpleGenerate's result, with how many drafted tokens the target kept. */
export interface SpeculativeResult extends GenerateResult {
  /** Tokens the draft proposed, over all rounds. */
  draftedTokens: number;
  /** Of those, the ones the target kept: acceptedTokens / draftedTokens is the acceptance rate. */
  acceptedTokens: number;
}

/** A model with its cache: runs the tokens of `seq` the cache has not seen, returning their logits (L x V). */
function feeder(model: CachedCausalLM, cache: TinyKvCache[]) {
  return (seq: readonly number[], lastOnly = false): mx.array => {
    const offset = cache[0]?.offset ?? 0;
    const logits = model.forward(mx.array([seq.slice(offset)], "int32"), offset, cache, { lastOnly }); // 1 x L x V
    return logits.reshape(logits.shape[1], logits.shape[2]);
  };
}

/** Drops what `cache` holds past the first `keep` tokens. */
function rewind(cache: TinyKvCache[], keep: number): void {
  for (const layer of cache) if (layer.offset > keep) layer.trim(layer.offset - keep);
}

/**
 * Generates from `target` with `draft` proposing numDraftTokens tokens a round: the draft
 * samples them one by one, the target scores them all in one forward, speculativeAccept
 * keeps a prefix and adds the target's next token, and both caches are trimmed back to
 * the tokens kept. Greedy output is exactly the target's; sampled output is distributed
 * as the target's. Both models must share the tokenizer's vocabulary. Greedy needs no
 * distributions: on one-hot rows the rule keeps drafted tokens while they are the
 * target's argmax, so comparing argmaxes gives the same tokens without building V-wide
 * rows every step.
 *
 * Week 2, day 8, task 3 (book: week2-08-speculative-decoding.md).
 */
export async function speculativeGenerate(target: CachedCausalLM, draft: CachedCausalLM, tokenizer: Tokenizer, prompt: string, opts: SpeculativeOptions = {}): Promise<SpeculativeResult> {
  const fn = "speculativeGenerate";
  const { maxTokens = 256, numDraftTokens = 4, temperature = 0, seed = 0, onText } = opts;
  if (!(Number.isInteger(numDraftTokens) && numDraftTokens > 0)) throw new ArgumentError(fn, `numDraftTokens must be a positive integer, got ${numDraftTokens}`);
  if (!Number.isInteger(seed)) throw new ArgumentError(fn, `seed must be an integer, got ${seed}`);
  const eos = new Set(opts.eosTokenIds ?? (tokenizer.eosTokenId === null ? [] : [tokenizer.eosTokenId]));
  const ids = tokenizer.encode(prompt);
  const promptTokens = ids.length;
  const detokenizer = new StreamingDetokenizer(tokenizer, { skipSpecialTokens: true });
  const emit = (text: string) => {
    if (text !== "" && onText) onText(text);
  };
  let key = mx.random.key(seed);
  const nextKey = (): mx.array => {
    const keys = mx.random.split(key, 2);
    key = keys.slice(0);
    return keys.slice(1);
  };
  const greedy = temperature === 0;
  /** The next token after logits (1 x V), read back (one await), and the distribution it was drawn from (sampling only). */
  const next = async (logits: mx.array): Promise<{ token: number; probs?: mx.array }> => {
    if (greedy) return { token: (await logits.argmax().itemAsync()) as number };
    const probs = tokenProbs(logits, temperature);
    return { token: (await mx.random.categorical(mx.log(probs), { key: nextKey() }).itemAsync()) as number, probs };
  };
  /** The verdict on `drafted` given the target's rows ((k + 1) x V logits) and the draft's distributions. */
  const check = async (rows: mx.array, drafted: number[], q: mx.array[]): Promise<SpeculativeVerdict> => {
    if (greedy) {
      const best = await rows.argmax(-1).data(); // the target's pick after 0 .. k drafted tokens
      let accepted = 0;
      while (accepted < drafted.length && drafted[accepted] === best[accepted]) accepted++;
      return { accepted, token: best[accepted] };
    }
    const draftProbs = q.length > 0 ? mx.concatenate(q, 0) : mx.zeros([0, rows.shape[1]]);
    return speculativeAccept(tokenProbs(rows, temperature), draftProbs, drafted, nextKey());
  };
  const [targetCache, draftCache] = [target.makeCache(), draft.makeCache()];
  const [runTarget, runDraft] = [feeder(target, targetCache), feeder(draft, draftCache)];

  const tokens: number[] = [];
  let stopReason: GenerateResult["stopReason"] = "length";
  /** Appends a token the target chose; false when generation ends here. */
  const take = (token: number): boolean => {
    if (eos.has(token)) {
      stopReason = "eos";
      return false;
    }
    tokens.push(token);
    ids.push(token);
    emit(detokenizer.add(token));
    return tokens.length < maxTokens;
  };

  const start = performance.now();
  // Prefill: the target's first token, and the draft's cache of the prompt.
  const first = runTarget(ids, true); // 1 x V
  const draftV = runDraft(ids, true).shape[1];
  if (draftV !== first.shape[1]) {
    throw new ArgumentError(fn, `the draft model scores ${draftV} tokens, the target ${first.shape[1]}: a draft must share the target's vocabulary`);
  }
  let going = maxTokens > 0 && take((await next(first)).token);
  const prefillEnd = performance.now();
  let draftedTokens = 0;
  let acceptedTokens = 0;
  // Each round starts with both caches holding all of ids but the last token.
  while (going) {
    const k = Math.min(numDraftTokens, maxTokens - tokens.length - 1);
    const drafted: number[] = [];
    const q: mx.array[] = []; // sampling: k rows of 1 x V
    for (let i = 0; i < k; i++) {
      const { token, probs } = await next(runDraft([...ids, ...drafted], true));
      drafted.push(token);
      if (probs) q.push(probs);
    }
    const rows = runTarget([...ids, ...drafted]); // (k + 1) x V: the last token's row, then one per drafted token
    const { accepted, token } = await check(rows, drafted, q);
    draftedTokens += k;
    acceptedTokens += accepted;
    for (const t of [...drafted.slice(0, accepted), token]) if (!(going = take(t))) break;
    rewind(targetCache, ids.length - 1);
    rewind(draftCache, ids.length - 1);
  }
  const end = performance.now();
  emit(detokenizer.finish());
  return {
    text: detokenizer.text, tokens, promptTokens, stopReason, draftedTokens, acceptedTokens,
    prefillSeconds: (prefillEnd - start) / 1000,
    decodeSeconds: (end - prefillEnd) / 1000,
  };
}
