// Creation (array, fromTypedArray, zeros, ones, full, arange), conversion back to JS
// (toArray, item, toTypedArray), attributes, and numpy-like printing.
// Golden values: tests/golden/array/creation.safetensors and print.safetensors.
// Every test runs on each device (device.ts) but those about host memory, at the end.
import * as mx from "@tiny-llm/array";
import { deviceGoldenTests } from "./device-golden";
import { describeDevices } from "./device";

describeDevices("array_creation golden", () => {
  deviceGoldenTests("array", "creation", "array_creation", (c) => {
    const p = c.params;
    switch (c.op) {
      case "arange": {
        const a = p.args as number[];
        if (p.dtype) return mx.arange(a[0], a[1], a[2] ?? 1, p.dtype);
        return a.length === 1 ? mx.arange(a[0]) : mx.arange(a[0], a[1], a[2]);
      }
      case "full": return mx.full(p.shape, p.value, p.dtype);
      case "zeros": return p.dtype ? mx.zeros(p.shape, p.dtype) : mx.zeros(p.shape);
      case "ones": return p.dtype ? mx.ones(p.shape, p.dtype) : mx.ones(p.shape);
    }
    throw new Error(`unknown op ${c.op}`);
  });
});

describeDevices("array_print golden", () => {
  // Expected strings are numpy's own repr of the same values (see make_print()). An
  // array prints its values once on the CPU (a GPU array's string says so: gpu.test.ts).
  deviceGoldenTests("array", "print", "array_print", async (c, [x]) => {
    const a = await x.toCpu();
    expect(a.toString()).toBe(c.params.expected);
    expect(String(a)).toBe(c.params.expected);
  });
});

describeDevices("array_creation hand-written", (device) => {
  test("array_creation_from_nested", async () => {
    const a = mx.array([[1, 2, 3], [4, 5, 6]]);
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe("float32");
    expect(a.ndim).toBe(2);
    expect(a.size).toBe(6);
    expect(a.strides).toEqual([3, 1]);
    expect(a.itemsize).toBe(4);
    expect(a.nbytes).toBe(24);
    expect(a.device).toBe(device);
    expect(await a.toArrayAsync()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const b = mx.array([[true], [false]]);
    expect(b.dtype).toBe("bool");
    expect(await b.toArrayAsync()).toEqual([[true], [false]]);
    expect(await mx.array([1, 2], "int32").data()).toEqual(new Int32Array([1, 2]));
    expect(await mx.array([1.5], "float16").data()).toEqual(new Float32Array([1.5]));
    expect(await mx.array([1.5], "bfloat16").data()).toEqual(new Float32Array([1.5]));
    expect(await mx.array([true, false]).data()).toEqual(new Uint8Array([1, 0]));
    expect(await mx.array([7], "uint32").data()).toEqual(new Uint32Array([7]));
  });

  test("array_creation_from_typed_array", async () => {
    expect(mx.array(new Int32Array([1, 2])).dtype).toBe("int32");
    expect(mx.array(new Uint8Array([1, 2])).dtype).toBe("uint8");
    expect(mx.array(new Uint32Array([1, 2])).dtype).toBe("uint32");
    expect(mx.array(new Float32Array([1, 2])).dtype).toBe("float32");
    const t = mx.fromTypedArray(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    expect(await t.toArrayAsync()).toEqual([[1, 2], [3, 4], [5, 6]]);
    const h = mx.fromTypedArray(new Float32Array([1, 65519, 1e-8]), [3], "float16");
    expect(Array.from(await h.data())).toEqual([1, 65504, 0]);
    // Elements convert to another dtype as a JavaScript assignment converts them.
    const values = [1.7, -2.5, NaN, 3e9, 0.1];
    expect(await mx.array(new Float64Array(values), "int32").data()).toEqual(Int32Array.from(values));
    expect(await mx.array(new Float64Array(values), "uint8").data()).toEqual(Uint8Array.from(values));
    expect(await mx.array(new Float64Array(values)).data()).toEqual(Float32Array.from(values));
    expect(Array.from(await mx.array(new Float32Array([0, 2, NaN, -0.5]), "bool").data())).toEqual([0, 1, 0, 1]);
  });

  test("array_creation_scalar_0d", async () => {
    const s = mx.array(2.5);
    expect(s.shape).toEqual([]);
    expect(s.ndim).toBe(0);
    expect(s.size).toBe(1);
    expect(s.strides).toEqual([]);
    expect(await s.itemAsync()).toBe(2.5);
    expect(await s.toArrayAsync()).toBe(2.5);
    expect(await mx.array(true).itemAsync()).toBe(true);
    expect(await mx.full([], 3, "int32").itemAsync()).toBe(3);
  });

  test("array_creation_size0", async () => {
    expect(await mx.zeros([0]).toArrayAsync()).toEqual([]);
    expect(await mx.zeros([2, 0]).toArrayAsync()).toEqual([[], []]);
    expect(await mx.zeros([0, 2]).toArrayAsync()).toEqual([]);
    expect(mx.zeros([2, 0]).size).toBe(0);
    expect(mx.array([]).shape).toEqual([0]);
    expect(mx.zerosLike(mx.zeros([3, 0], "int32")).dtype).toBe("int32");
    expect(mx.onesLike(mx.zeros([3, 0], "int32")).device).toBe(device);
    expect(await mx.onesLike(mx.zeros([2], "bfloat16")).toArrayAsync()).toEqual([1, 1]);
  });

  test("array_creation_item_requires_one_element", async () => {
    await expect(mx.zeros([2]).itemAsync()).rejects.toThrow(mx.ArrayError);
    await expect(mx.zeros([2]).itemAsync()).rejects.toThrow(/^item: .*\[2\]/);
  });

  // ---- bad input
  test("array_creation_error_ragged", () => {
    expect(() => mx.array([[1, 2], [3]])).toThrow(mx.ArrayError);
    expect(() => mx.array([[1, 2], [3]])).toThrow(/^array: /);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => mx.array([1, [2]] as any)).toThrow(/^array: /);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => mx.array([[1], 2] as any)).toThrow(/^array: /);
  });

  test("array_creation_error_bad_elements", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => mx.array(["a"] as any)).toThrow(/^array: /);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => mx.array([1, null] as any)).toThrow(/^array: /);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => mx.array({} as any)).toThrow(mx.ArrayError);
  });

  test("array_creation_error_bad_shapes", () => {
    expect(() => mx.zeros([2, NaN])).toThrow(mx.ArrayError);
    expect(() => mx.zeros([2, NaN])).toThrow(/^zeros: .*NaN/);
    expect(() => mx.zeros([Infinity])).toThrow(/^zeros: .*Infinity/);
    expect(() => mx.zeros([-1, 2])).toThrow(/^zeros: .*-1/);
    expect(() => mx.ones([2.5])).toThrow(/^ones: .*2\.5/);
    expect(() => mx.full([3, -2], 1)).toThrow(/^full: .*-2/);
    expect(() => mx.fromTypedArray(new Float32Array(5), [2, 3])).toThrow(/^fromTypedArray: .*\[2,3\]/);
    expect(() => mx.random.uniform([2, -3])).toThrow(mx.ArrayError);
  });

  test("array_creation_error_too_large", () => {
    // 4 TB: the allocation fails with an ArrayError naming the shape, not a RangeError.
    expect(() => mx.zeros([100000, 100000, 100])).toThrow(mx.ArrayError);
    expect(() => mx.ones([100000, 100000, 100], "bfloat16")).toThrow(/^alloc: .*\[100000,100000,100\] of bfloat16/);
  });

  test("array_creation_error_bad_dtype", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => mx.zeros([2], "float64" as any)).toThrow(/^zeros: .*float64/);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => mx.array([1], "int64" as any)).toThrow(/^array: .*int64/);
  });

  test("array_creation_error_arange", () => {
    expect(() => mx.arange(0, 5, 0)).toThrow(mx.ArrayError);
    expect(() => mx.arange(0, 5, 0)).toThrow(/^arange: /);
    expect(() => mx.arange(NaN)).toThrow(/^arange: /);
    expect(() => mx.arange(0, Infinity)).toThrow(/^arange: /);
  });
});

// fromBuffer views a host buffer, and the CPU answers synchronously: the CPU alone.
describe("array_creation on the host", () => {
  test("array_creation_from_buffer_is_a_view", () => {
    // Raw little-endian bfloat16 words, as a safetensors file holds them: 1, 2, -0.5, 3.
    const words = new Uint16Array([0xffff, 0x3f80, 0x4000, 0xbf00, 0x4040]);
    const a = mx.fromBuffer(words.buffer, "bfloat16", [2, 2], 2);
    expect(a.toArray()).toEqual([[1, 2], [-0.5, 3]]);
    expect(a.storage).toBe(words.buffer); // no copy
    words[1] = 0x4080; // 4.0
    expect(a.slice(0, 0).item()).toBe(4);
    expect(() => mx.fromBuffer(words.buffer, "bfloat16", [2, 2], 1)).toThrow(/^fromBuffer: byte offset 1 .*bfloat16/);
    expect(() => mx.fromBuffer(words.buffer, "float32", [3], 0)).toThrow(/^fromBuffer: shape \[3\] of float32 needs 12 bytes .* has 10/);
  });

  // mx.allclose answers synchronously, so it takes CPU arrays (gpu.test.ts: the GPU's refusal).
  test("array_creation_allclose_and_threads", () => {
    const a = mx.array([1, 2, 3]);
    expect(mx.allclose(a, a.add(1e-7))).toBe(true);
    expect(mx.allclose(a, a.add(1e-3))).toBe(false);
    expect(mx.allclose(a, mx.array([1, NaN, 3]))).toBe(false);
    expect(mx.numThreads()).toBeGreaterThanOrEqual(1);
  });
});
