// Week 2, day 7: chunked prefill. A long prompt is prefilled in chunks of at most
// prefillStep tokens, a decode step of the running batch between two (task 1); a request
// ends on EOS also during prefill, at the context limit, and its cache is released when
// it ends or when a step fails (task 2).
// Book: week2-07-chunked-prefill.md. The oracle is each prompt generated alone by week 2's
// reference (tests/helpers/serving.ts), itself checked against transformers.
import * as mx from "@tiny-llm/array";
import { randomNormal } from "./helpers/reference";
import { alone, PROMPTS, spyModel, tinyQwen2, type Call } from "./helpers/serving";
import { loadSolution } from "./solution";

const sol = loadSolution();
// The scheduler runs week 2's reference model (helpers/serving.ts's spyModel), so that
// these tests are about the day's piece only.

const tokenizer = () => tinyQwen2().tokenizer;
const lengthOf = (p: string) => tokenizer().encode(p).length;

/** The requests of `prompts` on a scheduler of `opts`, run to the end. */
async function runAll(model: ReturnType<typeof spyModel>["model"], prompts: string[], opts: ConstructorParameters<typeof sol.Scheduler>[1]) {
  const scheduler = new sol.Scheduler(model, opts);
  const requests = prompts.map((p) => scheduler.add(tokenizer().encode(p)));
  while (!scheduler.done) await scheduler.step();
  return requests;
}

/** Each request's prefill calls, in order: [offset, tokens] pairs, a new request at each offset 0. */
function prefillRuns(calls: Call[]): [number, number][][] {
  const runs: [number, number][][] = [];
  for (const c of calls) {
    if (!("prefill" in c)) continue;
    if (c.prefill.offset === 0) runs.push([]);
    runs[runs.length - 1].push([c.prefill.offset, c.prefill.tokens]);
  }
  return runs;
}

// ------------------------------------------------------------------ task 1: chunks
test("week_2_day_7_task_1_chunked_equals_unchunked", async () => {
  for (const prefillStep of [1, 2, 5, 64]) {
    const { model, calls } = spyModel();
    const results = await runAll(model, PROMPTS, { batchSize: 3, prefillStep, maxTokens: 5 });
    for (const [i, r] of results.entries()) expect({ prefillStep, prompt: i, tokens: r.tokens }).toEqual({ prefillStep, prompt: i, tokens: (await alone(PROMPTS[i], 5)).tokens });
    // Each prompt in consecutive chunks of at most prefillStep tokens, the last one possibly shorter.
    const runs = prefillRuns(calls);
    expect(runs.map((run) => run.reduce((n, [, L]) => n + L, 0))).toEqual(PROMPTS.map(lengthOf));
    for (const run of runs) {
      run.forEach(([offset, L], k) => {
        expect(offset).toBe(k === 0 ? 0 : run[k - 1][0] + run[k - 1][1]);
        expect(L).toBe(k < run.length - 1 ? prefillStep : Math.min(L, prefillStep));
      });
    }
  }
});

test("week_2_day_7_task_1_chunks_interleave_with_decode_steps", async () => {
  const { model, calls } = spyModel();
  const scheduler = new sol.Scheduler(model, { batchSize: 3, prefillStep: 4, maxTokens: 6 });
  const prompts = [[11, 12, 13], [21, 22, 23], [31, 32, 33, 34, 35, 36, 37, 38, 39, 40]];
  const requests = prompts.map((p) => scheduler.add(p));
  while (!scheduler.done) await scheduler.step();
  const prefill = (offset: number, tokens: number): Call => ({ prefill: { offset, tokens } });
  const decode = (...offsets: number[]): Call => ({ decode: { offsets } });
  // Each step: the prefilling request's next chunk, then one decode step of the batch.
  // The third prompt's 10 tokens take three steps (4 + 4 + 2) while the first two decode.
  expect(calls).toEqual([
    prefill(0, 3), decode(3), // A joins
    prefill(0, 3), decode(4, 3), // B joins
    prefill(0, 4), decode(5, 4), // C's first chunk
    prefill(4, 4), decode(6, 5),
    prefill(8, 2), decode(7, 6, 10), // C joins; A's sixth token
    decode(7, 11), // B's sixth
    decode(12), decode(13), decode(14), // C's
  ]);
  requests.forEach((r) => expect([r.tokens.length, r.finishReason]).toEqual([6, "length"]));
});

// ------------------------------------------------------------------ task 2: limits, failures, release
test("week_2_day_7_task_2_kv_cache_release", () => {
  const cache = new sol.TinyKvFullCache();
  cache.release(); // an empty cache: nothing to release
  expect(cache.offset).toBe(0);
  cache.updateAndFetch(randomNormal(1, [1, 2, 5, 8]), randomNormal(2, [1, 2, 5, 8]));
  cache.release();
  expect(cache.offset).toBe(0);
  // Released, it is as new: it takes keys of any shape again.
  const [keys] = cache.updateAndFetch(randomNormal(3, [1, 3, 2, 4]), randomNormal(4, [1, 3, 2, 4]));
  expect([cache.offset, keys.shape]).toEqual([2, [1, 3, 2, 4]]);
});

test("week_2_day_7_task_2_eos_during_prefill", async () => {
  const first = (await alone(PROMPTS[1], 1)).tokens[0]; // the token prompt 1 would start its reply with
  const { model, calls, caches } = spyModel();
  const results = await runAll(model, PROMPTS, { batchSize: 3, prefillStep: 5, maxTokens: 6, eosTokenIds: [first] });
  let decodeRows = 0;
  for (const [i, r] of results.entries()) {
    const own = (await alone(PROMPTS[i], 6)).tokens;
    const end = own.indexOf(first);
    const expected = end < 0 ? own : own.slice(0, end);
    expect({ prompt: i, tokens: r.tokens, finishReason: r.finishReason }).toEqual({ prompt: i, tokens: expected, finishReason: end < 0 ? "length" : "eos" });
    decodeRows += end < 0 ? own.length - 1 : end; // tokens sampled after the first
  }
  expect([results[1].tokens, results[1].finishReason]).toEqual([[], "eos"]);
  // Prompt 1 never joined a decode step: the steps' rows add up without it.
  expect(calls.reduce((n, c) => n + ("decode" in c ? c.decode.offsets.length : 0), 0)).toBe(decodeRows);
  expect(caches.every((c) => c.offset === 0)).toBe(true); // every cache released
});

test("week_2_day_7_task_2_context_limit", async () => {
  const maxContext = 12;
  const prompts = [0, 1, 2, 4].map((i) => PROMPTS[i]); // 2, 17, 6 and 12 tokens
  const { model, calls } = spyModel();
  const results = await runAll(model, prompts, { batchSize: 2, prefillStep: 4, maxTokens: 20, maxContext });
  for (const [i, r] of results.entries()) {
    const L = lengthOf(prompts[i]);
    // A token is generated while it can be fed: its position, L + k - 1, is below maxContext.
    const k = L > maxContext ? 0 : maxContext - L + 1;
    expect({ prompt: i, tokens: r.tokens, finishReason: r.finishReason }).toEqual({ prompt: i, tokens: (await alone(prompts[i], k)).tokens.slice(0, k), finishReason: "context" });
  }
  // No call ever ran a position past the limit; the 17-token prompt never ran.
  for (const c of calls) {
    if ("prefill" in c) expect(c.prefill.offset + c.prefill.tokens).toBeLessThanOrEqual(maxContext);
    else expect(Math.max(...c.decode.offsets)).toBeLessThan(maxContext);
  }
  expect(prefillRuns(calls).map((run) => run.reduce((n, [, L]) => n + L, 0))).toEqual([2, 6, 12]);
  expect(() => new sol.Scheduler(model, { maxContext: tinyQwen2().config.maxPositionEmbeddings + 1 })).toThrow(/maxContext|max_position_embeddings/);
});

test("week_2_day_7_task_2_caches_released_when_a_step_fails", async () => {
  const { model, calls, caches } = spyModel();
  let held = 0;
  const failing = {
    ...model,
    forward(...args: Parameters<typeof model.forward>) {
      if (calls.length === 7) { // by now: requests decoding, one prefilling, some waiting
        held = caches.filter((c) => c.offset > 0).length;
        throw new Error("the device fell over");
      }
      return model.forward(...args);
    },
  };
  const scheduler = new sol.Scheduler(failing, { batchSize: 2, prefillStep: 3, maxTokens: 8 });
  const requests = PROMPTS.map((p) => scheduler.add(tokenizer().encode(p)));
  await expect(async () => {
    while (!scheduler.done) await scheduler.step();
  }).rejects.toThrow(/the device fell over/);
  expect(held).toBeGreaterThan(2); // caches that held keys when the step failed ...
  expect(caches.every((c) => c.offset === 0)).toBe(true); // ... all released
  expect(caches).toHaveLength(PROMPTS.length * tinyQwen2().config.numHiddenLayers);
  expect(scheduler.done).toBe(true);
  expect(requests.map((r) => r.finishReason)).toEqual(PROMPTS.map(() => "error"));
});

test("week_2_day_7_task_2_caches_released_as_requests_end", async () => {
  const { model, caches } = spyModel();
  const live: number[] = [];
  const scheduler = new sol.Scheduler(model, {
    batchSize: 2, prefillStep: 4, maxTokens: 4,
    // When a request ends its cache still holds its keys (a prefix cache could keep them) ...
    onFinish: (r) => live.push(r.cache!.reduce((n, c) => n + c.offset, 0)),
  });
  const requests = PROMPTS.map((p) => scheduler.add(tokenizer().encode(p)));
  while (!scheduler.done) await scheduler.step();
  expect(live.every((n) => n > 0)).toBe(true);
  expect(live).toHaveLength(PROMPTS.length);
  // ... and right after, it is released.
  expect(requests.every((r) => r.cache === null)).toBe(true);
  expect(caches.every((c) => c.offset === 0)).toBe(true);
});

test("week_2_day_7_task_2_prefilled_cache_starts_the_prompt_later", async () => {
  // A request may arrive with a cache already holding its prompt's first tokens (a prefix
  // cache's hit): only the rest is prefilled, and the reply is the same.
  const ids = tokenizer().encode(PROMPTS[1]); // 17 tokens
  const { model, calls } = spyModel();
  const holding = (n: number) => {
    const cache = model.makeCache();
    model.forward(mx.array([ids.slice(0, n)], "int32"), 0, cache);
    return cache;
  };
  const cache = holding(10);
  calls.length = 0;
  const scheduler = new sol.Scheduler(model, { prefillStep: 4, maxTokens: 5 });
  const r = scheduler.add(ids, { cache });
  while (!scheduler.done) await scheduler.step();
  expect(r.tokens).toEqual((await alone(PROMPTS[1], 5)).tokens);
  expect(calls.filter((c) => "prefill" in c)).toEqual([{ prefill: { offset: 10, tokens: 4 } }, { prefill: { offset: 14, tokens: 3 } }]);
  // A cache holding the whole prompt leaves nothing to prefill, so no logits for the first token.
  expect(() => scheduler.add(ids.slice(0, 3), { cache: holding(3) })).toThrow(/cache/);
});
