// Week 1, day 7: sampling (task 1) and generating text (task 2).
// Book: week1-07-generating-text.md. Golden values: tests/golden/week1/make_week1_goldens.py
// (what each sampling rule allows) and make_tiny_model_goldens.py (greedy continuations).
import * as mx from "@tiny-llm/array";
import { expectClose } from "./helpers/compare";
import { loadGolden } from "./helpers/golden";
import { loadTinyModel, tinyGolden, tinyModelCases } from "./helpers/tiny-model";
import { loadSolution } from "./solution";

const sol = loadSolution();
// Generation is tested on its own: the model comes from the week 1 reference (day 6
// checks the solution's model against the same goldens).
const ref = loadSolution("week1_ref");
const g = loadGolden("week1", "day7");
const DRAWS = 4000;

/** Token counts of DRAWS samples of each row of `logits` (R x V): R x V. */
async function sampleCounts(sampler: (logits: mx.array) => mx.array, logits: mx.array): Promise<number[][]> {
  const [R, V] = logits.shape;
  const tokens = await sampler(mx.broadcastTo(logits.expandDims(1), [R, DRAWS, V]).reshape(R * DRAWS, V)).data();
  const counts = Array.from({ length: R }, () => new Array<number>(V).fill(0));
  tokens.forEach((t, i) => counts[Math.floor(i / DRAWS)][Number(t)]++);
  return counts;
}

for (const c of g.cases) {
  test(`week_1_day_7_task_${c.params.task}_${c.id}`, async () => {
    const logits = g.array(c.inputs[0]);
    const expected = g.raw(c.outputs[0]);
    const { temperature, topK, topP, minP } = c.params;
    if (c.op === "sample_greedy") {
      await expectClose(sol.makeSampler({ temperature: 0 })(logits), expected);
      return;
    }
    const counts = await sampleCounts(sol.makeSampler({ temperature, topK, topP, minP, seed: 7 }), logits);
    const V = logits.shape[1];
    if (c.op === "sample_temperature") {
      // Frequencies within 5 standard deviations of softmax(logits / T).
      counts.forEach((row, r) => row.forEach((n, v) => {
        const p = expected.data[r * V + v];
        const sd = Math.sqrt((p * (1 - p)) / DRAWS);
        if (Math.abs(n / DRAWS - p) > 5 * sd + 1e-3) throw new Error(`row ${r} token ${v}: frequency ${n / DRAWS}, probability ${p}`);
      }));
      return;
    }
    // top-k / top-p / min-p: every sample is an allowed token, and more than one token is drawn when more are allowed.
    counts.forEach((row, r) => {
      const allowed = row.map((_, v) => expected.data[r * V + v] === 1);
      row.forEach((n, v) => {
        if (n > 0 && !allowed[v]) throw new Error(`row ${r}: token ${v} drawn ${n} times, but ${c.op} excludes it`);
      });
      const allowedCount = allowed.filter(Boolean).length;
      const drawn = row.filter((n) => n > 0).length;
      if (allowedCount > 1 && drawn < 2) throw new Error(`row ${r}: ${allowedCount} tokens allowed, only ${drawn} drawn`);
    });
  });
}

test("week_1_day_7_task_1_same_seed_same_tokens", async () => {
  const logits = g.array(g.cases[0].inputs[0]);
  const draw = async (seed: number) => {
    const sampler = sol.makeSampler({ temperature: 1, seed });
    const draws: number[][] = [];
    for (let i = 0; i < 3; i++) draws.push(Array.from(await sampler(logits).data()));
    return draws;
  };
  expect(await draw(3)).toEqual(await draw(3));
  expect(await draw(3)).not.toEqual(await draw(4));
});

// The tiny models' greedy continuations (random and trained), token for token against
// transformers; the trained model's end with the <|im_end|> that ends its reply.
for (const [golden, c] of tinyModelCases("tiny_model_greedy")) {
  test(`week_1_day_7_task_2_${c.id}`, async () => {
    const loaded = loadTinyModel(c);
    const model = new ref.Qwen2ModelWeek1(loaded);
    const expected = Array.from(golden.raw(c.outputs[0]).data);
    const chunks: string[] = [];
    const result = await sol.simpleGenerate(model, loaded.tokenizer, c.params.text, {
      maxTokens: expected.length,
      eosTokenIds: [],
      onText: (t) => chunks.push(t),
    });
    expect(result.promptTokens).toBe(golden.raw(c.inputs[0]).data.length);
    expect(result.tokens).toEqual(expected);
    expect(result.stopReason).toBe("length");
    // Streamed pieces are whole characters and add up to the decoded reply.
    expect(chunks.some((t) => t.includes("\uFFFD"))).toBe(false);
    expect(chunks.join("")).toBe(result.text);
    expect(result.text).toBe(loaded.tokenizer.decode(expected, { skipSpecialTokens: true }));
  });
}

test("week_1_day_7_task_2_stops_at_eos", async () => {
  const c = tinyGolden.cases.find((c) => c.op === "tiny_model_greedy")!;
  const loaded = loadTinyModel(c);
  const expected = Array.from(tinyGolden.raw(c.outputs[0]).data);
  // Pretend the 6th greedy token ends the reply: generation stops before it.
  const stop = expected[5];
  const first = expected.indexOf(stop);
  const result = await sol.simpleGenerate(new ref.Qwen2ModelWeek1(loaded), loaded.tokenizer, c.params.text, {
    maxTokens: 32,
    eosTokenIds: [stop],
  });
  expect(result.tokens).toEqual(expected.slice(0, first));
  expect(result.stopReason).toBe("eos");
});
