// Week 2, day 8: speculative decoding. The KV cache learns to forget its last tokens
// (task 1), the accept/reject rule keeps the target's distribution (task 2, checked with
// chi-square tests on many seeded rounds over a 4-token vocabulary), and generation with
// a draft gives the target's own greedy output (task 3).
// Book: week2-08-speculative-decoding.md. Models: the tiny Qwen2 (bf16) as the target,
// its 4-bit copy as the draft (packages/tiny-model).
import * as mx from "@tiny-llm/array";
import type { LoadedModel } from "@tiny-llm/loader";
import { expectClose } from "./helpers/compare";
import { expectError, expectRejection } from "./helpers/expect-error";
import { randomNormal } from "./helpers/reference";
import { spyModel, tinyQwen2 } from "./helpers/serving";
import { loadSolution } from "./solution";

const sol = loadSolution();
// Generation (task 3) runs on week 2's reference model and cache, so that it is tested on its own.
const week2 = loadSolution("week2_ref");
const EXACT = { rtol: 0, atol: 0 };

// ------------------------------------------------------------------ task 1: trimming the cache
test("week_2_day_8_task_1_trim_then_update_takes_the_trimmed_positions", async () => {
  const cache = new sol.TinyKvFullCache();
  cache.trim(0); // nothing to forget, and nothing wrong with that
  const [k1, v1] = [randomNormal(1, [1, 2, 6, 8]), randomNormal(2, [1, 2, 6, 8])];
  cache.updateAndFetch(k1, v1);
  cache.trim(2); // the last two of six were rejected drafts
  expect(cache.offset).toBe(4);
  const [k2, v2] = [randomNormal(3, [1, 2, 3, 8]), randomNormal(4, [1, 2, 3, 8])];
  const [keys, values] = cache.updateAndFetch(k2, v2);
  expect(cache.offset).toBe(7);
  await expectClose(keys, mx.concatenate([k1.slice(":", ":", "0:4"), k2], 2), { tol: EXACT, label: "keys after trim(2) and 3 more" });
  await expectClose(values, mx.concatenate([v1.slice(":", ":", "0:4"), v2], 2), { tol: EXACT, label: "values after trim(2) and 3 more" });
  cache.trim(0);
  expect(cache.offset).toBe(7);
  cache.trim(7); // all of it: the cache starts over
  expect(cache.offset).toBe(0);
  const [k3] = cache.updateAndFetch(k2, v2);
  await expectClose(k3, k2, { tol: EXACT, label: "keys after trimming everything" });
});

test("week_2_day_8_task_1_trim_past_zero_throws", () => {
  const cache = new sol.TinyKvFullCache();
  expectError(() => cache.trim(1), /trim/, /\b1\b/, /\b0\b/);
  cache.updateAndFetch(randomNormal(1, [1, 2, 3, 8]), randomNormal(2, [1, 2, 3, 8]));
  for (const n of [4, -1, 1.5, NaN]) expectError(() => cache.trim(n), /trim/, /\b3\b/);
  // A refused trim forgets nothing.
  expect(cache.offset).toBe(3);
});

// ------------------------------------------------------------------ task 2: the accept/reject rule
test("week_2_day_8_task_2_token_probs", async () => {
  const logits = mx.log(mx.array([[1, 2, 3, 4], [4, 1, 4, 2]], "float32")); // 2 x 4
  await expectClose(sol.tokenProbs(logits, 1), mx.array([[0.1, 0.2, 0.3, 0.4], [4 / 11, 1 / 11, 4 / 11, 2 / 11]]), { label: "T = 1" });
  await expectClose(sol.tokenProbs(logits, 0.5), mx.array([[1 / 30, 4 / 30, 9 / 30, 16 / 30], [16 / 37, 1 / 37, 16 / 37, 4 / 37]]), { label: "T = 0.5" });
  // Greedy: the argmax's one-hot, the first of tied maxima (as argmax picks it).
  await expectClose(sol.tokenProbs(logits, 0), mx.array([[0, 0, 0, 1], [1, 0, 0, 0]]), { tol: EXACT, label: "T = 0" });
  expectError(() => sol.tokenProbs(logits, -1), /temperature/);
});

/** One-hot rows of width V at `tokens`. */
const oneHot = (tokens: number[], V: number) => mx.array(tokens.map((t) => Array.from({ length: V }, (_, i) => (i === t ? 1 : 0))), "float32");

test("week_2_day_8_task_2_greedy_keeps_the_agreeing_prefix", async () => {
  const target = oneHot([3, 1, 4, 2], 6); // the target's argmax after 0, 1, 2, 3 drafted tokens
  for (const seed of [0, 1, 2]) {
    const key = mx.random.key(seed);
    expect(await sol.speculativeAccept(target, oneHot([3, 1, 5], 6), [3, 1, 5], key)).toEqual({ accepted: 2, token: 4 });
    expect(await sol.speculativeAccept(target, oneHot([3, 1, 4], 6), [3, 1, 4], key)).toEqual({ accepted: 3, token: 2 }); // the bonus
    expect(await sol.speculativeAccept(target, oneHot([0, 1, 4], 6), [0, 1, 4], key)).toEqual({ accepted: 0, token: 3 });
    expect(await sol.speculativeAccept(target.slice("0:1"), mx.zeros([0, 6]), [], key)).toEqual({ accepted: 0, token: 3 }); // k = 0
  }
});

test("week_2_day_8_task_2_bad_arguments_throw", async () => {
  const key = mx.random.key(0);
  const p = oneHot([1, 2, 3], 5);
  await expectRejection(() => sol.speculativeAccept(p, oneHot([1], 5), [1], key), /speculativeAccept/, /targetProbs/); // 3 rows for k = 1
  await expectRejection(() => sol.speculativeAccept(p, oneHot([1, 2], 4), [1, 2], key), /speculativeAccept/, /draftProbs/); // another vocabulary
  await expectRejection(() => sol.speculativeAccept(p, oneHot([1, 2], 5), [1, 7], key), /speculativeAccept/, /\b7\b/); // not a token id
});

// Many seeded rounds over a 4-token vocabulary, k = 2. The draft's tokens are drawn from
// its rows by the test (a seeded generator), the rule's draws from its key. Pearson's
// chi-square against the expected counts, 3 degrees of freedom: 16.27 is the 0.1% point,
// so a correct rule fails about once in a thousand seed sets (these seeds are fixed).
const P = [[0.5, 0.25, 0.15, 0.1], [0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]];
const Q = [[0.2, 0.3, 0.3, 0.2], [0.4, 0.3, 0.2, 0.1]];
const ROUNDS = 4000;
const CHI2_3DOF_0_001 = 16.27;

/** A seeded uniform generator in [0, 1) (mulberry32). */
function uniforms(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An index drawn from `probs` with the uniform u. */
const pick = (probs: number[], u: number) => {
  let c = 0;
  const i = probs.findIndex((p) => (c += p) > u);
  return i < 0 ? probs.length - 1 : i;
};

/** Pearson's chi-square of `tokens` against the distribution `probs`. */
function chiSquare(tokens: number[], probs: number[]): number {
  const counts = probs.map((_, v) => tokens.filter((t) => t === v).length);
  return probs.reduce((x, p, v) => x + (counts[v] - tokens.length * p) ** 2 / (tokens.length * p), 0);
}

/** ROUNDS rounds of the rule with draft rows `q`: the drafted tokens and each verdict. */
async function rounds(q: number[][]): Promise<{ drafted: number[][]; verdicts: { accepted: number; token: number }[] }> {
  const [p, qs] = [mx.array(P, "float32"), mx.array(q, "float32")];
  const u = uniforms(12345);
  const drafted: number[][] = [];
  const verdicts = [];
  for (let r = 0; r < ROUNDS; r++) {
    drafted.push(q.map((row) => pick(row, u())));
    verdicts.push(await sol.speculativeAccept(p, qs, drafted[r], mx.random.key(r)));
  }
  return { drafted, verdicts };
}

test("week_2_day_8_task_2_sampling_keeps_the_target_distribution", async () => {
  const { drafted, verdicts } = await rounds(Q);
  // The first token out of a round: the draft's if kept, else the residual's draw.
  const first = verdicts.map((v, r) => (v.accepted >= 1 ? drafted[r][0] : v.token));
  expect(chiSquare(first, P[0])).toBeLessThan(CHI2_3DOF_0_001);
  // The second, in rounds that kept the first: distributed as the target's second row.
  const kept = verdicts.flatMap((v, r) => (v.accepted >= 1 ? [v.accepted >= 2 ? drafted[r][1] : v.token] : []));
  expect(kept.length).toBeGreaterThan(ROUNDS / 4);
  expect(chiSquare(kept, P[1])).toBeLessThan(CHI2_3DOF_0_001);
  // The first drafted token is kept with probability sum_x min(p(x), q(x)) = 0.7 (within 4 sigma, +-0.029).
  const keep = P[0].reduce((a, p, x) => a + Math.min(p, Q[0][x]), 0);
  const rate = verdicts.filter((v) => v.accepted >= 1).length / ROUNDS;
  expect(Math.abs(rate - keep)).toBeLessThan(4 * Math.sqrt((keep * (1 - keep)) / ROUNDS));
  // The test can tell: the draft's own tokens, all kept, would be far off the target's distribution.
  expect(chiSquare(drafted.map((d) => d[0]), P[0])).toBeGreaterThan(10 * CHI2_3DOF_0_001);
});

test("week_2_day_8_task_2_sampling_bonus_token_when_all_kept", async () => {
  // A draft that is the target: every drafted token is kept, and the bonus comes from the last row.
  const { verdicts } = await rounds(P.slice(0, 2));
  expect(verdicts.every((v) => v.accepted === 2)).toBe(true);
  expect(chiSquare(verdicts.map((v) => v.token), P[2])).toBeLessThan(CHI2_3DOF_0_001);
});

// ------------------------------------------------------------------ task 3: generation
type Week2Model = InstanceType<typeof week2.Qwen2ModelWeek2>;
type Cache = ReturnType<Week2Model["makeCache"]>;

/** The tiny Qwen2 (bf16) as the target and its 4-bit copy as the draft, week 2's reference models. */
function models(): { target: Week2Model; draft: Week2Model; tokenizer: LoadedModel["tokenizer"] } {
  const [bf16, q4] = [tinyQwen2("bf16"), tinyQwen2("4bit")];
  return { target: new week2.Qwen2ModelWeek2(bf16), draft: new week2.Qwen2ModelWeek2(q4), tokenizer: bf16.tokenizer };
}
const PROMPT = "<|im_start|>user\nGive me a short introduction to large language model.<|im_end|>\n<|im_start|>assistant\n";

test("week_2_day_8_task_3_greedy_output_is_the_targets", async () => {
  const { target, draft, tokenizer } = models();
  const alone = await week2.simpleGenerateWithKvCache(target, tokenizer, PROMPT, { maxTokens: 24, eosTokenIds: [] });
  for (const k of [1, 3, 5]) {
    const r = await sol.speculativeGenerate(target, draft, tokenizer, PROMPT, { maxTokens: 24, eosTokenIds: [], numDraftTokens: k });
    expect({ k, tokens: r.tokens, text: r.text, stopReason: r.stopReason }).toEqual({ k, tokens: alone.tokens, text: alone.text, stopReason: "length" });
    expect(r.promptTokens).toBe(alone.promptTokens);
    expect(r.draftedTokens).toBeGreaterThan(0);
    expect(r.acceptedTokens).toBeGreaterThanOrEqual(0);
    expect(r.acceptedTokens).toBeLessThanOrEqual(r.draftedTokens);
  }
});

// The greedy drafts and verdicts recomputed with a fresh cache every round (nothing
// trimmed): the numbers of drafted and kept tokens must be the same, which they are not
// when either model's cache keeps rejected tokens.
test("week_2_day_8_task_3_greedy_acceptance_matches_fresh_caches", async () => {
  const { target, draft, tokenizer } = models();
  const [k, maxTokens] = [3, 20];
  const r = await sol.speculativeGenerate(target, draft, tokenizer, PROMPT, { maxTokens, eosTokenIds: [], numDraftTokens: k });
  const argmaxRows = async (model: Week2Model, seq: number[]) => {
    const logits = model.forward(mx.array([seq], "int32"), 0, model.makeCache()); // 1 x L x V
    return Array.from(await logits.reshape(logits.shape[1], logits.shape[2]).argmax(-1).data()) as number[];
  };
  const ids = tokenizer.encode(PROMPT);
  const out = [(await argmaxRows(target, ids)).at(-1)!];
  let [drafted, accepted] = [0, 0];
  while (out.length < maxTokens) {
    const n = Math.min(k, maxTokens - out.length - 1);
    const guesses: number[] = [];
    for (let i = 0; i < n; i++) guesses.push((await argmaxRows(draft, [...ids, ...out, ...guesses])).at(-1)!);
    const wanted = (await argmaxRows(target, [...ids, ...out, ...guesses])).slice(-(n + 1)); // the target's pick after 0 .. n guesses
    let a = 0;
    while (a < n && guesses[a] === wanted[a]) a++;
    out.push(...guesses.slice(0, a), wanted[a]);
    [drafted, accepted] = [drafted + n, accepted + a];
  }
  expect(r.tokens).toEqual(out);
  expect({ drafted: r.draftedTokens, accepted: r.acceptedTokens }).toEqual({ drafted, accepted });
});

test("week_2_day_8_task_3_draft_equal_to_target_keeps_every_token", async () => {
  const { target, tokenizer } = models();
  const spy = spyModel(tinyQwen2("bf16"));
  const L = tokenizer.encode(PROMPT).length;
  // 21 tokens: the prefill's, then 4 rounds of 4 drafted tokens and a bonus, one target call each.
  const r = await sol.speculativeGenerate(spy.model, target, tokenizer, PROMPT, { maxTokens: 21, eosTokenIds: [], numDraftTokens: 4 });
  expect(r.tokens.length).toBe(21);
  expect({ drafted: r.draftedTokens, accepted: r.acceptedTokens }).toEqual({ drafted: 16, accepted: 16 });
  expect(spy.calls).toEqual([0, L, L + 5, L + 10, L + 15].map((offset, i) => ({ prefill: { offset, tokens: i === 0 ? L : 5 } })));
  // Sampling from the same distributions: p = q, so min(1, p/q) = 1 keeps every token too.
  const s = await sol.speculativeGenerate(target, target, tokenizer, PROMPT, { maxTokens: 21, eosTokenIds: [], numDraftTokens: 4, temperature: 0.8, seed: 5 });
  expect({ drafted: s.draftedTokens, accepted: s.acceptedTokens }).toEqual({ drafted: 16, accepted: 16 });
});

test("week_2_day_8_task_3_sampling_is_seeded", async () => {
  const { target, draft, tokenizer } = models();
  const run = async (seed: number) => (await sol.speculativeGenerate(target, draft, tokenizer, PROMPT, { maxTokens: 16, eosTokenIds: [], numDraftTokens: 3, temperature: 1, seed })).tokens;
  const a = await run(1);
  expect(await run(1)).toEqual(a);
  expect(await run(2)).not.toEqual(a);
});

test("week_2_day_8_task_3_stops_at_eos_and_max_tokens", async () => {
  const { target, draft, tokenizer } = models();
  const alone = await week2.simpleGenerateWithKvCache(target, tokenizer, PROMPT, { maxTokens: 12, eosTokenIds: [] });
  // The 6th greedy token as EOS: the reply is the 5 before it, whichever round it falls in.
  const eos = alone.tokens[5];
  const firstEos = alone.tokens.indexOf(eos);
  const r = await sol.speculativeGenerate(target, draft, tokenizer, PROMPT, { maxTokens: 12, eosTokenIds: [eos], numDraftTokens: 4 });
  expect({ tokens: r.tokens, stopReason: r.stopReason }).toEqual({ tokens: alone.tokens.slice(0, firstEos), stopReason: "eos" });
  for (const maxTokens of [1, 2, 7]) {
    const m = await sol.speculativeGenerate(target, draft, tokenizer, PROMPT, { maxTokens, eosTokenIds: [], numDraftTokens: 4 });
    expect(m.tokens).toEqual(alone.tokens.slice(0, maxTokens));
  }
});

test("week_2_day_8_task_3_bad_arguments_throw", async () => {
  const { target, draft, tokenizer } = models();
  for (const numDraftTokens of [0, 1.5, -2]) {
    await expectRejection(() => sol.speculativeGenerate(target, draft, tokenizer, PROMPT, { numDraftTokens }), /numDraftTokens/, new RegExp(String(numDraftTokens).replace(".", "\\.")));
  }
  // A draft that scores another vocabulary (its logits cut to 1000 tokens).
  const narrow = {
    makeCache: () => draft.makeCache(),
    forward: (inputs: mx.array, offset: number, cache: Cache, opts?: { lastOnly?: boolean }) => draft.forward(inputs, offset, cache, opts).slice(":", ":", "0:1000"),
  };
  await expectRejection(() => sol.speculativeGenerate(target, narrow, tokenizer, PROMPT, { maxTokens: 4 }), /vocabulary/, /\b1000\b/);
});
