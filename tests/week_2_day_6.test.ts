// Week 2, day 6: continuous batching. The batch's KV cache, laying the requests' own
// caches side by side with a mask (task 1); the model running a batch whose rows sit at
// their own offsets (task 2); the scheduler, whose requests join and leave the batch
// between decode steps (task 3); batchGenerate, streaming every reply (task 4).
// Book: week2-06-continuous-batching.md. The oracle is each prompt generated alone by
// week 2's reference (tests/helpers/serving.ts), itself checked against transformers.
import * as mx from "@tiny-llm/array";
import { expectClose } from "./helpers/compare";
import { expectError } from "./helpers/expect-error";
import { randomNormal } from "./helpers/reference";
import { alone, PROMPTS, spyModel, tinyQwen2, type Call } from "./helpers/serving";
import { loadSolution } from "./solution";

const sol = loadSolution();
// The batch cache's rows, and the model of the scheduler's tests, are week 2's reference:
// those tests are about the day's piece only.
const week2 = loadSolution("week2_ref");
const EXACT = { rtol: 0, atol: 0 };
/** Batched against single logits: the same sums, only in another order. */
const BATCH_TOL = { rtol: 1e-4, atol: 1e-4 };

const ids = (rows: number[][]) => mx.array(rows, "int32");

// ------------------------------------------------------------------ task 1: the batch's cache
const [H, D] = [2, 8];

/** A request's own cache (week 2's reference) and what it holds: 1 x H x S x D keys and values. */
function rowOf(seed: number, S: number) {
  const cache = new week2.TinyKvFullCache();
  const keys = [randomNormal(seed, [1, H, S, D])];
  const values = [randomNormal(seed + 1000, [1, H, S, D])];
  cache.updateAndFetch(keys[0], values[0]);
  return { cache, keys, values };
}
type Row = ReturnType<typeof rowOf>;

/**
 * The mask a batch of rows holding `lengths` tokens (the L new ones included) gives its
 * L new queries each, rows right-aligned: N x 1 x L x S.
 */
function expectedMask(lengths: number[], L: number): mx.array {
  const S = Math.max(...lengths);
  return mx.array(lengths.map((Si) => [Array.from({ length: L }, (_, q) => Array.from({ length: S }, (_, j) => (j >= S - Si && j <= S - L + q ? 0 : -Infinity)))]));
}

/** Row i of a batch's keys or values: its last S_i columns (the rows end together). */
const lastColumns = (a: mx.array, i: number, Si: number) => a.slice(`${i}:${i + 1}`, ":", `${a.shape[2] - Si}:`);

/** One updateAndFetch of L new tokens per row, checked: the laid-out keys and values, the mask, the offsets. */
async function checkStep(batch: InstanceType<typeof sol.BatchingKvCache>, rows: Row[], L: number, seed: number): Promise<void> {
  const N = rows.length;
  const key = randomNormal(seed, [N, H, L, D]);
  const value = randomNormal(seed + 1, [N, H, L, D]);
  rows.forEach((r, i) => {
    r.keys.push(key.slice(`${i}:${i + 1}`));
    r.values.push(value.slice(`${i}:${i + 1}`));
  });
  const [keys, values, mask] = batch.updateAndFetch(key, value);
  const lengths = rows.map((r) => r.keys.reduce((n, k) => n + k.shape[2], 0));
  const S = Math.max(...lengths);
  expect(keys.shape).toEqual([N, H, S, D]);
  expect(values.shape).toEqual([N, H, S, D]);
  expect(batch.offsets).toEqual(lengths);
  for (const [i, r] of rows.entries()) {
    await expectClose(lastColumns(keys, i, lengths[i]), mx.concatenate(r.keys, 2), { tol: EXACT, label: `step ${seed}: row ${i}'s keys` });
    await expectClose(lastColumns(values, i, lengths[i]), mx.concatenate(r.values, 2), { tol: EXACT, label: `step ${seed}: row ${i}'s values` });
  }
  await expectClose(mask, expectedMask(lengths, L), { tol: EXACT, label: `step ${seed}: mask` });
}

/** A row's own cache holds everything the row was given: its prefill and the tokens decoded in the batch. */
async function expectHandedBack(r: Row, label: string): Promise<void> {
  const [keys, values] = r.cache.fetch();
  await expectClose(keys, mx.concatenate(r.keys, 2), { tol: EXACT, label: `${label}: keys` });
  await expectClose(values, mx.concatenate(r.values, 2), { tol: EXACT, label: `${label}: values` });
}

test("week_2_day_6_task_1_batch_cache_lays_out_rows", async () => {
  const batch = new sol.BatchingKvCache();
  const rows = [5, 2, 7].map((S, i) => rowOf(i, S));
  rows.forEach((r) => batch.add(r.cache));
  expect(batch.caches).toEqual(rows.map((r) => r.cache));
  expect(batch.offsets).toEqual([5, 2, 7]);
  await checkStep(batch, rows, 1, 10); // a decode step
  await checkStep(batch, rows, 1, 20); // the same rows again
  batch.remove(1); // the second leaves: the tokens it decoded go back to its own cache
  await expectHandedBack(rows[1], "the row that left");
  rows.splice(1, 1);
  await checkStep(batch, rows, 1, 30); // the third moved up
  const late = rowOf(40, 300); // a long one joins: the batch grows to its length
  batch.add(late.cache);
  rows.push(late);
  await checkStep(batch, rows, 1, 50);
  await checkStep(batch, rows, 2, 60); // two new tokens a row: each sees its own earlier ones
  batch.release(); // the buffers go; every row's tokens go back to its own cache
  for (const [i, r] of rows.entries()) await expectHandedBack(r, `row ${i} after release`);
  await checkStep(batch, rows, 1, 70); // laid out again from the rows' caches
  for (let step = 0; step < 300; step++) await checkStep(batch, rows, 1, 100 + step); // past the room of the first layout
});

test("week_2_day_6_task_1_batch_cache_bad_input_throws", () => {
  const batch = new sol.BatchingKvCache();
  const rows = [3, 4].map((S, i) => rowOf(i, S));
  rows.forEach((r) => batch.add(r.cache));
  // Another number of rows than the batch holds.
  expectError(() => batch.updateAndFetch(randomNormal(1, [3, H, 1, D]), randomNormal(2, [3, H, 1, D])), /updateAndFetch/, /\b3\b/, /\b2\b/);
  // Keys and values of different shapes, or not N x H_kv x L x D.
  expectError(() => batch.updateAndFetch(randomNormal(1, [2, H, 1, D]), randomNormal(2, [2, H, 2, D])), /updateAndFetch/);
  expectError(() => batch.updateAndFetch(randomNormal(1, [2, H, D]), randomNormal(2, [2, H, D])), /updateAndFetch/);
  expect(batch.offsets).toEqual([3, 4]); // nothing was appended
  expectError(() => batch.remove(2), /remove/, /\b2\b/);
  expectError(() => batch.add(new week2.TinyKvFullCache()), /add/); // an empty cache: no prefill yet
});

// ------------------------------------------------------------------ task 2: the model on a batch
for (const form of ["bf16", "4bit"] as const) {
  test(`week_2_day_6_task_2_batched_logits_equal_single_${form}`, async () => {
    const m = tinyQwen2(form);
    const model = new sol.Qwen2ModelWeek2(m);
    const prompts = PROMPTS.slice(0, 3).map((p) => m.tokenizer.encode(p)); // of different lengths
    // Each request twice: a cache for the batch, and a twin that runs alone.
    const inBatch = prompts.map(() => model.makeCache());
    const single = prompts.map(() => model.makeCache());
    let next: number[] = [];
    for (const [i, p] of prompts.entries()) {
      model.forward(ids([p]), 0, inBatch[i]);
      const logits = model.forward(ids([p]), 0, single[i], { lastOnly: true }); // 1 x 1 x V
      next.push((await logits.argmax(-1).itemAsync()) as number);
    }
    const batch = Array.from({ length: m.config.numHiddenLayers }, () => new sol.BatchingKvCache());
    inBatch.forEach((cache) => cache.forEach((layer, l) => batch[l].add(layer)));
    for (let step = 0; step < 4; step++) {
      const offsets = batch[0].offsets; // the rows' positions (while in the batch, their new keys are only there)
      const logits = model.forward(ids(next.map((t) => [t])), offsets, batch); // N x 1 x V
      expect(logits.shape).toEqual([3, 1, m.config.vocabSize]);
      const following: number[] = [];
      for (const [i, t] of next.entries()) {
        const own = model.forward(ids([[t]]), single[i][0].offset, single[i]); // 1 x 1 x V
        await expectClose(logits.slice(`${i}:${i + 1}`), own, { tol: BATCH_TOL, label: `${form}, step ${step}, row ${i} (offset ${offsets[i]})` });
        following.push((await own.argmax(-1).itemAsync()) as number);
      }
      next = following;
    }
    // Two tokens a row, and lastOnly.
    const pairs = next.map((t) => [t, (t + 1) % 1000]);
    const offsets = batch[0].offsets; // the rows' positions (while in the batch, their new keys are only there)
    const logits = model.forward(ids(pairs), offsets, batch, { lastOnly: true }); // N x 1 x V
    for (const [i, pair] of pairs.entries()) {
      const own = model.forward(ids([pair]), single[i][0].offset, single[i], { lastOnly: true });
      await expectClose(logits.slice(`${i}:${i + 1}`), own, { tol: BATCH_TOL, label: `${form}, two tokens, row ${i}` });
    }
  });
}

test("week_2_day_6_task_2_offsets_must_match_the_batch", () => {
  const m = tinyQwen2();
  const model = new sol.Qwen2ModelWeek2(m);
  const caches = [[1, 2, 3], [4, 5]].map((p) => {
    const cache = model.makeCache();
    model.forward(ids([p]), 0, cache);
    return cache;
  });
  const batch = Array.from({ length: m.config.numHiddenLayers }, () => new sol.BatchingKvCache());
  caches.forEach((cache) => cache.forEach((layer, l) => batch[l].add(layer)));
  const next = ids([[7], [8]]);
  expectError(() => model.forward(next, [3, 3], batch), /offset/i, /\[?3,\s*3\]?/);
  expectError(() => model.forward(next, [3], batch), /offset/i);
  expectError(() => model.forward(next, 3, batch), /offset/i);
  expectError(() => model.forward(next, [3, 2], caches[0]), /BatchingKvCache|offset/);
  // The rejected calls appended nothing.
  expect(batch[0].offsets).toEqual([3, 2]);
  expect(model.forward(next, [3, 2], batch).shape).toEqual([2, 1, m.config.vocabSize]);
});

// ------------------------------------------------------------------ task 3: the scheduler
test("week_2_day_6_task_3_request_append", () => {
  const cache = new week2.TinyKvFullCache();
  cache.updateAndFetch(randomNormal(1, [1, H, 4, D]), randomNormal(2, [1, H, 4, D]));
  const limits = { maxTokens: 3, maxContext: 100, eosTokenIds: new Set([9]) };
  const r = new sol.Request(0, [1, 2, 3, 4], [cache], limits, 0);
  expect([r.offset, r.prefilled, r.finished]).toEqual([4, true, false]);
  expect(r.append(5, 10)).toBe(false);
  expect(r.append(6, 20)).toBe(false);
  expect([r.tokens, r.tokenTimes, r.lastToken]).toEqual([[5, 6], [10, 20], 6]);
  expect(r.append(7, 30)).toBe(true); // the third of maxTokens 3
  expect([r.finishReason, r.finishedAt, r.tokens]).toEqual(["length", 30, [5, 6, 7]]);
  const e = new sol.Request(1, [1, 2, 3, 4], [cache], limits, 0);
  expect(e.append(9, 5)).toBe(true); // EOS: ends, not generated
  expect([e.finishReason, e.tokens]).toEqual(["eos", []]);
  // maxContext 5: the cache holds 4, a token fed at position 4 fits, the one after it would not.
  const c = new sol.Request(2, [1, 2, 3, 4], [cache], { ...limits, maxContext: 4 }, 0);
  expect(c.append(5, 1)).toBe(true);
  expect([c.finishReason, c.tokens]).toEqual(["context", [5]]);
});

/** The decode calls among `calls`: the rows' offsets of each. */
const decodes = (calls: Call[]) => calls.flatMap((c) => ("decode" in c ? [c.decode.offsets] : []));

test("week_2_day_6_task_3_batch_equals_alone_staggered", async () => {
  const { model, calls } = spyModel();
  const tokenizer = tinyQwen2().tokenizer;
  const scheduler = new sol.Scheduler(model, { batchSize: 3, prefillStep: 64, maxTokens: 8 });
  const maxTokens = [8, 3, 6, 1, 5, 7]; // they finish at different steps
  const arrivals = [0, 0, 1, 2, 5, 9]; // the step each prompt arrives before
  const requests: InstanceType<typeof sol.Request>[] = [];
  for (let step = 0; requests.length < PROMPTS.length || !scheduler.done; step++) {
    PROMPTS.forEach((p, i) => {
      if (arrivals[i] === step) requests[i] = scheduler.add(tokenizer.encode(p), { maxTokens: maxTokens[i] });
    });
    if (!scheduler.done) await scheduler.step();
    if (step > 200) throw new Error("the scheduler did not finish 6 short requests in 200 steps");
  }
  for (const [i, p] of PROMPTS.entries()) {
    expect({ prompt: i, tokens: requests[i].tokens }).toEqual({ prompt: i, tokens: (await alone(p, maxTokens[i])).tokens });
    expect(requests[i].finishReason).toBe("length");
  }
  // One prefill per prompt (all shorter than prefillStep), decode steps of up to batchSize
  // rows: more requests than slots, so some joined when others had left.
  expect(calls.filter((c) => "prefill" in c)).toHaveLength(PROMPTS.length);
  const rows = decodes(calls).map((o) => o.length);
  expect(Math.max(...rows)).toBe(3);
  expect(rows.filter((n) => n > 1).length).toBeGreaterThan(3);
});

test("week_2_day_6_task_3_bad_options_throw", () => {
  const { model } = spyModel();
  for (const [name, opts] of [["batchSize", { batchSize: 0 }], ["prefillStep", { prefillStep: 1.5 }], ["maxTokens", { maxTokens: -1 }], ["maxContext", { maxContext: 0 }]] as const) {
    expectError(() => new sol.Scheduler(model, opts), new RegExp(name));
  }
  const scheduler = new sol.Scheduler(model);
  expectError(() => scheduler.add([]), /prompt/);
  expectError(() => scheduler.add([1, 2], { maxTokens: 0 }), /maxTokens/);
});

// ------------------------------------------------------------------ task 4: batchGenerate
for (const form of ["bf16", "4bit"] as const) {
  test(`week_2_day_6_task_4_batch_generate_equals_alone_${form}`, async () => {
    const m = tinyQwen2(form);
    const model = new week2.Qwen2ModelWeek2(m);
    const streamed = PROMPTS.map(() => "");
    const order: number[] = [];
    const results = await sol.batchGenerate(model, m.tokenizer, PROMPTS, {
      batchSize: 4, maxTokens: 6, eosTokenIds: [],
      onText: (i, text) => {
        streamed[i] += text;
        order.push(i);
      },
    });
    expect(results).toHaveLength(PROMPTS.length);
    for (const [i, r] of results.entries()) {
      const own = await alone(PROMPTS[i], 6, m);
      expect({ prompt: i, tokens: r.tokens, text: r.text }).toEqual({ prompt: i, tokens: own.tokens, text: own.text });
      expect(streamed[i]).toBe(r.text);
      expect(r.promptTokens).toBe(m.tokenizer.encode(PROMPTS[i]).length);
      expect(r.finishReason).toBe("length");
      expect(r.tokenSeconds).toHaveLength(6);
      expect(r.tokenSeconds.every((t, k) => t >= 0 && (k === 0 || t >= r.tokenSeconds[k - 1]))).toBe(true);
      expect(r.finishSeconds).toBeGreaterThanOrEqual(r.tokenSeconds[5]);
    }
    // Streamed as they came: the replies' pieces interleave, not one reply after another.
    expect(order.some((i, k) => k > 0 && i < order[k - 1])).toBe(true);
  });
}

test("week_2_day_6_task_4_batch_generate_takes_token_ids", async () => {
  const m = tinyQwen2();
  const model = new week2.Qwen2ModelWeek2(m);
  const prompts = PROMPTS.slice(0, 2);
  const results = await sol.batchGenerate(model, m.tokenizer, prompts.map((p) => m.tokenizer.encode(p)), { maxTokens: 4, eosTokenIds: [] });
  for (const [i, r] of results.entries()) expect(r.tokens).toEqual((await alone(prompts[i], 4, m)).tokens);
});
