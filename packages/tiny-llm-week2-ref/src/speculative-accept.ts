// Speculative sampling's check (Leviathan et al., Chen et al., 2023): a draft model
// sampled k tokens, the target scored them all in one forward; keep draft token i with
// probability min(1, p_i(x_i) / q_i(x_i)), and at the first one refused sample from the
// part of p the draft under-proposed, norm(max(0, p_i - q_i)). Every token that comes
// out is then distributed exactly as the target alone would have sampled it. Greedy is
// the same rule on one-hot distributions: keep while the draft picked the target's
// argmax, then take the target's argmax.
import * as mx from "@tiny-llm/array";
import { ArgumentError } from "@tiny-llm/tiny-llm-week1-ref";

/** What the check of one round of drafted tokens decided. */
export interface SpeculativeVerdict {
  /** How many drafted tokens are kept: the first `accepted` of them (0 .. k). */
  accepted: number;
  /**
   * The token after them, from the target: sampled from the residual where a draft token
   * was refused, or from the target's last row (the bonus) when all k were kept.
   */
  token: number;
}

/**
 * The distributions a sampler at `temperature` draws from: softmax(logits / temperature),
 * or, at temperature 0 (greedy), the one-hot of each row's argmax.
 *
 *   logits: R x V  ->  R x V probabilities (float32)
 *
 * Week 2, day 8, task 2 (book: week2-08-speculative-decoding.md).
 */
export function tokenProbs(logits: mx.array, temperature: number): mx.array {
  const fn = "tokenProbs";
  if (!(logits instanceof mx.NDArray) || logits.ndim !== 2) {
    throw new ArgumentError(fn, `logits must be an mx.array of R x V, got ${logits instanceof mx.NDArray ? `shape [${logits.shape}]` : typeof logits}`);
  }
  if (!(temperature >= 0 && Number.isFinite(temperature))) throw new ArgumentError(fn, `temperature must be a number >= 0, got ${temperature}`);
  if (temperature > 0) return mx.softmax(logits.astype("float32").divide(temperature), -1);
  const best = logits.argmax(-1, true); // R x 1
  return mx.equal(mx.arange(logits.shape[1], undefined, 1, "int32"), best).astype("float32");
}

/**
 * One token drawn from `probs` (V, unnormalised, not all zero) by inverting its running
 * sum: the first token whose running sum passes u times the total. A token of
 * probability 0 is never drawn, so a one-hot row gives its token.
 */
async function sample(probs: mx.array, key: mx.array): Promise<number> {
  const running = mx.cumsum(probs.astype("float32"), 0); // V
  const total = running.slice("-1:"); // 1
  const u = mx.random.uniform([1], { key });
  const index = (await running.lessEqual(u.multiply(total)).astype("int32").sum().itemAsync()) as number;
  return Math.min(index, probs.shape[0] - 1);
}

/**
 * The accept/reject rule of speculative sampling, for one round of k drafted tokens.
 * Token i is kept when u_i * q_i(x_i) < p_i(x_i), u_i uniform in [0, 1) (so with
 * probability min(1, p/q)); at the first refused one, the next token is drawn from
 * max(0, p_i - q_i) renormalised; when all k are kept, from p_k.
 *
 *   targetProbs: (k + 1) x V, row i the target's distribution after i drafted tokens
 *   draftProbs:  k x V, row i the draft's distribution that draftTokens[i] was sampled from
 *   draftTokens: k token ids; key: the PRNG key of this round's draws
 *
 * Week 2, day 8, task 2 (book: week2-08-speculative-decoding.md).
 */
export async function speculativeAccept(targetProbs: mx.array, draftProbs: mx.array, draftTokens: readonly number[], key: mx.array): Promise<SpeculativeVerdict> {
  const fn = "speculativeAccept";
  const k = draftTokens.length;
  if (!(targetProbs instanceof mx.NDArray) || targetProbs.ndim !== 2 || targetProbs.shape[0] !== k + 1) {
    throw new ArgumentError(fn, `targetProbs must be (k + 1) x V = ${k + 1} x V for ${k} drafted tokens, got ${targetProbs instanceof mx.NDArray ? `shape [${targetProbs.shape}]` : typeof targetProbs}`);
  }
  const V = targetProbs.shape[1];
  if (!(draftProbs instanceof mx.NDArray) || draftProbs.ndim !== 2 || draftProbs.shape[0] !== k || draftProbs.shape[1] !== V) {
    throw new ArgumentError(fn, `draftProbs must be k x V = ${k} x ${V} (the target's vocabulary), got ${draftProbs instanceof mx.NDArray ? `shape [${draftProbs.shape}]` : typeof draftProbs}`);
  }
  const bad = draftTokens.find((t) => !(Number.isInteger(t) && t >= 0 && t < V));
  if (bad !== undefined) throw new ArgumentError(fn, `draft token ${bad} is not a token id in 0 .. ${V - 1}`);
  const keys = mx.random.split(key, 2); // one key for the uniforms, one for the token drawn
  const sampleKey = keys.slice(1);
  if (k > 0) {
    const idx = mx.array(draftTokens.map((t) => [t]), "int32"); // k x 1
    const [u, p, q] = await Promise.all([
      mx.random.uniform([k], { key: keys.slice(0) }).data(),
      mx.takeAlongAxis(targetProbs.slice(`0:${k}`), idx, 1).data(), // p_i(x_i)
      mx.takeAlongAxis(draftProbs, idx, 1).data(), // q_i(x_i)
    ]);
    for (let i = 0; i < k; i++) {
      if (u[i] * q[i] < p[i]) continue;
      const residual = mx.maximum(targetProbs.slice(i).subtract(draftProbs.slice(i)), 0); // V
      // p = q up to rounding leaves nothing: then p itself is what the residual stands for.
      const from = ((await residual.sum().itemAsync()) as number) > 0 ? residual : targetProbs.slice(i);
      return { accepted: i, token: await sample(from, sampleKey) };
    }
  }
  return { accepted: k, token: await sample(targetProbs.slice(k), sampleKey) };
}
