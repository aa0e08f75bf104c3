// Reductions (sum, mean, prod, max, min, logsumexp, any, all, argmax, argmin) over
// axes with keepdims, softmax, and scans (cumsum, cumprod, cummax, cummin).
// Golden values: tests/golden/array/reduce.safetensors.
// Every test runs on each device (device.ts).
import * as mx from "@tiny-llm/array";
import { mxOp } from "../../tests/helpers/golden";
import { deviceGoldenTests } from "./device-golden";
import { describeDevices, expectCloseOnCpu } from "./device";

describeDevices("array_reduce golden", () => {
  deviceGoldenTests("array", "reduce", "array_reduce", (c, [x]) => {
    const p = c.params;
    const axis = p.axis === null ? undefined : p.axis;
    switch (c.op) {
      case "softmax": return mx.softmax(x, p.axis);
      case "cumsum": case "cumprod": case "cummax": case "cummin":
        return mxOp(c.op)(x, axis, p.reverse);
      default:
        return mxOp(c.op)(x, axis, p.keepdims);
    }
  });
});

describeDevices("array_reduce hand-written", () => {
  test("array_reduce_method_style", async () => {
    const a = mx.array([[1, 2, 3], [4, 5, 6]]);
    expect(await a.sum().itemAsync()).toBe(21);
    expect(await a.sum(0).toArrayAsync()).toEqual([5, 7, 9]);
    expect(await a.sum(-1, true).toArrayAsync()).toEqual([[6], [15]]);
    expect(await a.max([0, 1]).itemAsync()).toBe(6);
    expect(await a.mean(1).toArrayAsync()).toEqual([2, 5]);
    expect(await a.argmax(1).toArrayAsync()).toEqual([2, 2]);
    expect(await a.argmax().itemAsync()).toBe(5);
    expect(a.argmax().dtype).toBe("int32");
    await expectCloseOnCpu(a.softmax(-1), mx.softmax(a, -1));
    expect(await a.cumsum(1).toArrayAsync()).toEqual([[1, 3, 6], [4, 9, 15]]);
    expect(await a.cumsum().toArrayAsync()).toEqual([1, 3, 6, 10, 15, 21]);
    expect(await a.cumprod(1).toArrayAsync()).toEqual([[1, 2, 6], [4, 20, 120]]);
    expect(await a.cummax(0, true).toArrayAsync()).toEqual([[4, 5, 6], [4, 5, 6]]);
    expect(await a.cummin(1).toArrayAsync()).toEqual([[1, 1, 1], [4, 4, 4]]);
  });

  test("array_reduce_dtypes", async () => {
    expect(mx.sum(mx.array([1, 2], "int32")).dtype).toBe("int32");
    expect(mx.sum(mx.array([1, 2], "uint8")).dtype).toBe("int32");
    expect(mx.sum(mx.array([true, true, false])).dtype).toBe("int32");
    expect(await mx.sum(mx.array([true, true, false])).itemAsync()).toBe(2);
    expect(mx.mean(mx.array([1, 2], "int32")).dtype).toBe("float32");
    expect(mx.max(mx.array([1, 2], "uint8")).dtype).toBe("uint8");
    expect(mx.sum(mx.array([1, 2], "bfloat16")).dtype).toBe("bfloat16");
    expect(mx.argmin(mx.array([3, 1, 2], "float16")).dtype).toBe("int32");
  });

  test("array_reduce_on_strided_views", async () => {
    const a = mx.arange(24).reshape([2, 3, 4]).astype("float32");
    const t = a.transpose([2, 0, 1]); // [4, 2, 3], non-contiguous
    const tCopy = mx.array((await t.toArrayAsync()) as number[][][]); // contiguous, from its values
    expect(await mx.sum(t, -1).toArrayAsync()).toEqual(await mx.sum(tCopy, -1).toArrayAsync());
    expect(await mx.max(a.slice("...", "::-1"), -1).toArrayAsync()).toEqual([[3, 7, 11], [15, 19, 23]]);
    expect(await mx.argmax(a.slice("...", "::-1"), -1).toArrayAsync()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(await mx.sum(mx.broadcastTo(mx.array([1, 2]), [3, 2]), 0).toArrayAsync()).toEqual([3, 6]);
  });

  test("array_reduce_over_one_long_row", async () => {
    // A vocabulary-sized row: each lane walks it many times, loading 16 positions at a
    // time (the last round partial). The largest value is planted twice: the first wins.
    const n = 151_937;
    const values = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 10);
    for (const at of [123_457, 140_001]) values[at] = 20;
    values[n - 1] = -30;
    const row = mx.array(values);
    expect(await mx.argmax(row).itemAsync()).toBe(123_457);
    expect(await mx.argmin(row).itemAsync()).toBe(n - 1);
    expect(await mx.max(row).itemAsync()).toBe(20);
    expect(await mx.sum(mx.ones([n], "int32")).itemAsync()).toBe(n);
  });

  test("array_reduce_split_over_few_long_rows", async () => {
    // Few outputs of long rows: on the GPU each row is folded in parts by many workgroups,
    // then the parts' results by one segment per row (webgpu/kernels/reduce.ts). Expected
    // values from plain loops. Row 1 holds its largest value twice, in different parts
    // (the first wins); row 2 a NaN past its first part (argmax and max take it).
    const rows = 3;
    const n = 50_001;
    const values = Float32Array.from({ length: rows * n }, (_, i) => Math.sin(i * 0.7) * 10);
    values[n + 30_000] = 50;
    values[n + 45_000] = 50;
    values[2 * n + 40_000] = NaN;
    const a = mx.array(values).reshape([rows, n]);
    const row = (r: number) => Array.from(values.subarray(r * n, (r + 1) * n));
    const argBest = (xs: number[], better: (x: number, y: number) => boolean) => {
      let best = 0;
      for (let i = 1; i < xs.length; i++) if (Number.isNaN(xs[i]) ? !Number.isNaN(xs[best]) : !Number.isNaN(xs[best]) && better(xs[i], xs[best])) best = i;
      return best;
    };
    const argmax = [0, 1, 2].map((r) => argBest(row(r), (x, y) => x > y));
    expect(argmax[1]).toBe(30_000);
    expect(argmax[2]).toBe(40_000);
    expect(await mx.argmax(a, 1).toArrayAsync()).toEqual(argmax);
    expect(await mx.argmin(a, 1).toArrayAsync()).toEqual([0, 1, 2].map((r) => argBest(row(r), (x, y) => x < y)));
    // The same rows reversed (a strided view): the last of row 1's tied values comes first now.
    const reversed = [0, 1, 2].map((r) => argBest(row(r).reverse(), (x, y) => x > y));
    expect(reversed[1]).toBe(n - 1 - 45_000);
    expect(await mx.argmax(a.slice(":", "::-1"), 1).toArrayAsync()).toEqual(reversed);
    const max = (await mx.max(a, 1).toArrayAsync()) as number[];
    expect(max.slice(0, 2)).toEqual([0, 1].map((r) => Math.max(...row(r))));
    expect(max[2]).toBeNaN();
    const sums = [0, 1].map((r) => row(r).reduce((s, x) => s + x, 0));
    const got = (await mx.sum(a.slice("0:2"), 1).toArrayAsync()) as number[];
    got.forEach((g, r) => expect(Math.abs(g - sums[r])).toBeLessThan(1e-3 * n));
    const means = (await mx.mean(a.slice("0:2"), 1).toArrayAsync()) as number[];
    means.forEach((g, r) => expect(Math.abs(g - sums[r] / n)).toBeLessThan(1e-3));
    // Two reduced axes that do not collapse into one (a transposed view), over int32.
    const ints = mx.arange(rows * n).reshape([rows, 3, n / 3]).transpose([0, 2, 1]).astype("int32");
    expect(await mx.sum(ints.slice("0:1"), [1, 2]).toArrayAsync()).toEqual([(n * (n - 1)) / 2]);
    expect(await mx.max(ints, [1, 2]).toArrayAsync()).toEqual([n - 1, 2 * n - 1, 3 * n - 1]);
  });

  test("array_reduce_empty_axis_list_is_identity", async () => {
    // numpy: an empty tuple of axes reduces nothing.
    const a = mx.array([[1, 2], [3, 4]]);
    expect(await mx.sum(a, []).toArrayAsync()).toEqual([[1, 2], [3, 4]]);
  });

  // ---- bad input
  test("array_reduce_error_axis_out_of_range", () => {
    const a = mx.zeros([2, 3]);
    expect(() => mx.sum(a, 2)).toThrow(mx.ArrayError);
    expect(() => mx.sum(a, 2)).toThrow(/^sum: .*2.*\[2,3\]/);
    expect(() => mx.mean(a, -3)).toThrow(/^mean: .*-3.*\[2,3\]/);
    expect(() => mx.argmax(a, 5)).toThrow(/^argmax: .*5.*\[2,3\]/);
    expect(() => mx.softmax(a, 2)).toThrow(/^softmax: .*2.*\[2,3\]/);
    expect(() => mx.cumsum(a, -4)).toThrow(/^cumsum: .*-4.*\[2,3\]/);
    expect(() => mx.logsumexp(a, [0, 7])).toThrow(/^logsumexp: .*7.*\[2,3\]/);
    expect(() => mx.sum(mx.array(1), 0)).toThrow(/^sum: .*0.*\[\]/);
  });

  test("array_reduce_error_duplicate_axes", () => {
    const a = mx.zeros([2, 3, 4]);
    expect(() => mx.sum(a, [0, 0])).toThrow(mx.ArrayError);
    expect(() => mx.sum(a, [1, -2])).toThrow(/^sum: .*\[2,3,4\]/);
    expect(() => mx.max(a, [2, -1])).toThrow(/^max: /);
    expect(() => mx.softmax(a, [0, -3])).toThrow(/^softmax: /);
  });

  test("array_reduce_error_non_integer_axis", () => {
    const a = mx.zeros([2, 3]);
    expect(() => mx.sum(a, 0.5)).toThrow(mx.ArrayError);
    expect(() => mx.sum(a, 0.5)).toThrow(/^sum: .*0\.5/);
    expect(() => mx.argmin(a, NaN)).toThrow(/^argmin: /);
  });

  test("array_reduce_error_argmax_of_empty", () => {
    expect(() => mx.argmax(mx.zeros([0]))).toThrow(mx.ArrayError);
    expect(() => mx.argmax(mx.zeros([2, 0]), 1)).toThrow(/^argmax: .*\[2,0\]/);
  });
});
