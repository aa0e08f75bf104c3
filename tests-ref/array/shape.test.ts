// Shape ops and indexing: reshape, flatten, transpose, swapaxes, moveaxis, expandDims,
// squeeze, broadcastTo, concatenate, stack, split, triu/tril, take, takeAlongAxis,
// slicing; view semantics (strided views over one buffer, copies where needed).
// Golden values: tests/golden/array/shape.safetensors.
// Every test runs on each device (device.ts).
import * as mx from "@tiny-llm/array";
import { deviceGoldenTests } from "./device-golden";
import { describeDevices, describeGpu } from "./device";

/**
 * `f()`'s result read back: an out-of-range index throws at once on the CPU, and at the
 * read on the GPU (whose gathers check their indices there, without a round trip).
 */
const readBack = async (f: () => mx.array) => f().data();

describeDevices("array_shape golden", () => {
  deviceGoldenTests("array", "shape", "array_shape", async (c, x) => {
    const p = c.params;
    const a = x[0];
    switch (c.op) {
      case "reshape": return mx.reshape(a, p.shape);
      case "flatten": return mx.flatten(a);
      case "transpose": return p.axes === null ? mx.transpose(a) : mx.transpose(a, p.axes);
      case "transpose_reshape": return mx.reshape(mx.transpose(a, p.axes), p.shape);
      case "swapaxes": return mx.swapaxes(a, p.axis1, p.axis2);
      case "moveaxis": return mx.moveaxis(a, p.source, p.destination);
      case "expandDims": return mx.expandDims(a, p.axis);
      case "squeeze": return p.axis === null ? mx.squeeze(a) : mx.squeeze(a, p.axis);
      case "broadcastTo": return mx.broadcastTo(a, p.shape);
      case "concatenate": return mx.concatenate(x, p.axis);
      case "stack": return mx.stack(x, p.axis);
      case "split": return mx.split(a, p.sections, p.axis);
      case "triu": return mx.triu(a, p.k);
      case "tril": return mx.tril(a, p.k);
      case "take": {
        // A 0-d index array (take_scalar_index_*) is passed as a JS number.
        const idx = x[1].ndim === 0 ? ((await x[1].itemAsync()) as number) : x[1];
        return p.axis === null ? mx.take(a, idx) : mx.take(a, idx, p.axis);
      }
      case "takeAlongAxis": return mx.takeAlongAxis(a, x[1], p.axis);
      case "slice": return mx.slice(a, ...p.specs);
      case "slice_reshape": return a.slice(...p.specs).reshape(p.shape);
    }
    throw new Error(`unknown op ${c.op}`);
  });
});

describeDevices("array_shape views", () => {
  const a = () => mx.arange(24).reshape([2, 3, 4]);

  test("array_shape_view_reshape_and_transpose_share_buffer", () => {
    const x = a();
    expect(x.reshape([6, 4]).storage).toBe(x.storage);
    const t = x.transpose();
    expect(t.storage).toBe(x.storage);
    expect(t.shape).toEqual([4, 3, 2]);
    expect(t.strides).toEqual([1, 4, 12]);
    expect(x.T.shape).toEqual([4, 3, 2]);
    expect(mx.swapaxes(x, 0, 1).strides).toEqual([4, 12, 1]);
    expect(mx.expandDims(x, 0).storage).toBe(x.storage);
    expect(mx.broadcastTo(mx.array([1, 2]), [3, 2]).strides).toEqual([0, 1]);
  });

  test("array_shape_view_transpose_then_reshape_copies_correctly", async () => {
    const x = mx.arange(6).reshape([2, 3]); // [[0,1,2],[3,4,5]]
    const y = x.T.reshape([6]);
    expect(await y.toArrayAsync()).toEqual([0, 3, 1, 4, 2, 5]);
    expect(y.strides).toEqual([1]);
    expect(await x.T.reshape([2, 3]).toArrayAsync()).toEqual([[0, 3, 1], [4, 2, 5]]);
    expect(await x.T.flatten().toArrayAsync()).toEqual([0, 3, 1, 4, 2, 5]);
    // The source is untouched.
    expect(await x.toArrayAsync()).toEqual([[0, 1, 2], [3, 4, 5]]);
    // Reshape of a broadcast view.
    expect(await mx.broadcastTo(mx.array([1, 2], "int32"), [2, 2]).reshape([4]).toArrayAsync()).toEqual([1, 2, 1, 2]);
  });

  test("array_shape_view_slices_share_buffer", async () => {
    const x = a();
    const s = x.slice(1, "1:", "::2");
    expect(s.storage).toBe(x.storage);
    expect(s.shape).toEqual([2, 2]);
    expect(s.strides).toEqual([4, 2]);
    expect(await s.toArrayAsync()).toEqual([[16, 18], [20, 22]]);
    const s2 = s.slice(1);
    expect(s2.storage).toBe(x.storage);
    expect(await s2.toArrayAsync()).toEqual([20, 22]);
    // Methods and mx.slice agree.
    expect(await mx.slice(x, 1, "1:", "::2").toArrayAsync()).toEqual(await s.toArrayAsync());
  });

  test("array_shape_view_negative_strides", async () => {
    const x = mx.arange(5);
    const r = x.slice("::-1");
    expect(r.storage).toBe(x.storage);
    expect(r.strides).toEqual([-1]);
    expect(await r.toArrayAsync()).toEqual([4, 3, 2, 1, 0]);
    expect(Array.from(await r.data())).toEqual([4, 3, 2, 1, 0]);
    expect(await r.slice("::-1").toArrayAsync()).toEqual([0, 1, 2, 3, 4]);
    expect(await r.slice("1:4:2").toArrayAsync()).toEqual([3, 1]);
    expect(await x.slice("-2::-2").toArrayAsync()).toEqual([3, 1]);
    const m = mx.arange(6).reshape([2, 3]).slice("::-1", "::-1");
    expect(await m.toArrayAsync()).toEqual([[5, 4, 3], [2, 1, 0]]);
    expect(await m.reshape([3, 2]).toArrayAsync()).toEqual([[5, 4], [3, 2], [1, 0]]);
    expect(await m.astype("float16").toArrayAsync()).toEqual([[5, 4, 3], [2, 1, 0]]);
    expect(await mx.add(m, m.slice("::-1")).toArrayAsync()).toEqual([[7, 5, 3], [7, 5, 3]]);
  });

  test("array_shape_view_ellipsis_newaxis_scalars", async () => {
    const x = a();
    expect(x.slice("...", 0).shape).toEqual([2, 3]);
    expect(x.slice(null).shape).toEqual([1, 2, 3, 4]);
    expect(x.slice(":", null, 1).shape).toEqual([2, 1, 4]);
    const e = x.slice(1, 2, 3);
    expect(e.shape).toEqual([]);
    expect(await e.itemAsync()).toBe(23);
    expect(await x.slice(-1, -1, -1).itemAsync()).toBe(23);
    expect(x.slice("2:").shape).toEqual([0, 3, 4]);
  });

  test("array_shape_method_style", async () => {
    const x = a();
    expect(x.reshape(4, 6).shape).toEqual([4, 6]);
    expect(x.reshape([4, -1]).shape).toEqual([4, 6]);
    expect(x.transpose(1, 0, 2).shape).toEqual([3, 2, 4]);
    expect(x.transpose([1, 0, 2]).shape).toEqual([3, 2, 4]);
    expect(x.swapaxes(0, 2).shape).toEqual([4, 3, 2]);
    expect(x.flatten().shape).toEqual([24]);
    expect(x.squeeze().shape).toEqual([2, 3, 4]);
    expect(x.expandDims(-1).shape).toEqual([2, 3, 4, 1]);
    const m = mx.arange(9).reshape(3, 3);
    expect(await m.triu(1).toArrayAsync()).toEqual(await mx.triu(m, 1).toArrayAsync());
    expect(await m.tril().toArrayAsync()).toEqual([[0, 0, 0], [3, 4, 0], [6, 7, 8]]);
    expect(await m.takeAlongAxis(mx.array([[2], [0], [1]], "int32"), 1).toArrayAsync()).toEqual([[2], [3], [7]]);
  });

  test("array_shape_size0", () => {
    const z = mx.zeros([2, 0, 3]);
    expect(z.reshape([0, 5]).shape).toEqual([0, 5]);
    expect(z.transpose().shape).toEqual([3, 0, 2]);
    expect(mx.concatenate([z, z], 1).shape).toEqual([2, 0, 3]);
    expect(mx.stack([z, z]).shape).toEqual([2, 2, 0, 3]);
    expect(mx.split(z, 3, 2).map((s) => s.shape)).toEqual([[2, 0, 1], [2, 0, 1], [2, 0, 1]]);
    expect(mx.take(mx.zeros([4, 3]), mx.zeros([0], "int32"), 0).shape).toEqual([0, 3]);
  });

  // ---- bad input
  test("array_shape_error_reshape", () => {
    const x = mx.zeros([2, 3]);
    expect(() => mx.reshape(x, [4])).toThrow(mx.ArrayError);
    expect(() => mx.reshape(x, [4])).toThrow(/^reshape: .*\[2,3\].*\[4\]/);
    expect(() => x.reshape([4, -1])).toThrow(/^reshape: .*\[2,3\].*\[4,-1\]/);
    expect(() => x.reshape([-1, -1])).toThrow(/^reshape: /);
    expect(() => x.reshape([-2, -3])).toThrow(/^reshape: /);
    expect(() => x.reshape([2.5, 2])).toThrow(/^reshape: /);
    expect(() => x.reshape([NaN])).toThrow(/^reshape: /);
  });

  test("array_shape_error_axes", () => {
    const x = mx.zeros([2, 3, 4]);
    expect(() => mx.transpose(x, [0, 1])).toThrow(/^transpose: .*\[2,3,4\]/);
    expect(() => mx.transpose(x, [0, 0, 1])).toThrow(/^transpose: .*\[2,3,4\]/);
    expect(() => mx.transpose(x, [0, 1, 3])).toThrow(/^transpose: /);
    expect(() => mx.swapaxes(x, 0, 3)).toThrow(/^swapaxes: .*3.*\[2,3,4\]/);
    expect(() => mx.moveaxis(x, -4, 0)).toThrow(/^moveaxis: /);
    expect(() => mx.expandDims(x, 4)).toThrow(/^expandDims: /);
    expect(() => mx.expandDims(x, [0, 0])).toThrow(/^expandDims: /);
    expect(() => mx.squeeze(x, 0)).toThrow(/^squeeze: .*\[2,3,4\]/);
    expect(() => mx.squeeze(x, 5)).toThrow(/^squeeze: /);
    expect(() => mx.triu(mx.zeros([3]))).toThrow(/^triu: .*\[3\]/);
    expect(() => mx.tril(mx.zeros([]))).toThrow(/^tril: /);
    expect(() => mx.swapaxes(x, 0.5, 1)).toThrow(mx.ArrayError);
  });

  test("array_shape_error_broadcastTo", () => {
    expect(() => mx.broadcastTo(mx.zeros([2, 3]), [4, 3])).toThrow(mx.ArrayError);
    expect(() => mx.broadcastTo(mx.zeros([2, 3]), [4, 3])).toThrow(/^broadcastTo: .*\[2,3\].*\[4,3\]/);
    expect(() => mx.broadcastTo(mx.zeros([2, 3]), [3])).toThrow(/^broadcastTo: .*\[2,3\].*\[3\]/);
    expect(() => mx.broadcastTo(mx.zeros([1]), [-1])).toThrow(/^broadcastTo: /);
  });

  test("array_shape_error_concatenate_stack_split", () => {
    const a = mx.zeros([2, 3]), b = mx.zeros([2, 4]);
    expect(() => mx.concatenate([a, b], 0)).toThrow(mx.ArrayError);
    expect(() => mx.concatenate([a, b], 0)).toThrow(/^concatenate: .*\[2,3\].*\[2,4\]/);
    expect(() => mx.concatenate([a, mx.zeros([2])], 0)).toThrow(/^concatenate: .*\[2,3\].*\[2\]/);
    expect(() => mx.concatenate([a, a], 2)).toThrow(/^concatenate: .*2/);
    expect(() => mx.concatenate([])).toThrow(/^concatenate: /);
    expect(() => mx.stack([a, b])).toThrow(/^stack: .*\[2,3\].*\[2,4\]/);
    expect(() => mx.stack([a, a], 3)).toThrow(/^stack: /);
    expect(() => mx.stack([])).toThrow(/^stack: /);
    expect(() => mx.split(mx.zeros([5, 2]), 2)).toThrow(/^split: .*\[5,2\]/);
    expect(() => mx.split(mx.zeros([5, 2]), 0)).toThrow(/^split: /);
    expect(() => mx.split(mx.zeros([5, 2]), 2, 2)).toThrow(/^split: /);
  });

  test("array_shape_error_take", async () => {
    const x = mx.arange(6).reshape([2, 3]).astype("float32");
    // Out-of-range indices must throw, never read past the buffer or give garbage.
    await expect(readBack(() => mx.take(x, [6]))).rejects.toThrow(mx.ArrayError);
    await expect(readBack(() => mx.take(x, [6]))).rejects.toThrow(/^take: .*6/);
    await expect(readBack(() => mx.take(x, mx.array([0, 3], "int32"), 1))).rejects.toThrow(/^take: .*3.*\[2,3\]/);
    await expect(readBack(() => mx.take(x, 2, 0))).rejects.toThrow(/^take: .*2/);
    await expect(readBack(() => mx.take(x, mx.array([0, 100000], "uint32"), 1))).rejects.toThrow(/^take: .*100000/);
    expect(() => mx.take(x, [0.5], 0)).toThrow(/^take: .*0\.5/);
    expect(() => mx.take(x, [NaN], 0)).toThrow(/^take: /);
    expect(() => mx.take(x, mx.array([0.5, 1]), 0)).toThrow(/^take: .*float32/);
    expect(() => mx.take(x, [0], 2)).toThrow(/^take: .*2/);
    const ids = mx.array([[0, 5]], "int32");
    await expect(readBack(() => mx.takeAlongAxis(x, ids, 1))).rejects.toThrow(/^takeAlongAxis: .*5/);
    expect(() => mx.takeAlongAxis(x, mx.array([[0.0, 1.0]]), 1)).toThrow(/^takeAlongAxis: .*float32/);
    expect(() => mx.takeAlongAxis(x, mx.zeros([2], "int32"), 1)).toThrow(/^takeAlongAxis: /);
  });

  test("array_shape_error_slice", () => {
    const x = mx.zeros([4, 5]);
    expect(() => x.slice(4)).toThrow(mx.ArrayError);
    expect(() => x.slice(4)).toThrow(/^slice: .*4.*\[4,5\]/);
    expect(() => x.slice(-5)).toThrow(/^slice: .*-5/);
    expect(() => x.slice(1.5)).toThrow(/^slice: .*1\.5/);
    expect(() => x.slice(NaN)).toThrow(/^slice: /);
    expect(() => x.slice("0:6")).toThrow(/^slice: .*0:6/);
    expect(() => x.slice("-7:")).toThrow(/^slice: .*-7:/);
    expect(() => x.slice("::0")).toThrow(/^slice: .*::0/);
    expect(() => x.slice("1:2:3:4")).toThrow(/^slice: /);
    expect(() => x.slice("a:b")).toThrow(/^slice: /);
    expect(() => x.slice("1.5:")).toThrow(/^slice: /);
    expect(() => x.slice(0, 0, 0)).toThrow(/^slice: .*\[4,5\]/);
    expect(() => x.slice("...", 0, "...")).toThrow(/^slice: /);
    expect(() => mx.array(1).slice(0)).toThrow(/^slice: /);
  });
});

describeGpu("array_shape gpu gathers", () => {
  test("array_shape_gpu_a_bad_index_recorded_during_a_read_throws_at_the_next_read", async () => {
    const x = mx.arange(6).astype("float32");
    const reading = x.add(1).data(); // requested before the bad gather is recorded
    const bad = mx.take(x, [9]); // recorded while that read is on its way (as the next decode step is)
    await expect(reading).resolves.toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
    await expect(bad.data()).rejects.toThrow(/^take: index 9 .*out of range/);
    await expect(x.add(2).data()).resolves.toEqual(new Float32Array([2, 3, 4, 5, 6, 7])); // reported once
  });
});
