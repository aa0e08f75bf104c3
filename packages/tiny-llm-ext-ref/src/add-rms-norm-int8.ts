// The norm before an int8 product in one launch (GPU): x + residual, RMSNorm of it, and the
// norm's output quantized to int8 per group as the int8 kernels read it (Int8Activations),
// where the model otherwise launches the norm (mx.fast.addRmsNorm), then the product
// launches quantize_activations.wgsl. vLLM fuses its norms with the activations'
// quantization the same way (rms_norm_dynamic_per_token_quant). A decode step's launches
// each cost the host 10-15 us of recording (book: week2-05, "Four launches in one"); this
// is two fewer a layer. Reference only: the learner's model and the CPU take the norm,
// then the product with int8 activations.
import * as mx from "@tiny-llm/array";

import { ArgumentError, checkArray, checkShape } from "./checks";
import { addRmsNormInt8Gpu } from "./gpu/add-rms-norm-int8";
import { checkInt8Weights, type Int8Activations, type QuantizedWeights } from "./quantized-matmul";

/** The kernel's parameters (src/gpu/add-rms-norm-int8.ts). */
export interface AddRmsNormInt8Params {
  groupSize: number;
  bits: number;
  eps: number;
  residual: boolean;
  /** TINY_LLM_KERNELS=portable, read here: see flash-attention.ts (no subgroup operations). */
  portable: boolean;
}

const addRmsNormInt8Kernel: mx.CustomKernel<AddRmsNormInt8Params> = {
  name: "addRmsNormInt8",
  implementations: { gpu: addRmsNormInt8Gpu },
};

const FLOAT32: readonly mx.Dtype[] = ["float32"];

/**
 * h = x + residual (x itself without a residual) and rmsNorm(h, weight, eps) quantized to
 * int8 per group for the product with `w`, whose activations must be "int8": the values
 * and scales of quantize_activations.wgsl, for w's group size and code order. Float32
 * x and residual, contiguous, on the GPU.
 *
 *   x, residual: N.. x K    weight: K    w: QuantizedWeights of W (O x K)  ->  [h: N.. x K, Int8Activations of norm(h)]
 */
export function addRmsNormInt8(x: mx.array, residual: mx.array | undefined, weight: mx.array, eps: number, w: QuantizedWeights): [mx.array, Int8Activations] {
  const fn = "addRmsNormInt8";
  checkArray(fn, "x", x, "N.. x K", { ndim: 1, atLeast: true }, FLOAT32);
  const K = x.shape[x.ndim - 1];
  const { K: Kw } = checkInt8Weights(fn, w, "the norm");
  if (Kw !== K) throw new ArgumentError(fn, `x has K = ${K}, but w holds ${Kw} inputs per row`);
  checkArray(fn, "weight", weight, "K", { ndim: 1 });
  checkShape(fn, "weight", weight, [K], "K");
  if (residual !== undefined) {
    checkArray(fn, "residual", residual, "N.. x K", { ndim: x.ndim }, FLOAT32);
    checkShape(fn, "residual", residual, x.shape, "x's shape");
  }
  if (!(typeof eps === "number" && eps > 0)) throw new ArgumentError(fn, `eps must be a positive number, got ${eps}`);
  for (const [arg, a] of [["x", x], ["residual", residual], ["weight", weight]] as const) {
    if (a === undefined) continue;
    if (a.device !== "gpu") throw new ArgumentError(fn, `${arg} is on the ${a.device}; the fused norm runs on the GPU (on the CPU: mx.fast.addRmsNorm, then quantizedMatmul)`);
    if (!a.isContiguous) throw new ArgumentError(fn, `${arg} must be contiguous, got strides [${a.strides}]`);
  }
  const M = x.size / K;
  const h = residual === undefined ? [1] : [M, K];
  const [sum, xq, xs] = mx.runKernel(
    addRmsNormInt8Kernel,
    residual === undefined ? [x.reshape([M, K]), weight] : [x.reshape([M, K]), residual.reshape([M, K]), weight],
    [{ shape: h, dtype: "float32" }, { shape: [M, K / 4], dtype: "uint32" }, { shape: [M, K / w.groupSize, 2], dtype: "float32" }],
    { groupSize: w.groupSize, bits: w.bits, eps, residual: residual !== undefined, portable: process.env.TINY_LLM_KERNELS === "portable" },
  );
  return [residual === undefined ? x : sum.reshape(x.shape), { xq, xs, shape: x.shape, groupSize: w.groupSize, bits: w.bits }];
}
