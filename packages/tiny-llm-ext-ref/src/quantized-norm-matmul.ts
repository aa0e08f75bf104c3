// The norm before a product, in the product's launch (GPU): rmsNorm(x + residual) @ W.T,
// and the sum x + residual that the residual stream carries on, where the model otherwise
// launches mx.fast.addRmsNorm, then the product. The decode kernel (quantized_matmul_decode.wgsl,
// with NORM) reads all of x in every workgroup anyway: each adds the residual, sums the
// squares as it goes, multiplies by the norm's weight, and scales its dot products by
// 1 / rms at the end; workgroup 0 writes the sum. A pre-norm layer then launches its two
// norms inside its first two products (the attention's q/k/v, the MLP's gate/up): two
// launches fewer a layer. Reference only: the learner's model and the CPU take the two ops.
import * as mx from "@tiny-llm/array";

import { ArgumentError, shapeText } from "./checks";
import { decodes, quantizedMatmulGpu, vec4Rows } from "./gpu/quantized-matmul";
import type { WgslSource } from "./gpu/wgsl-source";
import { checkQuantizedMatmul, matmulParams, packed, type QuantizedMatmulParams, type QuantizedWeights } from "./quantized-matmul";
import type { QuantizedSwiGLU } from "./quantized-swiglu";

/** An RMSNorm's weight (K) and eps, as mx.fast.rmsNorm takes them. */
export interface NormWeights {
  weight: mx.array;
  eps: number;
}

/**
 * [h, rmsNorm(h, norm.weight, norm.eps) @ W.T] with h = x + residual (x when `residual`
 * is undefined) and W quantized; with `swiglu`, W is [W_gate; W_up] and the product
 * silu(. @ W_gate.T) * (. @ W_up.T), as quantizedSwiGLU computes it. On the GPU, for
 * float32 x of few rows read 16 bytes a load, and float activations: one launch.
 * Elsewhere mx.fast.addRmsNorm (or rmsNorm), then quantizedMatmul or quantizedSwiGLU (the
 * same result, to float32 rounding).
 *
 *   x, residual: N.. x K    norm.weight: K    w: QuantizedWeights (O x K)  ->  [h: N.. x K, y: N.. x O (O/2 with swiglu)]
 */
export type QuantizedNormMatmul = (x: mx.array, residual: mx.array | undefined, norm: NormWeights, w: QuantizedWeights, opts?: { swiglu?: boolean }) => [mx.array, mx.array];

/** quantizedNormMatmul over the package's products and the WGSL of `wgsl` (this package's). */
export function bindQuantizedNormMatmul(
  quantizedMatmul: (x: mx.array, w: QuantizedWeights) => mx.array, quantizedSwiGLU: QuantizedSwiGLU, wgsl: WgslSource,
): QuantizedNormMatmul {
  const kernel: mx.CustomKernel<QuantizedMatmulParams> = { name: "quantizedNormMatmul", implementations: { gpu: quantizedMatmulGpu(wgsl) } };
  return (x, residual, norm, w, opts = {}) => {
    const fn = "quantizedNormMatmul";
    const swiglu = opts.swiglu ?? false;
    const { K, O, activations } = checkQuantizedMatmul(fn, x, w);
    if (residual !== undefined && !(residual instanceof mx.NDArray && residual.shape.join() === x.shape.join())) {
      throw new ArgumentError(fn, `residual must be an array of x's shape ${shapeText(x.shape)}, got ${residual instanceof mx.NDArray ? shapeText(residual.shape) : typeof residual}`);
    }
    if (norm === null || typeof norm !== "object" || !(norm.weight instanceof mx.NDArray) || norm.weight.shape.join() !== `${K}` || !(norm.eps >= 0)) {
      throw new ArgumentError(fn, `norm must be { weight: an array of shape [${K}] (K), eps: a number >= 0 }`);
    }
    if (swiglu && O % 2 !== 0) throw new ArgumentError(fn, `w has ${O} rows, but swiglu takes [W_gate; W_up]: 2I rows`);
    const lead = x.shape.slice(0, -1);
    const M = lead.reduce((a, b) => a * b, 1);
    const rows = (a: mx.array) => a.reshape([M, K]);
    const [x2, r2] = [rows(x), rows(residual ?? x)];
    const ws = packed(w);
    const f32 = (a: mx.array) => a.device === "gpu" && a.dtype === "float32";
    if (!(f32(x) && f32(r2) && activations !== "int8" && decodes(M, ws[0], activations) && vec4Rows(x2, M, 4) && vec4Rows(r2, M, 4))) {
      const [h, normed] = residual === undefined ? [x, mx.fast.rmsNorm(x, norm.weight, norm.eps)] : mx.fast.addRmsNorm(x, residual, norm.weight, norm.eps);
      return [h, swiglu ? quantizedSwiGLU(normed, w) : quantizedMatmul(normed, w)];
    }
    const out = swiglu ? O / 2 : O;
    const [y, h] = mx.runKernel(kernel, [x2, ...ws, r2, norm.weight], [{ shape: [M, out], dtype: "float32" }, { shape: [M, K], dtype: "float32" }], matmulParams(w, activations, swiglu, { add: residual !== undefined, eps: norm.eps }));
    return [h.reshape(x.shape), y.reshape([...lead, out])];
  };
}
