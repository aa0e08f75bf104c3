// Key-based random numbers: reproducibility, independence of split keys, ranges,
// moments, and categorical sampling against its probabilities (statistical tolerances
// are >= 5 standard errors, so a correct generator fails with probability < 1e-6).
// Every test runs on each device (device.ts): keys live on the CPU, samples on the
// default device.
import * as mx from "@tiny-llm/array";
import { describeDevices } from "./device";

const vals = async (a: mx.array) => Array.from((await a.data()) as ArrayLike<number>);
const meanStd = (v: number[]) => {
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  const s = Math.sqrt(v.reduce((t, x) => t + (x - m) ** 2, 0) / v.length);
  return [m, s];
};
/**
 * The i-th key of mx.random.split's result: the spec says one uint32 [num, 2] array
 * (as MLX); a list of [2] keys is accepted here so that only
 * array_random_split_shape pins the return type.
 */
const keyAt = (keys: mx.array | mx.array[], i: number): mx.array => (Array.isArray(keys) ? keys[i] : keys.slice(i));
const splitKeys = (k: mx.array, num?: number) => mx.random.split(k, num) as unknown as mx.array | mx.array[];

describeDevices("array_random", () => {
  test("array_random_key_shape_dtype", async () => {
    const k = mx.random.key(0);
    expect(k.shape).toEqual([2]);
    expect(k.dtype).toBe("uint32");
    expect(await vals(mx.random.key(1))).not.toEqual(await vals(mx.random.key(2)));
    expect(await vals(mx.random.key(7))).toEqual(await vals(mx.random.key(7)));
  });

  test("array_random_same_key_same_values", async () => {
    const k = mx.random.key(42);
    expect(await vals(mx.random.uniform([100], { key: k }))).toEqual(await vals(mx.random.uniform([100], { key: mx.random.key(42) })));
    expect(await vals(mx.random.normal([3, 5], { key: k }))).toEqual(await vals(mx.random.normal([3, 5], { key: k })));
    expect(await vals(mx.random.bits([7], { key: k }))).toEqual(await vals(mx.random.bits([7], { key: k })));
    expect(await vals(mx.random.randint(0, 10, [20], { key: k }))).toEqual(await vals(mx.random.randint(0, 10, [20], { key: k })));
  });

  test("array_random_different_keys_differ", async () => {
    const a = await vals(mx.random.uniform([64], { key: mx.random.key(1) }));
    const b = await vals(mx.random.uniform([64], { key: mx.random.key(2) }));
    expect(a).not.toEqual(b);
    const same = a.filter((x, i) => x === b[i]).length;
    expect(same).toBeLessThan(3);
  });

  test("array_random_seed_sets_global_key", async () => {
    mx.random.seed(3);
    const a = await vals(mx.random.uniform([10]));
    const a2 = await vals(mx.random.uniform([10]));
    mx.random.seed(3);
    const b = await vals(mx.random.uniform([10]));
    expect(a).toEqual(b);
    expect(a2).not.toEqual(a); // the global key advances
  });

  test("array_random_split_shape", () => {
    const ks = mx.random.split(mx.random.key(5), 3) as unknown as mx.array;
    expect(Array.isArray(ks)).toBe(false);
    expect(ks.shape).toEqual([3, 2]);
    expect(ks.dtype).toBe("uint32");
    expect((mx.random.split(mx.random.key(5)) as unknown as mx.array).shape).toEqual([2, 2]);
  });

  test("array_random_split_gives_independent_keys", async () => {
    const k = mx.random.key(5);
    const ks = splitKeys(k, 3);
    for (let i = 0; i < 3; i++) {
      expect(keyAt(ks, i).shape).toEqual([2]);
      expect(keyAt(ks, i).dtype).toBe("uint32");
    }
    const draws = await Promise.all([0, 1, 2].map((i) => vals(mx.random.uniform([32], { key: keyAt(ks, i) }))));
    const parent = await vals(mx.random.uniform([32], { key: k }));
    expect(draws[0]).not.toEqual(draws[1]);
    expect(draws[1]).not.toEqual(draws[2]);
    for (const d of draws) expect(d).not.toEqual(parent);
    // Deterministic.
    const again = splitKeys(k, 3);
    for (let i = 0; i < 3; i++) expect(await vals(keyAt(again, i))).toEqual(await vals(keyAt(ks, i)));
    // Weak independence: the two halves of a split are uncorrelated.
    const k2 = splitKeys(mx.random.key(9));
    const x = await vals(mx.random.normal([20000], { key: keyAt(k2, 0) }));
    const y = await vals(mx.random.normal([20000], { key: keyAt(k2, 1) }));
    const corr = x.reduce((s, xi, i) => s + xi * y[i], 0) / x.length;
    expect(Math.abs(corr)).toBeLessThan(5 / Math.sqrt(20000));
  });

  test("array_random_uniform_range", async () => {
    const u = mx.random.uniform([20000], { low: -2, high: 3, key: mx.random.key(11) });
    expect(u.dtype).toBe("float32");
    expect(u.shape).toEqual([20000]);
    const v = await vals(u);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...v)).toBeLessThan(3);
    const [m, s] = meanStd(v);
    const sd = 5 / Math.sqrt(12); // std of U(-2, 3)
    expect(Math.abs(m - 0.5)).toBeLessThan((5 * sd) / Math.sqrt(20000));
    expect(Math.abs(s - sd)).toBeLessThan(0.03);
    // Default range [0, 1), and 16-bit dtypes stay inside [low, high) after rounding.
    const d = await vals(mx.random.uniform([5000], { key: mx.random.key(12) }));
    expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...d)).toBeLessThan(1);
    for (const dtype of ["float16", "bfloat16"] as const) {
      const h = mx.random.uniform([5000], { dtype, key: mx.random.key(13) });
      expect(h.dtype).toBe(dtype);
      const hv = await vals(h);
      expect(Math.min(...hv)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...hv)).toBeLessThan(1);
    }
  });

  test("array_random_normal_moments_100k", async () => {
    const n = 100000;
    const v = await vals(mx.random.normal([n], { key: mx.random.key(21) }));
    const [m, s] = meanStd(v);
    expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(n)); // ~0.016
    expect(Math.abs(s - 1)).toBeLessThan(0.012); // std error of std ~ 1/sqrt(2n) = 0.0022
    expect(v.every(Number.isFinite)).toBe(true);
    // loc / scale
    const w = await vals(mx.random.normal([20000], { loc: 3, scale: 0.5, key: mx.random.key(22) }));
    const [m2, s2] = meanStd(w);
    expect(Math.abs(m2 - 3)).toBeLessThan(0.02);
    expect(Math.abs(s2 - 0.5)).toBeLessThan(0.015);
    // About 68.3% within one sigma.
    const within = v.filter((x) => Math.abs(x) < 1).length / n;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.01);
    expect(mx.random.normal([4], { dtype: "bfloat16", key: mx.random.key(1) }).dtype).toBe("bfloat16");
  });

  test("array_random_bits_and_randint", async () => {
    const b = mx.random.bits([4, 3], { key: mx.random.key(0) });
    expect(b.dtype).toBe("uint32");
    expect(b.shape).toEqual([4, 3]);
    const r = mx.random.randint(-3, 4, [7000], { key: mx.random.key(31) });
    expect(r.dtype).toBe("int32");
    const rv = await vals(r);
    expect(Math.min(...rv)).toBe(-3);
    expect(Math.max(...rv)).toBe(3);
    expect(rv.every(Number.isInteger)).toBe(true);
    for (let v = -3; v <= 3; v++) {
      const f = rv.filter((x) => x === v).length / rv.length;
      expect(Math.abs(f - 1 / 7)).toBeLessThan(5 * Math.sqrt((1 / 7) * (6 / 7) / 7000));
    }
  });

  test("array_random_categorical_follows_softmax", async () => {
    const p = [0.1, 0.2, 0.3, 0.4];
    const n = 20000;
    const logits = mx.array([p.map((x) => Math.log(x) + 1.234)]); // shift: softmax is shift-invariant
    const s = mx.random.categorical(logits, { numSamples: n, key: mx.random.key(41) });
    expect(s.dtype).toBe("int32");
    expect(s.shape).toEqual([1, n]);
    const v = await vals(s);
    for (let c = 0; c < 4; c++) {
      const f = v.filter((x) => x === c).length / n;
      expect(Math.abs(f - p[c])).toBeLessThan(5 * Math.sqrt((p[c] * (1 - p[c])) / n));
    }
    // One sample per row (no numSamples): logits [rows, 3] -> [rows].
    const rows = 6000;
    const lg = mx.broadcastTo(mx.array([[0, Math.log(3), -Infinity]]), [rows, 3]);
    const t = mx.random.categorical(lg, { key: mx.random.key(42) });
    expect(t.shape).toEqual([rows]);
    const tv = await vals(t);
    expect(tv.filter((x) => x === 2).length).toBe(0); // -inf logit: never drawn
    const f1 = tv.filter((x) => x === 1).length / rows;
    expect(Math.abs(f1 - 0.75)).toBeLessThan(5 * Math.sqrt((0.75 * 0.25) / rows));
    // Along axis 0.
    const a0 = mx.random.categorical(mx.array([[0, -Infinity], [-Infinity, 0]]), { axis: 0, key: mx.random.key(43) });
    expect(await a0.toArrayAsync()).toEqual([0, 1]);
    // Same key, same samples.
    expect(await vals(mx.random.categorical(logits, { numSamples: 50, key: mx.random.key(44) })))
      .toEqual(await vals(mx.random.categorical(logits, { numSamples: 50, key: mx.random.key(44) })));
  });

  // ---- bad input
  test("array_random_error_bad_args", () => {
    expect(() => mx.random.uniform([-1])).toThrow(mx.ArrayError);
    expect(() => mx.random.uniform([-1])).toThrow(/^(random\.)?uniform: .*-1/);
    expect(() => mx.random.normal([2.5])).toThrow(/^(random\.)?normal: /);
    expect(() => mx.random.uniform([2], { key: mx.zeros([3], "uint32", "cpu") })).toThrow(/^(random\.)?uniform: .*\[3\]/);
    expect(() => mx.random.categorical(mx.zeros([2, 3]), { axis: 2 })).toThrow(/^(random\.)?categorical: /);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => mx.random.uniform([2], { dtype: "int32" as any })).toThrow(/^(random\.)?uniform: .*int32/);
  });
});
