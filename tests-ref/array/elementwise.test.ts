// Elementwise ops: arithmetic, comparisons, logical, unary math, where; broadcasting,
// type promotion, weak JS-number operands. Golden values: tests/golden/array/elementwise.safetensors.
// Every test runs on each device (device.ts).
import * as mx from "@tiny-llm/array";
import { mxOp } from "../../tests/helpers/golden";
import { deviceGoldenTests } from "./device-golden";
import { describeDevices, expectCloseOnCpu } from "./device";

describeDevices("array_elementwise golden", () => {
  deviceGoldenTests("array", "elementwise", "array_elementwise", (c, x) => {
    const p = c.params;
    if (c.op === "where") {
      // a and b are arrays (inputs 1, 2) unless given as JS numbers in params.
      let i = 1;
      const a = p.a ?? x[i++];
      const b = p.b ?? x[i++];
      return mx.where(x[0], a, b);
    }
    const f = mxOp(c.op);
    if (p.scalar !== undefined) return p.side === "left" ? f(p.scalar, x[0]) : f(x[0], p.scalar);
    return f(...x);
  });
});

describeDevices("array_elementwise hand-written", () => {
  test("array_elementwise_method_style_matches_function", async () => {
    const a = mx.array([[1, 2, 3], [4, 5, 6]]);
    const b = mx.array([10, 20, 30]);
    await expectCloseOnCpu(a.add(b), mx.add(a, b));
    await expectCloseOnCpu(a.multiply(2), mx.multiply(a, 2));
    await expectCloseOnCpu(a.subtract(b).divide(b), mx.divide(mx.subtract(a, b), b));
    expect(await a.add(b).toArrayAsync()).toEqual([[11, 22, 33], [14, 25, 36]]);
    expect(await a.greater(3).toArrayAsync()).toEqual([[false, false, false], [true, true, true]]);
    expect(a.exp().dtype).toBe("float32");
  });

  test("array_elementwise_scalar_0d", async () => {
    const s = mx.add(mx.array(3), mx.array(4));
    expect(s.shape).toEqual([]);
    expect(s.ndim).toBe(0);
    expect(s.size).toBe(1);
    expect(await s.itemAsync()).toBe(7);
    expect(await s.toArrayAsync()).toBe(7);
    const t = mx.multiply(mx.array(2), mx.array([[1, 2]]));
    expect(t.shape).toEqual([1, 2]);
    expect(await t.toArrayAsync()).toEqual([[2, 4]]);
  });

  test("array_elementwise_size0_broadcast", async () => {
    const a = mx.zeros([2, 0, 3]);
    const r = mx.add(a, mx.ones([1, 3]));
    expect(r.shape).toEqual([2, 0, 3]);
    expect(r.size).toBe(0);
    expect(await r.toArrayAsync()).toEqual([[], []]);
    expect(mx.add(mx.zeros([0]), mx.array(1)).shape).toEqual([0]);
    expect(mx.multiply(mx.zeros([1, 0]), mx.zeros([4, 1])).shape).toEqual([4, 0]);
  });

  test("array_elementwise_5d_broadcast_shape", async () => {
    const a = mx.ones([2, 1, 3, 1, 2]);
    const b = mx.ones([4, 1, 5, 1]);
    const r = mx.add(a, b);
    expect(r.shape).toEqual([2, 4, 3, 5, 2]);
    const v = Array.from(await r.data());
    expect(v).toHaveLength(2 * 4 * 3 * 5 * 2);
    expect(v.every((x) => x === 2)).toBe(true);
  });

  test("array_elementwise_weak_scalar_dtypes", () => {
    expect(mx.add(mx.array([1, 2], "float16"), 1).dtype).toBe("float16");
    expect(mx.add(mx.array([1, 2], "bfloat16"), 0.5).dtype).toBe("bfloat16");
    expect(mx.add(mx.array([1, 2], "int32"), 1).dtype).toBe("int32");
    expect(mx.add(mx.array([1, 2], "int32"), 1.5).dtype).toBe("float32");
    expect(mx.multiply(2, mx.array([1, 2], "uint8")).dtype).toBe("uint8");
    expect(mx.divide(mx.array([1, 2], "int32"), 2).dtype).toBe("float32");
    expect(mx.less(mx.array([1, 2], "float16"), 2).dtype).toBe("bool");
    expect(mx.add(mx.array([1, 2], "float16"), mx.array([1, 2], "bfloat16")).dtype).toBe("float32");
  });

  test("array_elementwise_unary_on_views", async () => {
    // Unary and binary ops read strided (transposed, reversed, broadcast) inputs.
    const a = mx.arange(6).reshape([2, 3]).astype("float32");
    expect(await mx.negative(a.T).toArrayAsync()).toEqual([[-0, -3], [-1, -4], [-2, -5]]);
    expect(await mx.add(a.slice(":", "::-1"), mx.broadcastTo(mx.array([100]), [2, 3])).toArrayAsync()).toEqual([[102, 101, 100], [105, 104, 103]]);
  });

  // ---- bad input
  test("array_elementwise_error_broadcast_mismatch", () => {
    const a = mx.zeros([2, 3]), b = mx.zeros([4, 3]);
    expect(() => mx.add(a, b)).toThrow(mx.ArrayError);
    expect(() => mx.add(a, b)).toThrow(/^add: .*\[2,3\].*\[4,3\]/);
    expect(() => a.multiply(b)).toThrow(/^multiply: .*\[2,3\].*\[4,3\]/);
    expect(() => mx.less(mx.zeros([2, 1, 3, 1, 2]), mx.zeros([4, 1, 2, 3]))).toThrow(/^less: .*\[2,1,3,1,2\].*\[4,1,2,3\]/);
    expect(() => mx.add(mx.zeros([0]), mx.zeros([2]))).toThrow(/^add: .*\[0\].*\[2\]/);
  });

  test("array_elementwise_error_where_mismatch", () => {
    expect(() => mx.where(mx.zeros([3], "bool"), mx.zeros([2]), 1)).toThrow(mx.ArrayError);
    expect(() => mx.where(mx.zeros([3], "bool"), mx.zeros([2]), 1)).toThrow(/^where: .*\[3\].*\[2\]/);
  });

  test("array_elementwise_error_bool_numeric", () => {
    const b = mx.array([true, false]);
    expect(() => mx.negative(b)).toThrow(mx.ArrayError);
    expect(() => mx.negative(b)).toThrow(/^negative: .*bool/);
  });

  test("array_elementwise_error_not_an_array", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => mx.add(mx.zeros([2]), "1" as any)).toThrow(/^add: /);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => mx.exp([1, 2] as any)).toThrow(mx.ArrayError);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => mx.exp(undefined as any)).toThrow(/^exp: /);
  });
});
