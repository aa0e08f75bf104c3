// pnpm main's DecodeGraph (packages/cli): decode steps of week2_ref's model replayed from
// a graph give the logits recording them gives, bit for bit (the same kernels over the
// same buffers), across the step where the KV cache grows (recorded: a graph does not
// reach past the cache's capacity) and where the split decode attention takes one more
// chunk (its advance), for the bf16 tiny model (ropeIntoCache) and the 4-bit one with
// float32 and int8 activations (quantizedQkvRope, flashAttentionInt8). On lavapipe in CI.
import * as mx from "@tiny-llm/array";
import { load } from "@tiny-llm/loader";
import { ensureTinyModels, TINY_MODEL_4BIT_DIR, TINY_MODEL_DIR } from "@tiny-llm/tiny-model";
import { type Activations, Qwen2ModelWeek2 } from "@tiny-llm/tiny-llm-week2-ref";

import { DecodeGraph } from "../../packages/cli/src/main/decode-graph";

import { describeGpu } from "../array/device";

beforeAll(() => ensureTinyModels());

/**
 * Prompt tokens: the cache's first capacity is 256, and its split attention takes a ninth
 * chunk of 32 keys at 257 and a tenth at 289, so that the second graph's replays move
 * attention's chunk count on.
 */
const P = 240;
const STEPS = 52;

/** Each decode step's logits (V floats), its steps replayed by a DecodeGraph or all recorded; and the steps replayed. */
async function decode(model: Qwen2ModelWeek2, vocab: number, replay: boolean): Promise<{ logits: number[][]; replayed: number; refusal: string | null }> {
  const cache = model.makeCache();
  const ids = mx.array([Array.from({ length: P }, (_, i) => (i * 7919 + 13) % vocab)], "int32");
  let offset = 0;
  /** The last position's logits, 1 x V. */
  const record = (inputs: mx.array) => mx.tidy(() => model.forward(inputs, offset, cache, { lastOnly: true }).reshape(1, vocab));
  const graph = new DecodeGraph(cache);
  let logits = record(ids);
  offset = P;
  const out: number[][] = [];
  for (let i = 0; i < STEPS; i++) {
    const token = mx.tidy(() => logits.argmax(-1).reshape(1, 1).astype("int32"));
    mx.dispose(logits);
    logits = replay ? graph.step(token, record) : record(token);
    offset++;
    mx.dispose(token);
    out.push((await logits.reshape(vocab).toArrayAsync()) as number[]);
  }
  mx.dispose(logits);
  graph.release();
  expect(cache.every((c) => c.offset === P + STEPS)).toBe(true);
  return { logits: out, replayed: graph.replayed, refusal: graph.refusal };
}

describeGpu("cli DecodeGraph", () => {
  const cases: [string, string, Activations][] = [
    ["bf16", TINY_MODEL_DIR, "float32"],
    ["4bit_float_x", TINY_MODEL_4BIT_DIR, "float32"],
    ["4bit_int8_x", TINY_MODEL_4BIT_DIR, "int8"],
  ];
  for (const [name, dir, activations] of cases) {
    test(`cli_decode_graph_${name}_replays_steps_as_recording_them`, async () => {
      const loaded = load(dir);
      loaded.weights.device = "gpu";
      const model = new Qwen2ModelWeek2(loaded, { activations });
      loaded.weights.close();
      const V = model.config.vocabSize;
      const recorded = await decode(model, V, false);
      const replayed = await decode(model, V, true);
      // Three steps recorded first (the first decode step's embedding gather reports faults
      // in another slot than the later ones', so the first pair makes no graph), then
      // replays until the step that grows the cache (offset 256): recorded, as are the two
      // after it (the growth's step launches more kernels), and then the next graph's steps.
      expect({ replayed: replayed.replayed, refusal: replayed.refusal }).toEqual({ replayed: STEPS - 6, refusal: expect.stringMatching(/^the steps launched \d+ and \d+ kernels$/) });
      const worst = recorded.logits.map((row, i) => row.reduce((m, v, j) => Math.max(m, Math.abs(v - replayed.logits[i][j])), 0));
      expect(worst).toEqual(recorded.logits.map(() => 0));
    }, 300_000); // lavapipe runs the GPU's kernels on the CPU
  }

  test("cli_decode_graph_records_over_caches_it_cannot_count", () => {
    const graph = new DecodeGraph([{ offset: 0 }]);
    expect(graph.refusal).toBe("the caches do not say their capacity and cannot count tokens a replay wrote (TinyKvFullCache's capacity and commit)");
    const token = mx.array([[1]], "int32");
    expect(graph.step(token, (t) => t.add(t))).toBeDefined();
    expect(graph.replayed).toBe(0);
  });
});
