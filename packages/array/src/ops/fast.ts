// mx.fast: the layers a transformer runs at every step, each as one fused kernel (as
// MLX's mx.fast). Built from ops, RMSNorm takes six ops and RoPE about ten, each with
// its own pass over memory, allocation and native call; at decode sizes those fixed
// costs, not the arithmetic, are the time.
import { NDArray } from "../array";
import { backendFor } from "../backend";
import { isFloat } from "../dtype";
import { ArrayError, fmtShape } from "../errors";
import { checkArray } from "./check";
import { astype, contiguous } from "./convert";
import { multiply, sameDevice, silu } from "./elementwise";
import { reshape } from "./shape";

function checkFloat(op: string, name: string, a: NDArray, minNdim: number, layout: string): void {
  checkArray(op, a, `${name} as an array`);
  if (!isFloat(a.dtype)) throw new ArrayError(op, `${name} must be a float array, got ${a.dtype}`);
  if (a.ndim < minNdim) throw new ArrayError(op, `${name} must be ${layout}, got shape ${fmtShape(a.shape)}`);
}

/** Checks that `a` (called `name`) has the dtype and shape of `like` (called `likeName`). */
function checkLike(op: string, name: string, a: NDArray, likeName: string, like: NDArray): void {
  if (a.dtype !== like.dtype || a.shape.length !== like.shape.length || a.shape.some((d, i) => d !== like.shape[i])) {
    throw new ArrayError(op, `${name} is ${a.dtype} ${fmtShape(a.shape)}, expected ${likeName}'s ${like.dtype} ${fmtShape(like.shape)}`);
  }
}

/** Checks rmsNorm's x, weight and eps; returns D. */
function checkRmsNorm(op: string, x: NDArray, weight: NDArray, eps: number): number {
  checkFloat(op, "x", x, 1, "N.. x D");
  checkFloat(op, "weight", weight, 1, "D");
  const D = x.shape[x.ndim - 1];
  if (weight.ndim !== 1 || weight.shape[0] !== D) throw new ArrayError(op, `weight has shape ${fmtShape(weight.shape)}, expected [${D}] (D of x ${fmtShape(x.shape)})`);
  if (typeof eps !== "number" || !(eps >= 0)) throw new ArrayError(op, `eps must be a number >= 0, got ${eps}`);
  return D;
}

/**
 * x / sqrt(mean(x^2 over the last axis) + eps) * weight, in float32, returned in x's dtype.
 *
 *   x: N.. x D    weight: D    ->  N.. x D
 */
export function rmsNorm(x: NDArray, weight: NDArray, eps: number): NDArray {
  const op = "fast.rmsNorm";
  const D = checkRmsNorm(op, x, weight, eps);
  const device = sameDevice(op, x, weight);
  const out = NDArray.empty(x.shape, x.dtype, device);
  if (out.size > 0) backendFor(device).rmsNorm(contiguous(x), contiguous(weight), out, x.size / D, D, eps);
  return out;
}

/**
 * The residual add and the RMSNorm after it, in one kernel (vLLM's fused_add_rms_norm):
 * h = x + residual (in x's dtype, as `add` stores it) and rmsNorm(h, weight, eps). A
 * pre-norm transformer adds each block's output to the residual stream and norms the sum
 * right away; fused, that is one pass and one launch instead of two.
 *
 *   x, residual: N.. x D (same shape and dtype)    weight: D    ->  [h, rmsNorm(h)], N.. x D each
 */
export function addRmsNorm(x: NDArray, residual: NDArray, weight: NDArray, eps: number): [NDArray, NDArray] {
  const op = "fast.addRmsNorm";
  const D = checkRmsNorm(op, x, weight, eps);
  checkFloat(op, "residual", residual, 1, "N.. x D");
  checkLike(op, "residual", residual, "x", x);
  const device = sameDevice(op, x, residual, weight);
  const h = NDArray.empty(x.shape, x.dtype, device);
  const out = NDArray.empty(x.shape, x.dtype, device);
  if (out.size > 0) backendFor(device).rmsNorm(contiguous(x), contiguous(weight), out, x.size / D, D, eps, { add: contiguous(residual), sum: h });
  return [h, out];
}

/**
 * SwiGLU's product, silu(gate) * up, as `gate.silu().multiply(up)` computes it (silu's
 * result rounded to the dtype, the product in float32), in one kernel where the backend
 * has one (the GPU; vLLM's silu_and_mul): one launch a layer fewer. gate and up may be
 * strided views, say the two halves of a merged gate/up projection's output.
 *
 *   gate, up: N.. x I (same shape and dtype)  ->  N.. x I
 */
export function swiglu(gate: NDArray, up: NDArray): NDArray {
  const op = "fast.swiglu";
  checkFloat(op, "gate", gate, 0, "N.. x I");
  checkFloat(op, "up", up, 0, "N.. x I");
  checkLike(op, "up", up, "gate", gate);
  const device = sameDevice(op, gate, up);
  const backend = backendFor(device);
  if (backend.swiglu === undefined) return multiply(silu(gate), up);
  const out = NDArray.empty(gate.shape, gate.dtype, device);
  if (out.size > 0) backend.swiglu(gate, up, out);
  return out;
}

/** Options of fast.rope. */
export interface RopeOptions {
  /** Rotate pairs (2i, 2i + 1) instead of (i, i + D/2). Default false (Qwen2's layout). */
  traditional?: boolean;
}

/**
 * Rotary positional encoding: each pair of x's last axis rotated by the angle of its
 * token's position, given as that angle's cos and sin per position and pair:
 *
 *   y_i = x_i cos - x_j sin,  y_j = x_j cos + x_i sin   for the pairs (i, j)
 *
 * in float32, returned in x's dtype. x may be a strided view (say q, k or v sliced from
 * one merged projection) as long as its last axis has unit stride.
 *
 *   x: N.. x L x H x D    cos, sin: L x D/2 (the L tokens' positions)    ->  N.. x L x H x D
 */
export function rope(x: NDArray, cos: NDArray, sin: NDArray, opts: RopeOptions = {}): NDArray {
  const op = "fast.rope";
  checkFloat(op, "x", x, 3, "N.. x L x H x D");
  const [L, H, D] = x.shape.slice(-3);
  if (D % 2 !== 0) throw new ArrayError(op, `x's last axis must be even (pairs rotate together), got shape ${fmtShape(x.shape)}`);
  for (const [name, t] of [["cos", cos], ["sin", sin]] as const) {
    checkFloat(op, name, t, 2, "L x D/2");
    if (t.ndim !== 2 || t.shape[0] !== L || t.shape[1] !== D / 2) {
      throw new ArrayError(op, `${name} has shape ${fmtShape(t.shape)}, expected [${L},${D / 2}] (L x D/2 of x ${fmtShape(x.shape)})`);
    }
  }
  const device = sameDevice(op, x, cos, sin);
  const out = NDArray.empty(x.shape, x.dtype, device);
  if (out.size === 0) return out;
  const B = x.size / (L * H * D);
  let x4 = reshape(x, [B, L, H, D]); // a view where x's leading axes merge
  if (x4.shape[3] > 1 && x4.strides[3] !== 1) x4 = contiguous(x4);
  const table = (t: NDArray) => contiguous(astype(t, "float32"));
  backendFor(device).rope(x4, table(cos), table(sin), out, opts.traditional === true);
  return out;
}
