// Week 1's RMSNorm and RoPE, each run as one fused kernel of @tiny-llm/array's mx.fast
// (as MLX's mx.fast.rms_norm and mx.fast.rope): the same weights, tables and checks, one
// native call instead of six to ten ops; the norm can also take the residual add before
// it. A decode step runs them four times per layer; at one token each op's fixed cost
// outweighs its arithmetic.
import * as mx from "@tiny-llm/array";
import { addRmsNormInt8, type Int8Activations } from "@tiny-llm/tiny-llm-ext-ref";
import { ArgumentError, RMSNorm, RoPE } from "@tiny-llm/tiny-llm-week1-ref";

import { type LinearWeight, quantizesFor } from "./quantized-linear";

/** RMSNorm by mx.fast.rmsNorm.  x: N.. x D  ->  N.. x D */
export class FusedRMSNorm extends RMSNorm {
  override forward(x: mx.array): mx.array {
    return mx.fast.rmsNorm(x, this.weight, this.eps);
  }

  /**
   * The residual add before the norm, in the same kernel (mx.fast.addRmsNorm, vLLM's
   * fused_add_rms_norm).  x, residual: N.. x D  ->  [x + residual, norm(x + residual)]
   */
  addAndForward(x: mx.array, residual: mx.array): [mx.array, mx.array] {
    return mx.fast.addRmsNorm(x, residual, this.weight, this.eps);
  }

  /**
   * addAndForward (forward, and x as it is, without a residual) as the product with `w`
   * after it reads the norm: on the GPU, for a w quantized with int8 activations, the
   * norm's output quantized to int8 in the norm's own launch (addRmsNormInt8), so that the
   * product does not launch its quantization.  x, residual: N.. x D  ->  [h, norm(h)]
   */
  addAndForwardFor(x: mx.array, residual: mx.array | undefined, w: LinearWeight): [mx.array, mx.array | Int8Activations] {
    if (quantizesFor(x, w)) return addRmsNormInt8(x, residual, this.weight, this.eps, w);
    return residual === undefined ? [x, this.forward(x)] : this.addAndForward(x, residual);
  }
}

/**
 * RoPE by mx.fast.rope, on week 1's tables.  x: N.. x L x H x D (a strided view is fine)  ->  N.. x L x H x D
 *
 * `offset` is the first token's position, or one position per row of an N x L x H x D
 * batch whose requests sit at different places in their sequences (continuous batching,
 * week2-06): row i's tokens take positions offset[i] .. offset[i] + L - 1.
 */
export class FusedRoPE extends RoPE {
  override forward(x: mx.array, offset: number | readonly number[] = 0): mx.array {
    const fn = "RoPE.forward";
    if (typeof offset === "number") {
      const [cos, sin] = this.angles(fn, x, offset);
      return mx.fast.rope(x, cos, sin, { traditional: this.traditional });
    }
    if (!(x instanceof mx.NDArray) || x.ndim !== 4 || x.shape[0] !== offset.length) {
      throw new ArgumentError(fn, `per-row offsets [${offset}] need x of N x L x H x D with N = ${offset.length} rows, got ${x instanceof mx.NDArray ? `shape [${x.shape}]` : typeof x}`);
    }
    // The table rows of every token's position, N*L x D/2, and x's N and L merged into one
    // axis of N*L tokens: one kernel call, each token at its own position.
    const [N, L, H, D] = x.shape;
    for (const o of [Math.min(...offset), Math.max(...offset)]) this.angles(fn, x, o); // checks x and the positions
    const positions = offset.flatMap((o) => Array.from({ length: L }, (_, i) => o + i));
    const [cos, sin] = [this.cosTable, this.sinTable].map((t) => mx.take(t, positions, 0));
    return mx.fast.rope(x.reshape(N * L, H, D), cos, sin, { traditional: this.traditional }).reshape(N, L, H, D);
  }

  /** The cos and sin table rows of L tokens at positions offset .. (checked as forward checks them): L x D/2 each, for kernels that apply RoPE themselves (quantizedQkvRope, ropeIntoCache). */
  tables(L: number, offset: number): [mx.array, mx.array] {
    return this.rows("RoPE.forward", L, offset);
  }
}
