// The custom-kernel API (mx.runKernel): outputs allocated as described, every array
// handed over as a KernelArray (buffer, first element, dtype code, shape, strides),
// dispatch by device, and its errors. The CPU kernels here are written in JavaScript
// (they read the ArrayBuffers, so those tests are the CPU's); the GPU's is WGSL, run
// through mx.gpu.dispatch.
import * as mx from "@tiny-llm/array";
import { describeGpu } from "./device";

/** y[i] = sum_j x[i, j] * params.factor, reading x through its KernelArray strides. */
const rowSum: mx.CustomKernel<{ factor: number }> = {
  name: "rowSum",
  implementations: {
    cpu: ([x], [y], { factor }) => {
      const xs = new Float32Array(x.data as ArrayBuffer), ys = new Float32Array(y.data as ArrayBuffer);
      for (let i = 0; i < x.shape[0]; i++) {
        let s = 0;
        for (let j = 0; j < x.shape[1]; j++) s += xs[x.offset + i * x.strides[0] + j * x.strides[1]];
        ys[y.offset + i] = s * factor;
      }
    },
  },
};

test("array_custom_kernel_views_and_outputs", () => {
  const x = mx.arange(12, undefined, undefined, "float32").reshape([3, 4]);
  const seen: mx.KernelArray[] = [];
  const spy: mx.CustomKernel<{ factor: number }> = {
    name: "rowSum",
    implementations: { cpu: (inputs, outputs, p) => (seen.push(...inputs, ...outputs), rowSum.implementations.cpu!(inputs, outputs, p)) },
  };
  const view = x.slice("::-1", "1:3"); // rows 2, 1, 0; columns 1-2: offset 9, strides [-4, 1]
  const [y] = mx.runKernel(spy, [view], [{ shape: [3], dtype: "float32" }], { factor: 2 });
  expect(y.toArray()).toEqual([2 * (9 + 10), 2 * (5 + 6), 2 * (1 + 2)]);
  expect(seen[0]).toMatchObject({ offset: 9, dtype: mx.DtypeCode.float32, shape: [3, 2], strides: [-4, 1] });
  expect(seen[0].data).toBe(x.storage);
  expect(seen[1]).toMatchObject({ offset: 0, dtype: mx.DtypeCode.float32, shape: [3], strides: [1] });
});

test("array_custom_kernel_cpu_layouts_pack_each_list_and_survive_a_kernel_run_inside", () => {
  type Packed = mx.KernelArray[] & { layouts?: Float64Array };
  // A list's layouts as native code reads them: [n, then per array: address, offset, dtype, ndim, ...shape, ...strides].
  const unpack = (l: Float64Array) => {
    const arrays: { address: number; fields: number[] }[] = [];
    for (let i = 0, p = 1; i < l[0]; i++, p += 4 + 2 * l[p + 3]) arrays.push({ address: l[p], fields: Array.from(l.subarray(p + 1, p + 4 + 2 * l[p + 3])) });
    return arrays;
  };
  const fieldsOf = (a: mx.KernelArray) => [a.offset, a.dtype, a.shape.length, ...a.shape, ...a.strides];
  let before: ReturnType<typeof unpack>[] = [], after: ReturnType<typeof unpack>[] = [], fields: number[][][] = [];
  const outer: mx.CustomKernel<{ factor: number }> = {
    name: "outer",
    implementations: {
      cpu: (inputs, outputs, p) => {
        const lists = [inputs, outputs] as Packed[];
        fields = lists.map((l) => l.map(fieldsOf));
        before = lists.map((l) => unpack(l.layouts!));
        // A JavaScript kernel that runs another kernel before its own work: the inner call's layouts must not overwrite these.
        mx.runKernel(rowSum, [mx.ones([5, 7, 2]).reshape([35, 2])], [{ shape: [35], dtype: "float32" }], p);
        after = lists.map((l) => unpack(l.layouts!));
        rowSum.implementations.cpu!(inputs, outputs, p);
      },
    },
  };
  const x = mx.arange(12, undefined, undefined, "float32").reshape([3, 4]);
  const [y] = mx.runKernel(outer, [x.slice("::-1", "1:3"), x], [{ shape: [3], dtype: "float32" }], { factor: 1 });
  expect(y.toArray()).toEqual([19, 11, 3]);
  expect(before.map((l) => l.map((a) => a.fields))).toEqual(fields);
  expect(before[0][0].fields).toEqual([9, mx.DtypeCode.float32, 2, 3, 2, -4, 1]);
  // Two views of one buffer share its address; the output's buffer is another.
  expect(before[0][0].address).toBeGreaterThan(0);
  expect(before[0][1].address).toBe(before[0][0].address);
  expect(before[1][0].address).not.toBe(before[0][0].address);
  expect(after).toEqual(before);
});

test("array_custom_kernel_dtype_codes_and_empty_outputs", () => {
  let calls = 0;
  const k: mx.CustomKernel<null> = {
    name: "probe",
    implementations: {
      cpu: (inputs, outputs) => {
        calls++;
        expect(inputs.map((a) => a.dtype)).toEqual([mx.DtypeCode.bfloat16, mx.DtypeCode.uint32]);
        expect(outputs[0].dtype).toBe(mx.DtypeCode.int32);
      },
    },
  };
  const [out] = mx.runKernel(k, [mx.zeros([2], "bfloat16"), mx.zeros([2], "uint32")], [{ shape: [2, 2], dtype: "int32" }], null);
  expect(calls).toBe(1);
  expect(out.shape).toEqual([2, 2]);
  expect(out.dtype).toBe("int32");
  const [empty] = mx.runKernel(k, [mx.zeros([2], "bfloat16")], [{ shape: [0, 3], dtype: "float32" }], null);
  expect(calls).toBe(1); // nothing to write: not called
  expect(empty.shape).toEqual([0, 3]);
});

test("array_custom_kernel_errors", () => {
  const x = mx.ones([2, 2]);
  expect(() => mx.runKernel(rowSum, [], [{ shape: [2], dtype: "float32" }], { factor: 1 })).toThrow(/rowSum: a custom kernel needs at least one input array/);
  expect(() => mx.runKernel(rowSum, [[1, 2] as unknown as mx.array], [], { factor: 1 })).toThrow(/rowSum: expected an array as input 0, got a JS array/);
  expect(() => mx.runKernel(rowSum, [x], [{ shape: [2], dtype: "float64" as mx.Dtype }], { factor: 1 })).toThrow(/rowSum: unknown dtype "float64"/);
  expect(() => mx.runKernel(rowSum, [x], [{ shape: [-1], dtype: "float32" }], { factor: 1 })).toThrow(/rowSum: bad output shape \[-1\]/);
  const onGpu = new mx.NDArray(x.storage, [2, 2], [2, 1], 0, "float32", "gpu");
  expect(() => mx.runKernel(rowSum, [onGpu], [{ shape: [2], dtype: "float32" }], { factor: 1 })).toThrow(/rowSum: has no implementation for device "gpu" \(it has: cpu\)/);
  expect(() => mx.runKernel(rowSum, [x, onGpu], [{ shape: [2], dtype: "float32" }], { factor: 1 })).toThrow(/rowSum: operands are on different devices \(cpu, gpu\)/);
});

/** y[i, j] = x[0] * (10 i + j), written through y's strides. */
const scaledIndex: mx.CustomKernel<null> = {
  name: "scaledIndex",
  implementations: {
    cpu: ([x], [y]) => {
      const xs = new Float32Array(x.data as ArrayBuffer), ys = new Float32Array(y.data as ArrayBuffer);
      for (let i = 0; i < y.shape[0]; i++) {
        for (let j = 0; j < y.shape[1]; j++) ys[y.offset + i * y.strides[0] + j * y.strides[1]] = xs[x.offset] * (10 * i + j);
      }
    },
  },
};

test("array_custom_kernel_writes_an_output_in_place", () => {
  const base = mx.zeros([3, 4]);
  const slots = base.slice("1:3", "1:4"); // 2 x 3 at offset 5, strides [4, 1]
  const [out, fresh] = mx.runKernel(scaledIndex, [mx.array([2])], [slots, { shape: [1, 2], dtype: "float32" }], null);
  expect(out).toBe(slots);
  expect(base.toArray()).toEqual([[0, 0, 0, 0], [0, 0, 2, 4], [0, 20, 22, 24]]);
  expect(fresh.shape).toEqual([1, 2]);
  expect(() => mx.runKernel(scaledIndex, [base], [slots], null)).toThrow(/^scaledIndex: output 0, written in place, shares its storage with another input or output of the kernel$/);
  expect(() => mx.runKernel(scaledIndex, [mx.array([2])], [slots, base.slice(0)], null)).toThrow(/^scaledIndex: output 0, written in place, shares its storage/);
  const onGpu = new mx.NDArray(base.storage, [3, 4], [4, 1], 0, "float32", "gpu");
  expect(() => mx.runKernel(scaledIndex, [mx.array([2])], [onGpu], null)).toThrow(/^scaledIndex: output 0 is on the gpu, the inputs on the cpu$/);
});

test("array_custom_kernel_load_error_names_the_package", () => {
  expect(() => mx.loadNativeExtension("/nonexistent/addon.node", "@example/ext")).toThrow(/@example\/ext: the native addon \/nonexistent\/addon.node could not be loaded .*pnpm install/);
});

/** rowSum's WGSL: one thread per row; P = rows, cols, x's offset and strides (i32), y's offset, factor (f32 bits). */
const ROW_SUM_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> Y: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= P[0]) { return; }
  var s = 0.0;
  for (var j = 0u; j < P[1]; j++) {
    let at = bitcast<i32>(P[2]) + i32(i) * bitcast<i32>(P[3]) + i32(j) * bitcast<i32>(P[4]);
    s += bitcast<f32>(X[u32(at)]);
  }
  Y[P[5] + i] = bitcast<u32>(s * bitcast<f32>(P[6]));
}`;

/** rowSum with a GPU implementation as an extension writes one: its WGSL through mx.gpu.dispatch. */
const rowSumGpu: mx.CustomKernel<{ factor: number }> = {
  name: "rowSum",
  implementations: {
    ...rowSum.implementations,
    gpu: ([x], [y], { factor }) => {
      const params = new Int32Array([x.shape[0], x.shape[1], x.offset, x.strides[0], x.strides[1], y.offset, 0]);
      new Float32Array(params.buffer).set([factor], 6);
      mx.gpu.dispatch({ label: "rowSum", wgsl: ROW_SUM_WGSL, arrays: [x, y], params, workgroups: [Math.ceil(x.shape[0] / 64)] });
    },
  },
};

describeGpu("array_custom_kernel", () => {
  test("array_custom_kernel_gpu_implementation_through_dispatch", async () => {
    const x = mx.arange(12, undefined, undefined, "float32").reshape([3, 4]);
    const view = x.slice("::-1", "1:3"); // rows 2, 1, 0; columns 1-2: offset 9, strides [-4, 1]
    const [y] = mx.runKernel(rowSumGpu, [view], [{ shape: [3], dtype: "float32" }], { factor: 2 });
    expect(y.device).toBe("gpu");
    expect(await y.toArrayAsync()).toEqual([2 * (9 + 10), 2 * (5 + 6), 2 * (1 + 2)]);
    // The CPU implementation of the same kernel, on the same values, agrees.
    const [yc] = mx.runKernel(rowSumGpu, [(await x.toCpu()).slice("::-1", "1:3")], [{ shape: [3], dtype: "float32" }], { factor: 2 });
    expect(yc.device).toBe("cpu");
    expect(yc.toArray()).toEqual(await y.toArrayAsync());
  });

  test("array_custom_kernel_gpu_errors", () => {
    const x = mx.ones([2, 2]);
    expect(() => mx.runKernel(rowSum, [x], [{ shape: [2], dtype: "float32" }], { factor: 1 })).toThrow(/^rowSum: has no implementation for device "gpu" \(it has: cpu\)$/);
    expect(() => mx.runKernel(rowSumGpu, [x, mx.ones([2], "float32", "cpu")], [{ shape: [2], dtype: "float32" }], { factor: 1 })).toThrow(/^rowSum: operands are on different devices \(gpu, cpu\)$/);
    // dispatch takes GPU arrays only.
    const host: mx.KernelArray = { data: new ArrayBuffer(16), offset: 0, dtype: mx.DtypeCode.float32, shape: [4], strides: [1] };
    expect(() => mx.gpu.dispatch({ label: "probe", wgsl: ROW_SUM_WGSL, arrays: [host, host], params: new Uint32Array(7), workgroups: [1] })).toThrow(/^probe: array 0 is not on the GPU$/);
  });
});
