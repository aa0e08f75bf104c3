// Reductions over axes, with keepdims.
import { NDArray } from "../array";
import { backendFor } from "../backend";
import { ReduceOp } from "../backend/codes";
import { Dtype, floatResult, sumResult } from "../dtype";
import { ArrayError, fmtShape } from "../errors";
import { normalizeAxes, normalizeAxis } from "../layout";
import { checkArray } from "./check";
import { reshape } from "./shape";

type Axis = number | readonly number[];

/** The reduced shape: axes dropped, or kept as 1 with keepdims. */
function reducedShape(shape: readonly number[], axes: number[], keepdims: boolean): number[] {
  return keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

function reduce(name: string, op: ReduceOp, outDt: Dtype, a: NDArray, axis: Axis | undefined, keepdims: boolean): NDArray {
  checkArray(name, a);
  const axes = normalizeAxes(name, axis, a.shape);
  const isExtremum = op === ReduceOp.max || op === ReduceOp.min || op === ReduceOp.argmax || op === ReduceOp.argmin;
  if (isExtremum && axes.some((i) => a.shape[i] === 0)) {
    throw new ArrayError(name, `cannot reduce an empty axis (shape ${fmtShape(a.shape)}, axes [${axes.join(",")}]): there is no identity for ${name}`);
  }
  const out = NDArray.empty(reducedShape(a.shape, axes, false), outDt, a.device);
  if (out.size > 0) backendFor(a.device).reduce(op, a, axes, out);
  return keepdims ? reshape(out, reducedShape(a.shape, axes, true)) : out;
}


/** Sum over `axis` (all axes when omitted). */
export const sum = (a: NDArray, axis?: Axis, keepdims = false) => reduce("sum", ReduceOp.sum, sumResult(a.dtype), a, axis, keepdims);
/** Mean over `axis`; integers give float32. */
export const mean = (a: NDArray, axis?: Axis, keepdims = false) => reduce("mean", ReduceOp.mean, floatResult(a.dtype), a, axis, keepdims);
export const prod = (a: NDArray, axis?: Axis, keepdims = false) => reduce("prod", ReduceOp.prod, sumResult(a.dtype), a, axis, keepdims);
/** Largest element over `axis` (NaN wins, as in numpy). */
export const max = (a: NDArray, axis?: Axis, keepdims = false) => reduce("max", ReduceOp.max, a.dtype, a, axis, keepdims);
export const min = (a: NDArray, axis?: Axis, keepdims = false) => reduce("min", ReduceOp.min, a.dtype, a, axis, keepdims);
/** log(sum(exp(a))) over `axis`, computed stably (max-subtracted). */
export const logsumexp = (a: NDArray, axis?: Axis, keepdims = false) => reduce("logsumexp", ReduceOp.logsumexp, floatResult(a.dtype), a, axis, keepdims);
/** True where any element over `axis` is non-zero. */
export const any = (a: NDArray, axis?: Axis, keepdims = false) => reduce("any", ReduceOp.any, "bool", a, axis, keepdims);
/** True where every element over `axis` is non-zero. */
export const all = (a: NDArray, axis?: Axis, keepdims = false) => reduce("all", ReduceOp.all, "bool", a, axis, keepdims);

function argReduce(name: string, op: ReduceOp, a: NDArray, axis: number | undefined, keepdims: boolean): NDArray {
  checkArray(name, a);
  if (axis === undefined) {
    const flat = reshape(a, [a.size]);
    const r = reduce(name, op, "int32", flat, 0, false);
    return keepdims ? reshape(r, a.shape.map(() => 1)) : r;
  }
  return reduce(name, op, "int32", a, normalizeAxis(name, axis, a.shape), keepdims);
}

/** Index (int32) of the largest element along `axis` (of the flattened array when omitted); first one on ties. */
export const argmax = (a: NDArray, axis?: number, keepdims = false) => argReduce("argmax", ReduceOp.argmax, a, axis, keepdims);
export const argmin = (a: NDArray, axis?: number, keepdims = false) => argReduce("argmin", ReduceOp.argmin, a, axis, keepdims);
