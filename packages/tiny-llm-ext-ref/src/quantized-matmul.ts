// Quantized matmul over MLX's affine layout (week 2, day 2).
import * as mx from "@tiny-llm/array";

import { ArgumentError, checkArray, checkShape, shapeText } from "./checks";
import { quantizedMatmulGpu } from "./gpu/quantized-matmul";
import type { WgslSource } from "./gpu/wgsl-source";
import type { AddonLoader } from "./native";
import type { RopeIntoCacheParams } from "./rope-into-cache";

/**
 * A weight matrix W (O x K) quantized as MLX stores it: every uint32 word of `weight`
 * holds 32 / bits codes, the lowest bits first along the input axis; every `groupSize`
 * consecutive inputs of a row share a scale and a bias, and W = code * scale + bias.
 *
 *   weight: O x (K * bits / 32) uint32    scales, biases: O x (K / groupSize), float32, float16 or bfloat16
 *
 * `activations: "int8"` multiplies W by x quantized to int8 per group of `groupSize`
 * inputs (sx = max|x| / 127, x̂ = sx * round(x / sx)) instead of by x itself: x̂ @ W.T,
 * as llama.cpp pairs its 4-bit weights with 8-bit activations. The CPU's decode kernel
 * then multiplies 8-bit integers, a third of the work of its exact float32 products, and
 * the GPU's kernels multiply four bytes an instruction (dot4I8Packed), at the cost of
 * about 0.4% relative error per input. `activations: "float16"` is for a GPU with matrix
 * units (subgroup matrices: NVIDIA's tensor cores): where x has more than 8 rows (a
 * prefill), x and the dequantized W are rounded to float16 and multiplied 16 x 16 x 16
 * at a time with float32 sums, as transformers multiplies in bf16; fewer rows are read
 * at memory speed as with float32 (rounding would buy nothing there). It is an error on
 * the CPU and on a GPU without them. Default "float32": x as it is.
 */
export interface QuantizedWeights {
  weight: mx.array;
  scales: mx.array;
  biases: mx.array;
  groupSize: number;
  bits: number;
  activations?: Activations;
}

/** What quantizedMatmul multiplies W by: x itself, x quantized to int8 per group, or (a GPU's prefill) x rounded to float16 (QuantizedWeights.activations). */
export type Activations = "float32" | "int8" | "float16";
const ACTIVATIONS: readonly Activations[] = ["float32", "int8", "float16"];

const BITS = [4, 8];
const GROUP_SIZES = [32, 64, 128];

/**
 * x quantized to int8 per group on the GPU, as the int8 kernels read it (reference only:
 * addRmsNormInt8 makes it in the norm's launch, so that the product after the norm does
 * not launch quantize_activations.wgsl first).
 *
 *   xq: M x K/4 uint32 (four int8 X each, in the order of `bits`' codes)    xs: M x K/groupSize x 2 (sx, sx * sum X)
 */
export interface Int8Activations {
  xq: mx.array;
  xs: mx.array;
  /** x's shape, N.. x K (M rows: the product of N..). */
  shape: readonly number[];
  /** The weights it is made for: the quantization's group and the order of the codes. */
  groupSize: number;
  bits: number;
}

/** What the native quantizedMatmul gets besides its arrays. */
export interface QuantizedMatmulParams {
  groupSize: number;
  bits: number;
  /** TINY_LLM_KERNELS=portable, read here: see flash-attention.ts (on the GPU: no subgroup operations). */
  portable: boolean;
  /** QuantizedWeights.activations: with "int8" the kernel multiplies x̂ (on the CPU by its int8 codes); "float16" runs on a GPU only. */
  activations: Activations;
  /**
   * Reference only (quantizedSwiGLU: the CPU's kernel, the GPU's decode kernel): W is
   * [W_gate; W_up] and the output silu(x @ W_gate.T) * (x @ W_up.T), M x O/2.
   */
  swiglu: boolean;
  /** Reference only (Int8Activations, GPU): x given quantized, inputs [xq, xs, w, scales, biases]. */
  quantized: boolean;
  /**
   * Reference only (quantizedQkvRope, GPU decode kernel only): W is [W_q; W_k; W_v], and
   * ropeIntoCache's work follows the product: inputs [..., bias (or cos), cos, sin],
   * outputs [q, keySlots, valueSlots].
   */
  rope?: RopeIntoCacheParams;
}

/** The custom kernel of a package's quantized matmul: its addon's on the CPU, its WGSL on the GPU. */
export function quantizedMatmulKernel(addon: AddonLoader, wgsl: WgslSource): mx.CustomKernel<QuantizedMatmulParams> {
  return { name: "quantizedMatmul", implementations: { cpu: quantizedMatmulCpu(addon), gpu: quantizedMatmulGpu(wgsl) } };
}

/** The CPU side of a package's quantized products: its addon's quantizedMatmul. */
export function quantizedMatmulCpu(addon: AddonLoader): mx.KernelImpl<QuantizedMatmulParams> {
  return (inputs, outputs, p) => addon().quantizedMatmul(inputs, outputs, p.groupSize, p.bits, p.activations === "int8", p.swiglu, p.portable);
}

/** `a` with a unit stride along its last axis (itself when it has one). */
function unitInner(a: mx.array): mx.array {
  return a.ndim === 0 || a.shape[a.ndim - 1] <= 1 || a.strides[a.ndim - 1] === 1 ? a : mx.contiguous(a);
}

/** W's codes, scales and biases as the kernel reads them: each with a unit stride along its rows. */
export function packed(w: QuantizedWeights): [mx.array, mx.array, mx.array] {
  return [unitInner(w.weight), unitInner(w.scales), unitInner(w.biases)];
}

/** QuantizedWeights of a matrix W (O x K) as `fn` checks them, named `name` in errors. */
export function checkQuantizedWeights(fn: string, w: QuantizedWeights, name = "w"): { K: number; O: number; activations: Activations } {
  if (w === null || typeof w !== "object") throw new ArgumentError(fn, `${name} must be QuantizedWeights { weight, scales, biases, groupSize, bits }, got ${w === null ? "null" : typeof w}`);
  const { groupSize, bits } = w;
  if (!BITS.includes(bits)) throw new ArgumentError(fn, `${name}.bits must be ${BITS.join(" or ")}, got ${bits}`);
  if (!GROUP_SIZES.includes(groupSize)) throw new ArgumentError(fn, `${name}.groupSize must be ${GROUP_SIZES.join(", ")}, got ${groupSize}`);
  checkArray(fn, `${name}.weight`, w.weight, "O x K*bits/32", { ndim: 2 }, ["uint32"]);
  const [O, words] = w.weight.shape;
  const K = words * (32 / bits);
  if (K % groupSize !== 0) throw new ArgumentError(fn, `${name}.groupSize ${groupSize} does not divide K = ${K}`);
  checkArray(fn, `${name}.scales`, w.scales, "O x K/groupSize", { ndim: 2 });
  checkShape(fn, `${name}.scales`, w.scales, [O, K / groupSize], "O x K/groupSize");
  checkArray(fn, `${name}.biases`, w.biases, "O x K/groupSize", { ndim: 2 });
  checkShape(fn, `${name}.biases`, w.biases, [O, K / groupSize], "O x K/groupSize");
  if (w.biases.dtype !== w.scales.dtype) throw new ArgumentError(fn, `${name}.biases is ${w.biases.dtype} but ${name}.scales is ${w.scales.dtype}; give them the same dtype`);
  const activations = w.activations ?? "float32";
  if (!ACTIVATIONS.includes(activations)) throw new ArgumentError(fn, `${name}.activations must be ${ACTIVATIONS.map((a) => `"${a}"`).join(", ")}, got ${JSON.stringify(w.activations)}`);
  return { K, O, activations };
}

/** x @ W.T's arguments as `fn` checks them: x (N.. x K) and QuantizedWeights of W (O x K), named `name` in errors. */
export function checkQuantizedMatmul(fn: string, x: mx.array, w: QuantizedWeights, name = "w"): { K: number; O: number; activations: Activations } {
  checkArray(fn, "x", x, "N.. x K", { ndim: 1, atLeast: true });
  const checked = checkQuantizedWeights(fn, w, name);
  const { K, O, activations } = checked;
  const Kx = x.shape[x.ndim - 1];
  if (Kx !== K) {
    throw new ArgumentError(fn, `${name}.weight has shape ${shapeText(w.weight.shape)}, which holds ${K} ${w.bits}-bit inputs per row, but x has K = ${Kx} (shape ${shapeText(x.shape)}); expected [${O},${(Kx * w.bits) / 32}]`);
  }
  if (activations === "float16" && x.device !== "gpu") throw new ArgumentError(fn, `float16 activations run on a GPU's matrix units, but x is on the ${x.device}; use "float32" or "int8" there`);
  return checked;
}

/** The kernel's parameters for `w` (TINY_LLM_KERNELS=portable read here, see flash-attention.ts). */
export function matmulParams(w: QuantizedWeights, activations: Activations, swiglu = false, quantized = false): QuantizedMatmulParams {
  return { groupSize: w.groupSize, bits: w.bits, portable: process.env.TINY_LLM_KERNELS === "portable", activations, swiglu, quantized };
}

/**
 * `w` checked for an op that quantizes its output to int8 for the product with it
 * (addRmsNormInt8, flashAttentionInt8; `quantizer` names the part that does, in errors):
 * quantized weights whose activations are "int8".
 */
export function checkInt8Weights(fn: string, w: QuantizedWeights, quantizer: string): { K: number; O: number } {
  const { K, O, activations } = checkQuantizedWeights(fn, w);
  if (activations !== "int8") throw new ArgumentError(fn, `w multiplies ${activations} activations; ${quantizer} quantizes for activations "int8"`);
  return { K, O };
}

/** x̂ @ W.T's arguments as `fn` checks them for x given quantized: Int8Activations made for W's groups and codes, on the GPU. */
export function checkInt8Product(fn: string, x: Int8Activations, w: QuantizedWeights, name = "w"): { K: number; O: number } {
  const { K, O, activations } = checkQuantizedWeights(fn, w, name);
  if (activations !== "int8") throw new ArgumentError(fn, `x is quantized to int8 (Int8Activations), but ${name} multiplies ${activations} activations; give ${name} activations "int8"`);
  if (x.groupSize !== w.groupSize || x.bits !== w.bits) {
    throw new ArgumentError(fn, `x was quantized for ${x.bits}-bit weights in groups of ${x.groupSize}, but ${name} is ${w.bits}-bit in groups of ${w.groupSize}`);
  }
  const Kx = x.shape[x.shape.length - 1];
  if (Kx !== K) throw new ArgumentError(fn, `${name}.weight holds ${K} inputs per row, but x has K = ${Kx} (shape ${shapeText(x.shape)})`);
  if (x.xq.device !== "gpu") throw new ArgumentError(fn, `x's int8 values are on the ${x.xq.device}; Int8Activations live on the GPU`);
  return { K, O };
}

/** Kernels.quantizedMatmul (bind-kernels.ts) on `kernel`: the argument checks, then the kernel call. */
export function quantizedMatmul(kernel: mx.CustomKernel<QuantizedMatmulParams>, x: mx.array, w: QuantizedWeights): mx.array {
  const { K, O, activations } = checkQuantizedMatmul("quantizedMatmul", x, w);
  const lead = x.shape.slice(0, -1);
  const M = lead.reduce((a, b) => a * b, 1);
  const x2 = x.reshape([M, K]); // N.. x K -> M x K (a view when the layout allows)
  const [y] = mx.runKernel(kernel, [x2, ...packed(w)], [{ shape: [M, O], dtype: x.dtype }], matmulParams(w, activations));
  return y.reshape([...lead, O]);
}
