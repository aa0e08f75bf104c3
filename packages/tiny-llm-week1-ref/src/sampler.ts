// Choosing the next token from the model's scores.
import * as mx from "@tiny-llm/array";
import { ArgumentError } from "./checks";

/** How to pick tokens; every option is off when left out. */
export interface SamplerOptions {
  /** 0 (the default) picks the most likely token (greedy); otherwise logits are divided by it. */
  temperature?: number;
  /** Keep only the k most likely tokens. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probabilities add up to p (nucleus sampling). */
  topP?: number;
  /** Drop tokens less likely than minP times the most likely one. */
  minP?: number;
  /** Seed of the random draws: the same seed gives the same tokens. */
  seed?: number;
}

/** logits: N x V  ->  N token ids (int32). */
export type Sampler = (logits: mx.array) => mx.array;

/**
 * A sampler: greedy when temperature is 0; otherwise softmax(logits / temperature)
 * restricted by top-k, then top-p, then min-p, sampled with a key-based generator seeded
 * by `seed`.
 *
 * Week 1, day 7, task 1 (book: week1-07-generating-text.md).
 */
export function makeSampler(opts: SamplerOptions = {}): Sampler {
  const { temperature = 0, topK, topP, minP, seed = 0 } = opts;
  const fn = "makeSampler";
  if (!(temperature >= 0 && Number.isFinite(temperature))) throw new ArgumentError(fn, `temperature must be a number >= 0, got ${temperature}`);
  if (topK !== undefined && !(Number.isInteger(topK) && topK > 0)) throw new ArgumentError(fn, `topK must be a positive integer, got ${topK}`);
  if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new ArgumentError(fn, `topP must be in (0, 1], got ${topP}`);
  if (minP !== undefined && !(minP >= 0 && minP < 1)) throw new ArgumentError(fn, `minP must be in [0, 1), got ${minP}`);
  if (!Number.isInteger(seed)) throw new ArgumentError(fn, `seed must be an integer, got ${seed}`);
  if (temperature === 0) return (logits) => logits.argmax(-1).astype("int32");

  // The key outlives each call (and the mx.tidy a generation step runs it in).
  let key = mx.keep(mx.random.key(seed));
  return (logits) => {
    let x = logits.astype("float32").divide(temperature); // N x V
    if (topK !== undefined && topK < x.shape[x.ndim - 1]) {
      const kth = mx.topk(x, topK, -1).min(-1, true); // N x 1: the k-th largest
      x = mx.where(x.less(kth), -Infinity, x);
    }
    if (topP !== undefined && topP < 1) {
      const sorted = mx.sort(x, -1).slice("...", "::-1"); // N x V, largest first
      const probs = mx.softmax(sorted, -1);
      // A token stays while the mass of the tokens before it is below p (the first always stays).
      const before = mx.cumsum(probs, -1).subtract(probs);
      const smallestKept = mx.where(before.less(topP), sorted, Infinity).min(-1, true); // N x 1
      x = mx.where(x.less(smallestKept), -Infinity, x);
    }
    if (minP !== undefined && minP > 0) {
      const probs = mx.softmax(x, -1);
      x = mx.where(probs.less(probs.max(-1, true).multiply(minP)), -Infinity, x);
    }
    const keys = mx.random.split(key); // 2 x 2: one key for the next call, one for this draw
    mx.dispose(key);
    key = mx.keep(keys.slice(0));
    return mx.random.categorical(x, { axis: -1, key: keys.slice(1) }).astype("int32");
  };
}
