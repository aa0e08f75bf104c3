// Speculative sampling's check (Leviathan et al., Chen et al., 2023): a draft model
// sampled k tokens, the target scored them all in one forward; keep draft token i with
// probability min(1, p_i(x_i) / q_i(x_i)), and at the first one refused sample from the
// part of p the draft under-proposed, norm(max(0, p_i - q_i)). Every token that comes
// out is then distributed exactly as the target alone would have sampled it. Greedy is
// the same rule on one-hot distributions: keep while the draft picked the target's
// argmax, then take the target's argmax.
import * as mx from "@tiny-llm/array";
import { NotImplementedError } from "./not-implemented";

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

const TASK = ["week_2_day_8_task_2"];
const CHAPTER = "week2-08-speculative-decoding.md";

/**
 * The distributions a sampler at `temperature` draws from: softmax(logits / temperature),
 * or, at temperature 0 (greedy), the one-hot of each row's argmax.
 *
 *   logits: R x V  ->  R x V probabilities (float32)
 *
 * Week 2, day 8, task 2 (book: week2-08-speculative-decoding.md).
 */
export function tokenProbs(logits: mx.array, temperature: number): mx.array {
  throw new NotImplementedError("tokenProbs", TASK, CHAPTER);
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
export function speculativeAccept(targetProbs: mx.array, draftProbs: mx.array, draftTokens: readonly number[], key: mx.array): Promise<SpeculativeVerdict> {
  throw new NotImplementedError("speculativeAccept", TASK, CHAPTER);
}
