// Week 2, day 5: flash attention on the GPU, in WGSL: tiles of keys with an online softmax
// (task 1), and a decode step split over the cache length, then combined (task 2), run
// through the same flashAttention as day 4 with arrays on the GPU.
// Book: week2-05-flash-attention-gpu.md. Golden values: day 4's,
// tests/golden/week2/make_week2_goldens.py (torch.nn.functional.scaled_dot_product_attention, float32).
import * as mx from "@tiny-llm/array";
import { expectClose } from "./helpers/compare";
import { GoldenCase, loadGolden } from "./helpers/golden";
import { loadSolution } from "./solution";

const sol = loadSolution();
const week1 = loadSolution("week1_ref");
const g = loadGolden("week2", "day4");

// Compiling a kernel takes seconds on a software GPU (lavapipe), once per D and dtypes.
const GPU_TIMEOUT_MS = 180_000;

beforeAll(async () => {
  await mx.gpu.init();
});

// One query row (L = 1) against more than 64 keys is split over the keys (task 2).
function taskOf(c: GoldenCase): number {
  const [q, k] = [g.raw(c.inputs[0]), g.raw(c.inputs[1])];
  return q.shape[q.shape.length - 2] === 1 && k.shape[k.shape.length - 2] > 64 ? 2 : 1;
}

// params.mask: "none", "causal" (bottom-right aligned, as the goldens built it) or
// "array" (the case's fourth input, an additive mask with -inf entries).
for (const c of g.cases) {
  test(`week_2_day_5_task_${taskOf(c)}_${c.id}`, async () => {
    const [q, k, v, mask] = c.inputs.map((n) => g.array(n).toDevice("gpu"));
    const out = sol.flashAttention(q, k, v, { scale: c.params.scale, mask: c.params.mask === "causal" ? "causal" : mask });
    expect(out.device).toBe("gpu");
    await expectClose(await out.toCpu(), g.raw(c.outputs[0]), { tol: c.tol, label: c.id });
  }, GPU_TIMEOUT_MS);
}

// 16-bit inputs, and keys and values read in place from a longer cache (a strided view):
// the case's inputs rounded to `dtype`, against week 1's grouped attention on the default
// device (the CPU unless --device gpu: week 1's causal mask is made there) over the same
// rounded values, rounded to `dtype` in turn.
const CACHED = ["flash_attention_Hq4_Hkv2_L17_S40_D64_causal", "flash_attention_Hq7_Hkv1_L1_S300_D8_causal"];
for (const id of CACHED) {
  for (const dtype of ["bfloat16", "float16"] as const) {
    const c = g.cases.find((c) => c.id === id)!;
    test(`week_2_day_5_task_${taskOf(c)}_${id}_${dtype}_from_a_longer_cache`, async () => {
      const [q, k, v] = c.inputs.map((n) => g.array(n).astype(dtype));
      const S = k.shape[k.ndim - 2];
      const longer = (a: mx.array) => mx.concatenate([a, mx.ones([...a.shape.slice(0, -2), 8, a.shape[a.ndim - 1]], dtype)], a.ndim - 2);
      const inCache = (a: mx.array) => longer(a).toDevice("gpu").slice("...", `0:${S}`, ":");
      const out = sol.flashAttention(q.toDevice("gpu"), inCache(k), inCache(v), { mask: "causal" });
      const f32 = [q, k, v].map((a) => a.astype("float32"));
      const expected = week1.scaledDotProductAttentionGrouped(f32[0], f32[1], f32[2], { mask: "causal" }).astype(dtype);
      await expectClose(await out.toCpu(), expected, { label: `${id} ${dtype}` });
    }, GPU_TIMEOUT_MS);
  }
}

// A cache long enough for more chunks than the combine loads at once (16): 35 of 32 keys,
// against week 1's grouped attention over the same random inputs on the CPU.
test("week_2_day_5_task_2_decode_over_35_chunks", async () => {
  const normal = (shape: number[], seed: number) => mx.random.normal(shape, { key: mx.random.key(seed) });
  const [q, k, v] = [normal([1, 7, 1, 8], 51), normal([1, 1, 1100, 8], 52), normal([1, 1, 1100, 8], 53)];
  const out = sol.flashAttention(q.toDevice("gpu"), k.toDevice("gpu"), v.toDevice("gpu"), { mask: "causal" });
  const expected = week1.scaledDotProductAttentionGrouped(q, k, v, { mask: "causal" });
  await expectClose(await out.toCpu(), expected, { label: "S = 1100" });
}, GPU_TIMEOUT_MS);
