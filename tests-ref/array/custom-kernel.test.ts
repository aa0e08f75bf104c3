// The custom-kernel API (mx.runKernel): outputs allocated as described, every array
// handed over as a KernelArray (buffer, first element, dtype code, shape, strides),
// dispatch by device, and its errors. The kernels here are written in JavaScript.
import * as mx from "@tiny-llm/array";

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

test("array_custom_kernel_load_error_names_the_package", () => {
  expect(() => mx.loadNativeExtension("/nonexistent/addon.node", "@example/ext")).toThrow(/@example\/ext: the native addon \/nonexistent\/addon.node could not be loaded .*pnpm install/);
});
