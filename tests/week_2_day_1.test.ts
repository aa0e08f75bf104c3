// Week 2, day 1: the KV cache (task 1), the model that decodes with it (task 2) and
// generation that prefills once, then decodes a token a step (task 3).
// Book: week2-01-kv-cache.md. Golden values: tests/golden/week2/make_kv_cache_goldens.py
// (transformers' Qwen2ForCausalLM with a DynamicCache, on the tiny model).
import * as mx from "@tiny-llm/array";
import { expectClose } from "./helpers/compare";
import { expectError } from "./helpers/expect-error";
import { GoldenCase, loadGolden } from "./helpers/golden";
import { expectSameAsReference, randomNormal } from "./helpers/reference";
import { loadTinyModel } from "./helpers/tiny-model";
import { loadSolution } from "./solution";

const sol = loadSolution();
// Week 2's model is checked against week 1's recomputing the whole sequence: the
// reference's, so that these tests are about the cache only. Generation (task 3) runs on
// week 2's reference model, so that it is tested on its own.
const week1 = loadSolution("week1_ref");
const week2 = loadSolution("week2_ref");
const g = loadGolden("week2", "kv_cache");
const EXACT = { rtol: 0, atol: 0 };

/** A shape as an error message may print it: "1,3,1,8" or "1, 3, 1, 8". */
const shapeText = (shape: number[]) => new RegExp(shape.join(",\\s*"));

// ------------------------------------------------------------------ task 1: the cache
test("week_2_day_1_task_1_kv_cache_concatenates_updates", async () => {
  const cache = new sol.TinyKvFullCache();
  expect(cache.offset).toBe(0);
  const keys: mx.array[] = [];
  const values: mx.array[] = [];
  const returned: [mx.array, mx.array][] = [];
  let offset = 0;
  for (const [i, L] of [5, 1, 1, 3].entries()) { // a prompt, two decode steps, a chunk
    keys.push(randomNormal(10 + i, [2, 3, L, 8])); // N x H_kv x L x D
    values.push(randomNormal(20 + i, [2, 3, L, 8]));
    returned.push(cache.updateAndFetch(keys[i], values[i])); // N x H_kv x S x D
    offset += L;
    expect(cache.offset).toBe(offset);
    await expectClose(returned[i][0], mx.concatenate(keys, 2), { tol: EXACT, label: `keys after call ${i + 1}` });
    await expectClose(returned[i][1], mx.concatenate(values, 2), { tol: EXACT, label: `values after call ${i + 1}` });
  }
  // What the first call returned still holds what it held: appending never wrote into it.
  await expectClose(returned[0][0], keys[0], { tol: EXACT, label: "first call's keys, later" });
  await expectClose(returned[0][1], values[0], { tol: EXACT, label: "first call's values, later" });
});

test("week_2_day_1_task_1_kv_cache_shape_mismatch_throws", () => {
  const cache = new sol.TinyKvFullCache();
  cache.updateAndFetch(randomNormal(1, [1, 2, 4, 8]), randomNormal(2, [1, 2, 4, 8]));
  // Another head count, head size or batch than the cached keys, or not N x H_kv x L x D.
  for (const shape of [[1, 3, 1, 8], [1, 2, 1, 16], [2, 2, 1, 8], [2, 1, 8]]) {
    expectError(() => cache.updateAndFetch(randomNormal(3, shape), randomNormal(4, shape)), /updateAndFetch/, shapeText(shape));
  }
  // Keys and values of different shapes in one call.
  expectError(() => cache.updateAndFetch(randomNormal(5, [1, 2, 1, 8]), randomNormal(6, [1, 2, 2, 8])), /updateAndFetch/);
  // A rejected call caches nothing.
  expect(cache.offset).toBe(4);
});

// ------------------------------------------------------------------ task 2: the model
type Week2Model = InstanceType<typeof sol.Qwen2ModelWeek2>;

const loadedModels = new Map<string, ReturnType<typeof loadTinyModel>>();
/** The case's checkpoint (its sha256 checked against the goldens'), loaded once per file. */
function loaded(c: GoldenCase): ReturnType<typeof loadTinyModel> {
  if (!loadedModels.has(c.params.model)) loadedModels.set(c.params.model, loadTinyModel(c));
  return loadedModels.get(c.params.model)!;
}

/** Values of an int32 fixture tensor. */
const ints = (name: string): number[] => Array.from(g.raw(name).data);

/**
 * The forward calls of a case on a week-2 model with a fresh cache: the prompt in
 * `chunks` (each at the offset of the tokens before it), then one call per token of
 * `fed`. Returns the rows the goldens record (R x V): the last position of the first
 * chunk, every position of the later chunks, one row per fed token.
 */
function decodeRows(model: Week2Model, ids: number[], chunks: number[], fed: number[]): mx.array {
  const cache = model.makeCache();
  const rows: mx.array[] = [];
  let offset = 0;
  const call = (tokens: number[]) => {
    const logits = model.forward(mx.array([tokens], "int32"), offset, cache); // 1 x L x V
    offset += tokens.length;
    return logits.reshape(logits.shape[1], logits.shape[2]); // L x V
  };
  chunks.forEach((n, i) => {
    const logits = call(ids.slice(offset, offset + n));
    rows.push(i === 0 ? logits.slice("-1:") : logits);
  });
  for (const t of fed) rows.push(call([t]));
  return mx.concatenate(rows, 0);
}

/** The case's rows from the solution's week-2 model, fed the golden tokens. */
function solutionRows(c: GoldenCase, chunks: number[] = c.params.chunks): mx.array {
  const tokens = ints(c.outputs[0]);
  return decodeRows(new sol.Qwen2ModelWeek2(loaded(c)), ints(c.inputs[0]), chunks, tokens.slice(0, -1));
}

for (const c of g.cases) {
  test(`week_2_day_1_task_2_${c.id}`, async () => {
    const rows = solutionRows(c); // R x V
    const [columns, values] = [g.array(c.outputs[1]), g.raw(c.outputs[2])]; // R x C
    await expectClose(mx.takeAlongAxis(rows, columns, 1), values, { tol: c.tol, label: `${c.id}: logits` });
    if (c.params.fullRow !== undefined) {
      await expectClose(rows.slice(c.params.fullRow), g.raw(c.outputs[3]), { tol: c.tol, label: `${c.id}: row ${c.params.fullRow}` });
    }
    // Greedy: each token row's argmax is transformers' token (the rows are fed those tokens).
    const tokenRows = rows.slice(`${rows.shape[0] - c.params.decodeSteps - 1}:`);
    expect(Array.from(await tokenRows.argmax(-1).data())).toEqual(ints(c.outputs[0]));
  });

  // Week 1's model recomputing the whole sequence (prompt and fed tokens) at every step.
  // On the 4-bit form week 1 rounds every dequantized weight to bfloat16 and week 2 only
  // the embedding rows: the goldens measured how far that moves the logits
  // (params.bf16RoundingDiff).
  test(`week_2_day_1_task_2_${c.id}_equals_week1_recompute`, async () => {
    const rows = solutionRows(c); // R x V
    const [ids, tokens] = [ints(c.inputs[0]), ints(c.outputs[0])];
    const seq = [...ids, ...tokens.slice(0, -1)];
    const full = new week1.Qwen2ModelWeek1(loaded(c)).forward(mx.array([seq], "int32")); // 1 x (L + T) x V
    const all = full.reshape(full.shape[1], full.shape[2]);
    const first = c.params.chunks[0];
    const expected = mx.concatenate([all.slice(`${first - 1}:${first}`), all.slice(`${first}:`)], 0);
    const atol = c.tol!.atol + 2 * c.params.bf16RoundingDiff;
    await expectClose(rows, expected, { tol: { rtol: c.tol!.rtol, atol }, label: `${c.id} vs week 1` });
  });
}

const chunked = g.cases.find((c) => c.params.chunks.length > 1)!;
test("week_2_day_1_task_2_chunked_prefill_equals_one_chunk", async () => {
  const L = ints(chunked.inputs[0]).length;
  const steps = chunked.params.decodeSteps;
  const one = solutionRows(chunked, [L]); // the last prompt row, then the decode rows
  for (const chunks of [chunked.params.chunks, [1, 9, 1, L - 11]]) {
    const rows = solutionRows(chunked, chunks);
    await expectSameAsReference(rows.slice(`${rows.shape[0] - steps - 1}:`), one, `chunks [${chunks}] vs one chunk`);
  }
});

test("week_2_day_1_task_2_last_only", async () => {
  const c = g.cases[0];
  const model = new sol.Qwen2ModelWeek2(loaded(c));
  const ids = mx.array([ints(c.inputs[0])], "int32"); // 1 x L
  const last = model.forward(ids, 0, model.makeCache(), { lastOnly: true }); // 1 x 1 x V
  const all = model.forward(ids, 0, model.makeCache()); // 1 x L x V
  await expectSameAsReference(last, all.slice(":", "-1:"), "lastOnly vs the last row");
});

// Week2ModelOptions.kvDtype: the cache keeps keys and values in bfloat16 or float16,
// rounded once when stored. Rounding K and V to 8 (bfloat16) or 11 (float16) significant
// bits moves each attention output by about that relative error (2^-9, 2^-12), which the
// layers after it carry to the logits: on the tiny model (logits up to about 1.6) they
// moved by 0.007 and 0.001 from the float32 cache's.
test("week_2_day_1_task_2_kv_dtype", async () => {
  const c = g.cases[0];
  const fed = ints(c.outputs[0]).slice(0, -1);
  const rows = (kvDtype: "float32" | "bfloat16" | "float16") => {
    const model = new sol.Qwen2ModelWeek2(loaded(c), { kvDtype });
    const cache = model.makeCache();
    const ids = ints(c.inputs[0]);
    const out = [model.forward(mx.array([ids], "int32"), 0, cache, { lastOnly: true }).reshape(1, -1)];
    fed.forEach((t, i) => out.push(model.forward(mx.array([[t]], "int32"), ids.length + i, cache).reshape(1, -1)));
    return { rows: mx.concatenate(out, 0), stored: cache[0].fetch()[0].dtype };
  };
  const f32 = rows("float32");
  expect(f32.stored).toBe("float32");
  for (const [kvDtype, atol] of [["bfloat16", 0.02], ["float16", 0.003]] as const) {
    const r = rows(kvDtype);
    expect(r.stored).toBe(kvDtype);
    await expectClose(r.rows, f32.rows, { tol: { rtol: 0, atol }, label: `${kvDtype} cache vs float32` });
  }
  expectError(() => new sol.Qwen2ModelWeek2(loaded(c), { kvDtype: "int8" as never }), /kvDtype/, /int8/);
});

test("week_2_day_1_task_2_wrong_offset_throws", async () => {
  const c = g.cases[0];
  const model = new sol.Qwen2ModelWeek2(loaded(c));
  const ids = mx.array([ints(c.inputs[0])], "int32"); // 1 x L
  const L = ids.shape[1];
  const next = mx.array([[ints(c.outputs[0])[0]]], "int32");
  expectError(() => model.forward(ids, 3, model.makeCache()), /offset/i, /\b3\b/);
  const cache = model.makeCache();
  model.forward(ids, 0, cache);
  for (const offset of [L + 1, L - 1, 0]) expectError(() => model.forward(next, offset, cache), /offset/i, new RegExp(`\\b${offset}\\b`));
  // The rejected calls left the cache as it was.
  const clean = model.makeCache();
  model.forward(ids, 0, clean);
  await expectSameAsReference(model.forward(next, L, cache), model.forward(next, L, clean), "decode after the rejected calls");
});

// A cache is one model's: another depth, or keys of another head count or head size.
test("week_2_day_1_task_2_cache_of_another_model_throws", () => {
  const c = g.cases[0];
  const model = new sol.Qwen2ModelWeek2(loaded(c));
  const { numKeyValueHeads: Hkv, headDim: D } = loaded(c).config;
  const ids = mx.array([ints(c.inputs[0])], "int32"); // 1 x L
  const L = ids.shape[1];
  expectError(() => model.forward(ids, 0, model.makeCache().slice(1)), /cache/i);
  expectError(() => model.forward(ids, 0, [...model.makeCache(), new sol.TinyKvFullCache()]), /cache/i);
  // Same shapes, another model: nothing but its origin tells the cache apart.
  expectError(() => model.forward(ids, 0, new sol.Qwen2ModelWeek2(loaded(c)).makeCache()), /cache/i);
  for (const [h, d] of [[Hkv + 1, D], [Hkv, D / 2]]) {
    const other = model.makeCache();
    other.forEach((layer, i) => layer.updateAndFetch(randomNormal(i, [1, h, L, d]), randomNormal(i + 10, [1, h, L, d])));
    const next = mx.array([[ints(c.outputs[0])[0]]], "int32");
    expectError(() => model.forward(next, L, other), /cache/i, shapeText([1, h, L, d]));
  }
});

// ------------------------------------------------------------------ task 3: generation
// The greedy continuations of the goldens, and how the model was called: the whole
// prompt once at offset 0, then one token per step at the next offset.
for (const c of g.cases.filter((c) => c.params.chunks.length === 1)) {
  test(`week_2_day_1_task_3_generate_${c.id}`, async () => {
    const model = new week2.Qwen2ModelWeek2(loaded(c));
    const calls: [number, number][] = []; // [tokens fed, offset]
    const spy = {
      makeCache: () => model.makeCache(),
      forward: (inputs: mx.array, offset: number, cache: ReturnType<Week2Model["makeCache"]>, opts?: { lastOnly?: boolean }) => {
        calls.push([inputs.shape[1], offset]);
        return model.forward(inputs, offset, cache, opts);
      },
    };
    const expected = ints(c.outputs[0]);
    const L = ints(c.inputs[0]).length;
    const result = await sol.simpleGenerateWithKvCache(spy, loaded(c).tokenizer, c.params.text, { maxTokens: expected.length, eosTokenIds: [] });
    expect(result.promptTokens).toBe(L);
    expect(result.tokens).toEqual(expected);
    expect(result.stopReason).toBe("length");
    // The last token is sampled, never fed.
    expect(calls).toEqual([[L, 0], ...expected.slice(0, -1).map((_, i) => [1, L + i])]);
  });
}
