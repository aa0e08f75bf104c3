// Week 2, day 9: the prefix cache. Prompts are named block by block with a hash chain
// (task 1); the cache copies prefilled blocks out of a request's KV cache and hands the
// longest stored prefix to later requests, within a budget of bytes, least recently used
// out first (task 2); generation with it prefills only what is not stored and gives the
// same tokens as without (task 3).
// Book: week2-09-prefix-cache.md. Model: the tiny Qwen2 (packages/tiny-model).
import * as mx from "@tiny-llm/array";
import type { LoadedModel } from "@tiny-llm/loader";
import { expectClose } from "./helpers/compare";
import { expectError, expectRejection } from "./helpers/expect-error";
import { randomNormal } from "./helpers/reference";
import { spyModel, tinyQwen2, type Call } from "./helpers/serving";
import { loadSolution } from "./solution";

const sol = loadSolution();
// The cache and generation run on week 2's reference model (and task 3 on its PrefixCache), so that each task is tested on its own.
const week2 = loadSolution("week2_ref");
const EXACT = { rtol: 0, atol: 0 };

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** Length of the common prefix of two token lists. */
const shared = (a: number[], b: number[]) => {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
};

// ------------------------------------------------------------------ task 1: block hashes
test("week_2_day_9_task_1_block_hashes_chain", () => {
  const a = range(40, 100); // 2 full blocks of 16, 8 tokens left over
  const hashes = sol.blockHashes(a, 16);
  expect(hashes.length).toBe(2);
  expect(new Set(hashes).size).toBe(2);
  expect(sol.blockHashes(a, 16)).toEqual(hashes); // a function of the tokens only
  expect(sol.blockHashes(a.slice(0, 32), 16)).toEqual(hashes); // the partial block has no name
  expect(sol.blockHashes(a.slice(0, 31), 16)).toEqual(hashes.slice(0, 1));
  // A change in the second block renames it only; a change in the first renames both (the chain).
  const second = [...a.slice(0, 20), 7, ...a.slice(21)];
  expect(sol.blockHashes(second, 16)).toEqual([hashes[0], expect.not.stringMatching(hashes[1])]);
  const first = [7, ...a.slice(1)];
  const renamed = sol.blockHashes(first, 16);
  expect(renamed[0]).not.toBe(hashes[0]);
  expect(renamed[1]).not.toBe(hashes[1]);
  // The same tokens in the second block after another first block: another name.
  expect(sol.blockHashes([...first.slice(0, 16), ...a.slice(16, 32)], 16)[1]).not.toBe(hashes[1]);
  expect(sol.blockHashes(a, 8).length).toBe(5);
  expect(sol.blockHashes([], 16)).toEqual([]);
});

test("week_2_day_9_task_1_block_hashes_bad_arguments_throw", () => {
  for (const blockSize of [0, -16, 2.5]) expectError(() => sol.blockHashes(range(32), blockSize), /blockSize/, new RegExp(String(blockSize).replace(".", "\\.")));
  expectError(() => sol.blockHashes([1, 2, -3], 2), /token/, /-3/);
});

// ------------------------------------------------------------------ task 2: the prefix cache
test("week_2_day_9_task_2_kv_cache_fetch", async () => {
  const cache = new sol.TinyKvFullCache();
  expectError(() => cache.fetch(), /fetch/, /no tokens|empty/);
  const [k1, v1] = [randomNormal(1, [1, 2, 5, 8]), randomNormal(2, [1, 2, 5, 8])];
  const [k2, v2] = [randomNormal(3, [1, 2, 1, 8]), randomNormal(4, [1, 2, 1, 8])];
  cache.updateAndFetch(k1, v1);
  cache.updateAndFetch(k2, v2);
  const [keys, values] = cache.fetch();
  await expectClose(keys, mx.concatenate([k1, k2], 2), { tol: EXACT, label: "fetched keys" });
  await expectClose(values, mx.concatenate([v1, v2], 2), { tol: EXACT, label: "fetched values" });
  expect(cache.offset).toBe(6); // fetching adds nothing
});

type Week2Model = InstanceType<typeof week2.Qwen2ModelWeek2>;
type Cache = ReturnType<Week2Model["makeCache"]>;

/** The tiny Qwen2 (bf16) and its 4-bit copy as week 2's reference models. */
function models(): { model: Week2Model; other: Week2Model; tokenizer: LoadedModel["tokenizer"] } {
  const [bf16, q4] = [tinyQwen2("bf16"), tinyQwen2("4bit")];
  return { model: new week2.Qwen2ModelWeek2(bf16), other: new week2.Qwen2ModelWeek2(q4), tokenizer: bf16.tokenizer };
}

/** A cache of `model` after prefilling `tokens`. */
function prefilled(model: Week2Model, tokens: number[]): Cache {
  const cache = model.makeCache();
  model.forward(mx.array([tokens], "int32"), 0, cache);
  return cache;
}

/** Bytes of one block of the tiny model: layers x (keys + values) x 1 x H_kv x B x D float32. */
const blockBytes = (B: number) => 2 * 2 * 2 * B * 16 * 4;

test("week_2_day_9_task_2_restore_gives_the_stored_keys_and_values", async () => {
  const { model } = models();
  const prompt = range(40, 1000);
  const source = prefilled(model, prompt);
  const pc = new sol.PrefixCache(model, { maxBytes: 1e6, blockSize: 16 });
  expect({ size: pc.size, bytes: pc.bytes, match: pc.match(prompt) }).toEqual({ size: 0, bytes: 0, match: 0 });
  pc.store(prompt, source);
  expect({ size: pc.size, bytes: pc.bytes }).toEqual({ size: 2, bytes: 2 * blockBytes(16) });
  const restored = pc.restore(prompt);
  expect(restored.map((l) => l.offset)).toEqual([32, 32]);
  for (const [l, layer] of restored.entries()) {
    const [keys, values] = layer.fetch();
    const [k, v] = source[l].fetch();
    await expectClose(keys, k.slice(":", ":", "0:32"), { tol: EXACT, label: `layer ${l} keys` });
    await expectClose(values, v.slice(":", ":", "0:32"), { tol: EXACT, label: `layer ${l} values` });
  }
  // The restored cache is the model's own: decoding on from it works.
  model.forward(mx.array([prompt.slice(32)], "int32"), 32, restored);
  // Stored blocks are copies: the source cache going on (or away) leaves them as they were.
  for (const layer of source) layer.trim(40);
  model.forward(mx.array([range(40, 5)], "int32"), 0, source);
  const again = pc.restore(prompt);
  await expectClose(again[0].fetch()[0], restored[0].fetch()[0].slice(":", ":", "0:32"), { tol: EXACT, label: "keys after the source changed" });
});

test("week_2_day_9_task_2_match_in_whole_blocks_leaving_the_last_token", () => {
  const { model } = models();
  const prompt = range(40, 1000);
  const pc = new sol.PrefixCache(model, { maxBytes: 1e6, blockSize: 16 });
  pc.store(prompt, prefilled(model, prompt));
  expect(pc.match(prompt)).toBe(32);
  expect(pc.match([...prompt, 5, 6])).toBe(32);
  expect(pc.match(prompt.slice(0, 32))).toBe(16); // 32 tokens: the last one must be prefilled
  expect(pc.match(prompt.slice(0, 33))).toBe(32);
  expect(pc.match([...prompt.slice(0, 20), 7, ...prompt.slice(21)])).toBe(16); // differs in block 2
  expect(pc.match([7, ...prompt.slice(1)])).toBe(0);
  expect(pc.restore([7, ...prompt.slice(1)]).map((l) => l.offset)).toEqual([0, 0]);
});

test("week_2_day_9_task_2_eviction_under_a_budget", () => {
  const { model } = models();
  const [a, b, c] = [range(33, 1000), range(33, 2000), range(33, 3000)]; // two full blocks each
  const pc = new sol.PrefixCache(model, { maxBytes: 3 * blockBytes(16), blockSize: 16 });
  pc.store(a, prefilled(model, a));
  pc.store(b, prefilled(model, b)); // four blocks: a's tail goes, the least recently used
  expect({ size: pc.size, bytes: pc.bytes }).toEqual({ size: 3, bytes: 3 * blockBytes(16) });
  expect([pc.match(a), pc.match(b)]).toEqual([16, 32]);
  pc.restore(a); // a's head is now the most recent
  pc.store(c, prefilled(model, c)); // b's blocks are the oldest: its tail, then its head go
  expect([pc.match(a), pc.match(b), pc.match(c)]).toEqual([16, 0, 32]);
  expect(pc.bytes).toBeLessThanOrEqual(pc.maxBytes);
  // A budget below one block keeps nothing.
  const none = new sol.PrefixCache(model, { maxBytes: blockBytes(16) - 1, blockSize: 16 });
  none.store(a, prefilled(model, a));
  expect({ size: none.size, bytes: none.bytes, match: none.match(a) }).toEqual({ size: 0, bytes: 0, match: 0 });
});

test("week_2_day_9_task_2_bad_arguments_throw", () => {
  const { model } = models();
  expectError(() => new sol.PrefixCache(model, { maxBytes: -1 }), /maxBytes/, /-1/);
  expectError(() => new sol.PrefixCache(model, { maxBytes: 1e6, blockSize: 0 }), /blockSize/, /\b0\b/);
  const pc = new sol.PrefixCache(model, { maxBytes: 1e6, blockSize: 16 });
  const prompt = range(20, 1000);
  expectError(() => pc.store(prompt, prefilled(model, prompt).slice(1)), /cache/, /layer/);
});

// ------------------------------------------------------------------ task 3: generation
const SYSTEM = "You are a helpful assistant. Answer questions about the history of computing in detail, with dates and names, and say so when you are not sure.";
const chat = (q: string) => `<|im_start|>system\n${SYSTEM}<|im_end|>\n<|im_start|>user\n${q}<|im_end|>\n<|im_start|>assistant\n`;
const QUESTIONS = ["What is a KV cache?", "Who built ENIAC?", "What is a KV cache?", "Why are transistors small?"];

/**
 * Tokens prompt i finds stored in blocks of 16 after prompts `before` stored all their
 * whole blocks: the whole blocks it shares with one of them, leaving its last token.
 */
const storedPrefix = (ids: number[][], i: number, before: number[]) =>
  Math.max(0, ...before.map((j) => Math.floor(Math.min(shared(ids[i], ids[j]), ids[j].length, ids[i].length - 1) / 16) * 16));

/** The prefill calls among a spy's calls, as [tokens fed, offset]. */
const prefills = (calls: Call[]) => calls.flatMap((c) => ("prefill" in c ? [[c.prefill.tokens, c.prefill.offset]] : []));

test("week_2_day_9_task_3_same_tokens_and_fewer_prefilled", async () => {
  const { model, tokenizer } = models();
  const { model: spy, calls } = spyModel(tinyQwen2("bf16"));
  const pc = new week2.PrefixCache(spy, { maxBytes: 1e7, blockSize: 16 });
  const ids = QUESTIONS.map((q) => tokenizer.encode(chat(q)));
  const expectedCached = (i: number) => storedPrefix(ids, i, range(i));
  for (const [i, q] of QUESTIONS.entries()) {
    const prompt = chat(q);
    const alone = await week2.simpleGenerateWithKvCache(model, tokenizer, prompt, { maxTokens: 12, eosTokenIds: [] });
    calls.length = 0;
    const r = await sol.simpleGenerateWithPrefixCache(spy, tokenizer, prompt, { maxTokens: 12, eosTokenIds: [], prefixCache: pc });
    expect({ q, tokens: r.tokens, text: r.text }).toEqual({ q, tokens: alone.tokens, text: alone.text });
    const L = tokenizer.encode(prompt).length;
    expect(r.promptTokens).toBe(L);
    // The first request prefills everything; later ones the tokens after the stored whole blocks.
    const expected = expectedCached(i);
    expect({ q, cached: r.cachedTokens }).toEqual({ q, cached: expected });
    expect(prefills(calls)).toEqual([[L - expected, expected], ...range(11).map((j) => [1, L + j])]);
  }
  expect(expectedCached(1)).toBeGreaterThanOrEqual(32); // the shared system prompt spans blocks
  expect(expectedCached(2)).toBe(Math.floor((ids[2].length - 1) / 16) * 16); // a prompt seen before: all but its last block
});

test("week_2_day_9_task_3_no_reuse_when_nothing_fits", async () => {
  const { model, tokenizer } = models();
  const pc = new week2.PrefixCache(model, { maxBytes: 0 });
  for (const q of QUESTIONS.slice(0, 2)) {
    const alone = await week2.simpleGenerateWithKvCache(model, tokenizer, chat(q), { maxTokens: 6, eosTokenIds: [] });
    const r = await sol.simpleGenerateWithPrefixCache(model, tokenizer, chat(q), { maxTokens: 6, eosTokenIds: [], prefixCache: pc });
    expect({ tokens: r.tokens, cached: r.cachedTokens }).toEqual({ tokens: alone.tokens, cached: 0 });
  }
});

test("week_2_day_9_task_3_prefix_cache_of_another_model_throws", async () => {
  const { model, other, tokenizer } = models();
  // The 4-bit copy has the same shapes: only the cache's owner tells its keys apart.
  const pc = new week2.PrefixCache(other, { maxBytes: 1e6 });
  await expectRejection(() => sol.simpleGenerateWithPrefixCache(model, tokenizer, chat(QUESTIONS[0]), { maxTokens: 4, prefixCache: pc }), /prefix cache/i, /another model/);
});

// The serving engine of days 6 and 7 with a prefix cache: a request starts from the
// longest prefix that requests of earlier calls stored.
test("week_2_day_9_task_2_batch_generate_starts_requests_from_the_prefix_cache", async () => {
  const { model, tokenizer } = models();
  const { model: spy, calls } = spyModel(tinyQwen2("bf16"));
  const pc = new sol.PrefixCache(spy, { maxBytes: 1e7, blockSize: 16 });
  const opts = { maxTokens: 6, eosTokenIds: [], prefillStep: 1000, prefixCache: pc };
  const ids = QUESTIONS.map((q) => tokenizer.encode(chat(q)));
  const alone: number[][] = [];
  for (const q of QUESTIONS) alone.push((await week2.simpleGenerateWithKvCache(model, tokenizer, chat(q), { maxTokens: 6, eosTokenIds: [] })).tokens);
  const first = await week2.batchGenerate(spy, tokenizer, QUESTIONS.slice(0, 2).map(chat), opts);
  expect(prefills(calls)).toEqual([[ids[0].length, 0], [ids[1].length, 0]]); // nothing stored yet: prompts of one call do not share
  calls.length = 0;
  const second = await week2.batchGenerate(spy, tokenizer, QUESTIONS.slice(2).map(chat), opts);
  const cached = [2, 3].map((i) => storedPrefix(ids, i, [0, 1]));
  expect(cached[0]).toBe(Math.floor((ids[2].length - 1) / 16) * 16); // the first call's first prompt again
  expect(cached[1]).toBeGreaterThanOrEqual(32);
  expect(prefills(calls)).toEqual([[ids[2].length - cached[0], cached[0]], [ids[3].length - cached[1], cached[1]]]);
  expect([...first, ...second].map((r) => r.tokens)).toEqual(alone);
});
