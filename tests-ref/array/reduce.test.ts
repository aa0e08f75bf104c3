// Reductions (sum, mean, prod, max, min, logsumexp, any, all, argmax, argmin) over
// axes with keepdims, softmax, and scans (cumsum, cumprod, cummax, cummin).
// Golden values: tests/golden/array/reduce.safetensors.
import * as mx from "@tiny-llm/array";
import { expectClose } from "../../tests/helpers/compare";
import { goldenTests, mxOp } from "../../tests/helpers/golden";

describe("array_reduce golden", () => {
  goldenTests("array", "reduce", "array_reduce", (c, [x]) => {
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

describe("array_reduce hand-written", () => {
  test("array_reduce_method_style", () => {
    const a = mx.array([[1, 2, 3], [4, 5, 6]]);
    expect(a.sum().item()).toBe(21);
    expect(a.sum(0).toArray()).toEqual([5, 7, 9]);
    expect(a.sum(-1, true).toArray()).toEqual([[6], [15]]);
    expect(a.max([0, 1]).item()).toBe(6);
    expect(a.mean(1).toArray()).toEqual([2, 5]);
    expect(a.argmax(1).toArray()).toEqual([2, 2]);
    expect(a.argmax().item()).toBe(5);
    expect(a.argmax().dtype).toBe("int32");
    expectClose(a.softmax(-1), mx.softmax(a, -1));
    expect(a.cumsum(1).toArray()).toEqual([[1, 3, 6], [4, 9, 15]]);
    expect(a.cumsum().toArray()).toEqual([1, 3, 6, 10, 15, 21]);
    expect(a.cumprod(1).toArray()).toEqual([[1, 2, 6], [4, 20, 120]]);
    expect(a.cummax(0, true).toArray()).toEqual([[4, 5, 6], [4, 5, 6]]);
    expect(a.cummin(1).toArray()).toEqual([[1, 1, 1], [4, 4, 4]]);
  });

  test("array_reduce_dtypes", () => {
    expect(mx.sum(mx.array([1, 2], "int32")).dtype).toBe("int32");
    expect(mx.sum(mx.array([1, 2], "uint8")).dtype).toBe("int32");
    expect(mx.sum(mx.array([true, true, false])).dtype).toBe("int32");
    expect(mx.sum(mx.array([true, true, false])).item()).toBe(2);
    expect(mx.mean(mx.array([1, 2], "int32")).dtype).toBe("float32");
    expect(mx.max(mx.array([1, 2], "uint8")).dtype).toBe("uint8");
    expect(mx.sum(mx.array([1, 2], "bfloat16")).dtype).toBe("bfloat16");
    expect(mx.argmin(mx.array([3, 1, 2], "float16")).dtype).toBe("int32");
  });

  test("array_reduce_on_strided_views", () => {
    const a = mx.arange(24).reshape([2, 3, 4]).astype("float32");
    const t = a.transpose([2, 0, 1]); // [4, 2, 3], non-contiguous
    expect(mx.sum(t, -1).toArray()).toEqual(mx.sum(mx.array(t.toArray() as number[][][]), -1).toArray());
    expect(mx.max(a.slice("...", "::-1"), -1).toArray()).toEqual([[3, 7, 11], [15, 19, 23]]);
    expect(mx.argmax(a.slice("...", "::-1"), -1).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(mx.sum(mx.broadcastTo(mx.array([1, 2]), [3, 2]), 0).toArray()).toEqual([3, 6]);
  });

  test("array_reduce_empty_axis_list_is_identity", () => {
    // numpy: an empty tuple of axes reduces nothing.
    const a = mx.array([[1, 2], [3, 4]]);
    expect(mx.sum(a, []).toArray()).toEqual([[1, 2], [3, 4]]);
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
