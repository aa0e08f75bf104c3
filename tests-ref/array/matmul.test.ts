// matmul: 2-D, batched with broadcast batch dims, 1-D promotion, transposed operands,
// float32 / float16 / bfloat16. Golden values: tests/golden/array/matmul.safetensors.
import * as mx from "@tiny-llm/array";
import { expectClose } from "../../tests/helpers/compare";
import { goldenTests } from "../../tests/helpers/golden";

describe("array_matmul golden", () => {
  goldenTests("array", "matmul", "array_matmul", (c, [a, b]) => {
    // "transpose": which operand is stored transposed; the transposed *view* goes in.
    const t = c.params.transpose as string;
    const x = t.includes("a") ? mx.swapaxes(a, -1, -2) : a;
    const y = t.includes("b") ? mx.swapaxes(b, -1, -2) : b;
    return mx.matmul(x, y);
  });
});

describe("array_matmul hand-written", () => {
  test("array_matmul_method_style_and_small_exact", () => {
    const a = mx.array([[1, 2], [3, 4]]);
    const b = mx.array([[5, 6], [7, 8]]);
    expect(a.matmul(b).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(mx.matmul(a.T, b).toArray()).toEqual([[26, 30], [38, 44]]);
    expect(mx.matmul(mx.array([1, 2]), mx.array([3, 4])).shape).toEqual([]);
    expect(mx.matmul(mx.array([1, 2]), mx.array([3, 4])).item()).toBe(11);
  });

  test("array_matmul_sliced_and_broadcast_operands", () => {
    const a = mx.arange(12).reshape([3, 4]).astype("float32");
    const b = mx.arange(8).reshape([4, 2]).astype("float32");
    // A column slice and a reversed view go through the same path as contiguous copies.
    const as = a.slice(":", "1:3");
    expectClose(mx.matmul(as, b.slice("1:3")), mx.matmul(mx.array(as.toArray() as number[][]), mx.array(b.slice("1:3").toArray() as number[][])));
    const ar = a.slice("::-1");
    expectClose(mx.matmul(ar, b), mx.matmul(mx.array(ar.toArray() as number[][]), b));
    const bb = mx.broadcastTo(b, [2, 4, 2]);
    expectClose(mx.matmul(a, bb), mx.stack([mx.matmul(a, b), mx.matmul(a, b)]));
  });

  test("array_matmul_dtypes", () => {
    const a = mx.ones([2, 3], "float16");
    expect(mx.matmul(a, mx.ones([3, 2], "float16")).dtype).toBe("float16");
    expect(mx.matmul(mx.ones([2, 3], "bfloat16"), mx.ones([3, 2], "bfloat16")).dtype).toBe("bfloat16");
    expect(mx.matmul(a, mx.ones([3, 2], "bfloat16")).dtype).toBe("float32");
  });

  // ---- bad input
  test("array_matmul_error_shapes", () => {
    const a = mx.zeros([2, 3]), b = mx.zeros([4, 5]);
    expect(() => mx.matmul(a, b)).toThrow(mx.ArrayError);
    expect(() => mx.matmul(a, b)).toThrow(/^matmul: .*\[2,3\].*\[4,5\]/);
    expect(() => a.matmul(b)).toThrow(/^matmul: .*\[2,3\].*\[4,5\]/);
    expect(() => mx.matmul(mx.zeros([3]), mx.zeros([4]))).toThrow(/^matmul: .*\[3\].*\[4\]/);
    expect(() => mx.matmul(mx.zeros([2, 3, 4]), mx.zeros([3, 4, 5]))).toThrow(/^matmul: .*\[2,3,4\].*\[3,4,5\]/);
    expect(() => mx.matmul(mx.zeros([]), mx.zeros([2, 2]))).toThrow(/^matmul: /);
  });

  test("array_matmul_error_dtypes", () => {
    const a = mx.zeros([2, 3], "int32"), b = mx.zeros([3, 2], "int32");
    expect(() => mx.matmul(a, b)).toThrow(mx.ArrayError);
    expect(() => mx.matmul(a, b)).toThrow(/^matmul: .*int32/);
    expect(() => mx.matmul(mx.zeros([2, 3]), mx.zeros([3, 2], "bool"))).toThrow(/^matmul: .*bool/);
    expect(() => mx.matmul(mx.zeros([2, 3], "uint8"), mx.zeros([3, 2]))).toThrow(/^matmul: .*uint8/);
  });
});
