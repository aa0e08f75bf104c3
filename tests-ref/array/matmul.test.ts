// matmul: 2-D, batched with broadcast batch dims, 1-D promotion, transposed operands,
// float32 / float16 / bfloat16. Golden values: tests/golden/array/matmul.safetensors.
// Every test runs on each device (device.ts).
import * as mx from "@tiny-llm/array";
import { deviceGoldenTests } from "./device-golden";
import { describeDevices, expectCloseOnCpu } from "./device";

describeDevices("array_matmul golden", () => {
  deviceGoldenTests("array", "matmul", "array_matmul", (c, [a, b]) => {
    // "transpose": which operand is stored transposed; the transposed *view* goes in.
    const t = c.params.transpose as string;
    const x = t.includes("a") ? mx.swapaxes(a, -1, -2) : a;
    const y = t.includes("b") ? mx.swapaxes(b, -1, -2) : b;
    return mx.matmul(x, y);
  });
});

describeDevices("array_matmul hand-written", () => {
  test("array_matmul_method_style_and_small_exact", async () => {
    const a = mx.array([[1, 2], [3, 4]]);
    const b = mx.array([[5, 6], [7, 8]]);
    expect(await a.matmul(b).toArrayAsync()).toEqual([[19, 22], [43, 50]]);
    expect(await mx.matmul(a.T, b).toArrayAsync()).toEqual([[26, 30], [38, 44]]);
    expect(mx.matmul(mx.array([1, 2]), mx.array([3, 4])).shape).toEqual([]);
    expect(await mx.matmul(mx.array([1, 2]), mx.array([3, 4])).itemAsync()).toBe(11);
  });

  test("array_matmul_sliced_and_broadcast_operands", async () => {
    const a = mx.arange(12).reshape([3, 4]).astype("float32");
    const b = mx.arange(8).reshape([4, 2]).astype("float32");
    /** A contiguous copy of view `v`, made from its values. */
    const copy = async (v: mx.array) => mx.array((await v.toArrayAsync()) as number[][]);
    // A column slice and a reversed view go through the same path as contiguous copies.
    const as = a.slice(":", "1:3");
    await expectCloseOnCpu(mx.matmul(as, b.slice("1:3")), mx.matmul(await copy(as), await copy(b.slice("1:3"))));
    const ar = a.slice("::-1");
    await expectCloseOnCpu(mx.matmul(ar, b), mx.matmul(await copy(ar), b));
    const bb = mx.broadcastTo(b, [2, 4, 2]);
    await expectCloseOnCpu(mx.matmul(a, bb), mx.stack([mx.matmul(a, b), mx.matmul(a, b)]));
  });

  test("array_matmul_few_rows_equal_the_same_rows_among_many", async () => {
    // Up to 8 rows of x take the CPU's matrix-vector kernel (one row against weight rows
    // of up to 4096: a weight row at a time, bfloat16 weights in even and odd halves
    // against x laid out to match; else one row: 8 weight rows at a time; more rows: rows
    // of x four at a time, the last one to three together; with AVX-512, all in one pass
    // against blocks of 3, 4 or 6 weight rows, then the rest two and one at a time), more
    // the tiled GEMM: each of 1..8 rows against a transposed weight (x @ W.T) must equal
    // those rows of a 17-row product. K = 90 runs every loop of the kernel's vectors (8
    // floats wide for one row, 16 for more with AVX-512): four or two vectors a step (for
    // one row: two steps of x laid out in halves), one, and a scalar tail; K = 4186 takes
    // one row's long-row blocks, whose last rows go one at a time with x in order; 13, 14
    // and 15 weight rows leave one, two and three past every block height.
    for (const dtype of ["float32", "bfloat16", "float16"] as const) {
      for (const [N, K] of [[13, 90], [14, 90], [15, 90], [13, 4186], [14, 4186], [15, 4186]]) {
        const w = mx.random.normal([N, K], { key: mx.random.key(7) }).astype(dtype);
        const many = mx.random.normal([17, K], { key: mx.random.key(8) });
        const all = mx.matmul(many, w.T);
        for (let M = 1; M <= 8; M++) {
          // Sums of K products in another order: float32 rounding grows with K (sums near sqrt(K)).
          const tol = K === 90 ? { rtol: 1e-5, atol: 1e-5 } : { rtol: 1e-4, atol: 1e-3 };
          await expectCloseOnCpu(mx.matmul(many.slice(`0:${M}`), w.T), all.slice(`0:${M}`), { tol, label: `${dtype} N = ${N} K = ${K} M = ${M}` });
        }
      }
    }
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
