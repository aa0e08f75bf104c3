// quantizedMatmul of tiny-llm-ext-ref against dequantize-then-matmul in float32, computed
// here with plain @tiny-llm/array ops. Every case runs twice: on the SIMD path this
// machine's build has, and on the portable path (TINY_LLM_KERNELS=portable, which the
// kernel reads at every call).
import * as path from "path";

import * as mx from "@tiny-llm/array";
import { type ExtAddon, quantizedMatmul, type QuantizedWeights } from "@tiny-llm/tiny-llm-ext-ref";

import { expectClose } from "../../tests/helpers/compare";
import { dequantize, randomWeights, type Float } from "./quantized-weights";

const FLOATS: Float[] = ["float32", "bfloat16", "float16"];
const MODES = ["simd", "portable"] as const;

/** Runs fn with TINY_LLM_KERNELS set for `mode`, restoring the variable afterwards. */
function inMode<T>(mode: (typeof MODES)[number], fn: () => T): T {
  const saved = process.env.TINY_LLM_KERNELS;
  if (mode === "portable") process.env.TINY_LLM_KERNELS = "portable";
  else delete process.env.TINY_LLM_KERNELS;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.TINY_LLM_KERNELS;
    else process.env.TINY_LLM_KERNELS = saved;
  }
}

/** Half to even, as the kernel's std::nearbyint and PyTorch's torch.round. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * x (M x K, float32) quantized to int8 per group and back, x̂ = sx * X with sx = max|x| / 127
 * and X = round(x / sx), each step one float32 operation (Math.fround), as
 * int8_activations.h computes it: the input the int8 kernels multiply.
 */
function int8RoundTrip(x: mx.array, groupSize: number): mx.array {
  const [M, K] = x.shape;
  const v = x.toTypedArray() as Float32Array;
  const out = new Float32Array(M * K);
  for (let g = 0; g < M * K; g += groupSize) {
    let amax = 0;
    for (let i = g; i < g + groupSize; ++i) amax = Math.max(amax, Math.abs(v[i]));
    const sx = Math.fround(amax / 127);
    for (let i = g; i < g + groupSize; ++i) out[i] = sx > 0 ? Math.fround(sx * roundHalfEven(Math.fround(v[i] / sx))) : 0;
  }
  return mx.array(out).reshape(M, K);
}

/** Checks quantizedMatmul(x, w) against xin @ dequantize(w).T (xin: x, or what w's activations make of it), both paths. */
function check(x: mx.array, w: QuantizedWeights, label: string, xin: mx.array = x): void {
  const W = dequantize(w);
  const ref = mx.matmul(xin.astype("float32"), W.T);
  // Float32 sums of K products in another order: relative to the size of the terms.
  const scale = mx.matmul(mx.abs(x.astype("float32")), mx.abs(W).T).max().item() as number;
  for (const mode of MODES) {
    const y = inMode(mode, () => quantizedMatmul(x, w));
    expect(y.dtype).toBe(x.dtype);
    expect(y.shape).toEqual([...x.shape.slice(0, -1), w.weight.shape[0]]);
    if (x.dtype === "float32") {
      expectClose(y, ref, { tol: { rtol: 0, atol: 2e-6 * scale }, label: `${label} ${mode}` });
    } else {
      // One rounding to x's dtype on top: compare against the float32 result rounded the same way.
      const ulp = x.dtype === "bfloat16" ? 2 ** -8 : 2 ** -11;
      expectClose(y.astype("float32"), ref, { tol: { rtol: ulp, atol: 2e-6 * scale }, label: `${label} ${mode}` });
    }
  }
}

describe("quantizedMatmul (tiny-llm-ext-ref) against dequantize-then-matmul", () => {
  // O = 37 and K = 3 groups: neither a multiple of any SIMD width beyond what the layout
  // fixes (K is a multiple of the group size, itself a multiple of 32).
  const O = 37;
  let seed = 0;
  for (const bits of [4, 8]) {
    for (const groupSize of [32, 64, 128]) {
      // 1-4: the decode kernel; 5-32: the batch kernel (blocks of 8 rows, a last block of
      // 4 when 4 or fewer remain: 12 = 8 + 4, 13 = 8 + 8 padded); 33 and 130: prefill.
      for (const M of [1, 2, 3, 5, 12, 13, 32, 33, 130]) {
        const xdt = FLOATS[seed % 3], sdt = FLOATS[Math.floor(seed / 3) % 3];
        const label = `bits ${bits} group ${groupSize} M ${M} x ${xdt} scales ${sdt}`;
        const s = ++seed;
        test(label, () => {
          const K = 3 * groupSize;
          const w = randomWeights(O, K, bits, groupSize, sdt, s);
          const x = mx.random.normal([M, K], { key: mx.random.key(1000 + s) }).astype(xdt);
          check(x, w, label);
        });
      }
    }
  }

  for (const xdt of FLOATS) {
    for (const sdt of FLOATS) {
      test(`every dtype pair: x ${xdt}, scales ${sdt} (decode, batch and prefill)`, () => {
        const w = randomWeights(45, 256, 4, 64, sdt, 7);
        for (const M of [1, 9, 40]) check(mx.random.normal([M, 256], { key: mx.random.key(M) }).astype(xdt), w, `x ${xdt} scales ${sdt} M ${M}`);
      });
    }
  }

  test("sliced x (non-contiguous rows and columns) and batch dims N.. x K", () => {
    const w = randomWeights(21, 128, 4, 32, "bfloat16", 11);
    const big = mx.random.normal([6, 256], { key: mx.random.key(3) });
    check(big.slice("::2", "::2"), w, "strided x, decode"); // 3 x 128, strides [512, 2]
    const tall = mx.random.normal([40, 128], { key: mx.random.key(4) });
    check(tall.slice("::-1"), w, "reversed rows, prefill");
    check(mx.random.normal([2, 5, 128], { key: mx.random.key(5) }), w, "2 x 5 x K");
    check(mx.random.normal([128], { key: mx.random.key(6) }), w, "1-d x");
  });

  test("a large decode product splits across threads and matches", () => {
    const w = randomWeights(1000, 512, 4, 64, "bfloat16", 12);
    check(mx.random.normal([1, 512], { key: mx.random.key(8) }), w, "1000 x 512 decode");
    check(mx.random.normal([33, 512], { key: mx.random.key(9) }), w, "1000 x 512 prefill");
  });

  test("a batch's decode step over K longer than the batch kernel's slice of 512 inputs", () => {
    for (const bits of [4, 8]) {
      const w = randomWeights(300, 1280, bits, 128, "bfloat16", 13 + bits); // slices of 512, 512, 256
      for (const M of [8, 11]) check(mx.random.normal([M, 1280], { key: mx.random.key(M) }), w, `${bits}-bit 300 x 1280 batch of ${M}`);
    }
  });
});

describe("quantizedMatmul with int8 activations against x̂ @ dequantize(W).T", () => {
  // 4-bit codes: more than 4 rows take the int8 kernel (tiles of 8 rows against panels of
  // 32 features with AVX-512, 4 rows and 8 features with AVX2: O = 101 ends in a part of
  // a panel, M = 5 and 13 in a part of a tile; the panel is
  // packed 16 (8) words of 8 inputs at a time: K = 1248 and 1216 end in a part of that);
  // 8-bit codes keep the float kernels.
  let seed = 100;
  for (const bits of [4, 8]) {
    for (const groupSize of [32, 64, 128]) {
      const K = groupSize === 128 ? 1280 : 1280 - groupSize;
      for (const M of bits === 4 ? [5, 13, 33, 130] : [13]) {
        const sdt = FLOATS[seed % 3];
        const s = ++seed;
        test(`${bits}-bit group ${groupSize} M ${M} O 101 K ${K} scales ${sdt}`, () => {
          const w = { ...randomWeights(101, K, bits, groupSize, sdt, s), activations: "int8" as const };
          // Each row's first group all zeros: sx = 0.
          const x = mx.concatenate([mx.zeros([M, groupSize]), mx.random.normal([M, K - groupSize], { key: mx.random.key(2000 + s) })], 1);
          check(x, w, `int8 ${bits}-bit group ${groupSize} M ${M}`, int8RoundTrip(x, groupSize));
        });
      }
    }
  }
});

describe("quantizedMatmul bad input", () => {
  const w = randomWeights(8, 128, 4, 64, "float32", 1);
  const x = mx.random.normal([2, 128]);
  const call = (xx: unknown, ww: unknown) => () => quantizedMatmul(xx as mx.array, ww as QuantizedWeights);

  test("wrong dtypes", () => {
    expect(call(x.astype("int32"), w)).toThrow(/quantizedMatmul: x must be float32 or float16 or bfloat16, got int32 \[2,128\]/);
    expect(call(x, { ...w, weight: w.weight.astype("float32") })).toThrow(/quantizedMatmul: w.weight must be uint32, got float32 \[8,16\]/);
    expect(call(x, { ...w, scales: w.scales.astype("int32") })).toThrow(/quantizedMatmul: w.scales must be float32 or float16 or bfloat16, got int32 \[8,2\]/);
    expect(call(x, { ...w, biases: w.biases.astype("float16") })).toThrow(/w.biases is float16 but w.scales is float32/);
    expect(call([[1, 2]], w)).toThrow(/x must be an mx.array \(N.. x K\), got a JS array/);
  });

  test("packed width not matching K", () => {
    expect(call(mx.zeros([2, 96]), w)).toThrow(/w.weight has shape \[8,16\], which holds 128 4-bit inputs per row, but x has K = 96 \(shape \[2,96\]\); expected \[8,12\]/);
  });

  test("groupSize not dividing K, unsupported groupSize and bits", () => {
    const w96 = randomWeights(8, 96, 4, 32, "float32", 2);
    expect(call(mx.zeros([1, 96]), { ...w96, groupSize: 64 })).toThrow(/w.groupSize 64 does not divide K = 96/);
    expect(call(x, { ...w, groupSize: 16 })).toThrow(/w.groupSize must be 32, 64, 128, got 16/);
    expect(call(x, { ...w, bits: 3 })).toThrow(/w.bits must be 4 or 8, got 3/);
    expect(call(x, { ...w, bits: 2 })).toThrow(/w.bits must be 4 or 8, got 2/);
  });

  test("activations other than float32, int8 and float16; float16 on the CPU", () => {
    expect(call(x, { ...w, activations: "int4" })).toThrow(/w.activations must be "float32", "int8", "float16", got "int4"/);
    expect(call(x, { ...w, activations: "float16" })).toThrow(/float16 activations run on a GPU's matrix units, but x is on the cpu; use "float32" or "int8" there/);
  });

  test("int8 activations: a NaN or an inf in x gives NaN or inf, not a finite guess", async () => {
    const w8 = { ...randomWeights(16, 256, 4, 64, "bfloat16", 3), activations: "int8" as const };
    const clean = mx.random.normal([2, 256], { key: mx.random.key(7) });
    const bad = mx.concatenate([mx.full([1, 256], NaN), clean.slice("1:")], 0);
    const y = quantizedMatmul(bad, w8);
    expect((y.slice("0:1").toArray() as number[][])[0].every((v) => Number.isNaN(v))).toBe(true);
    await expectClose(y.slice("1:"), quantizedMatmul(clean, w8).slice("1:"), { tol: { rtol: 0, atol: 0 }, label: "row without NaN" });
    const inf = mx.concatenate([mx.full([1, 256], Infinity), clean.slice("1:")], 0);
    expect((quantizedMatmul(inf, w8).slice("0:1").toArray() as number[][])[0].every((v) => !Number.isFinite(v))).toBe(true);
  });

  test("int8 activations: a NaN in the last of many rows (quantized on the pool's threads) gives NaN there", async () => {
    const w8 = { ...randomWeights(16, 512, 4, 64, "bfloat16", 4), activations: "int8" as const };
    const clean = mx.random.normal([130, 512], { key: mx.random.key(8) });
    const bad = mx.concatenate([clean.slice(":129"), mx.full([1, 512], NaN)], 0);
    const y = quantizedMatmul(bad, w8);
    expect((y.slice("129:").toArray() as number[][])[0].every((v) => Number.isNaN(v))).toBe(true);
    await expectClose(y.slice(":129"), quantizedMatmul(clean, w8).slice(":129"), { tol: { rtol: 1e-6, atol: 1e-5 }, label: "rows without NaN" });
  });

  test("scales of the wrong shape", () => {
    expect(call(x, { ...w, scales: mx.zeros([8, 4]) })).toThrow(/w.scales has shape \[8,4\], expected \[8,2\] \(O x K\/groupSize\)/);
  });
});

describe("the native entry's lists of KernelArrays", () => {
  // The addon's own entry, as a JavaScript kernel might hand it lists it made itself.
  const addon = mx.loadNativeExtension<Pick<ExtAddon, "quantizedMatmul">>(
    mx.addonFile(path.join(__dirname, "..", "..", "packages", "tiny-llm-ext-ref", "native"), "tiny_llm_ext_ref"),
    "@tiny-llm/tiny-llm-ext-ref",
  );
  const w = randomWeights(24, 128, 4, 64, "float32", 21);
  const x = mx.random.normal([3, 128], { key: mx.random.key(22) });
  const through = (impl: mx.KernelImpl<null>) => {
    const kernel: mx.CustomKernel<null> = { name: "quantizedMatmul", implementations: { cpu: impl } };
    return mx.runKernel(kernel, [x, w.weight, w.scales, w.biases], [{ shape: [3, 24], dtype: "float32" }], null)[0];
  };
  const product = (inputs: mx.KernelArray[], outputs: mx.KernelArray[]) => addon.quantizedMatmul(inputs, outputs, 64, 4, false, false, false);

  test("lists made by hand (no packed layouts) are read field by field, with the same result", () => {
    const packed = through((i, o) => product(i, o));
    const byHand = through((i, o) => product([...i], [...o]));
    expect(byHand.toArray()).toEqual(packed.toArray());
    expect(packed.toArray()).toEqual(quantizedMatmul(x, w).toArray());
  });

  test("a list changed after the backend packed it is an error, not a misread", () => {
    expect(() => through((i, o) => (i.pop(), product(i, o)))).toThrow(/do not match their packed layouts/);
  });
});
