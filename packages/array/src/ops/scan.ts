// Softmax and scans (cumsum and friends): row kernels along an axis.
import { NDArray } from "../array";
import { backendFor } from "../backend";
import { ScanOp } from "../backend/codes";
import { floatResult, sumResult } from "../dtype";
import { normalizeAxis } from "../layout";
import { checkArray } from "./check";
import { asRows, fromRows } from "./rows";
import { reshape } from "./shape";

/** exp(a - max) / sum(exp(a - max)) over `axis` (one axis or several). */
export function softmax(a: NDArray, axis: number | readonly number[] = -1): NDArray {
  checkArray("softmax", a);
  const r = asRows("softmax", a, axis);
  const out = NDArray.empty([r.rows, r.n], floatResult(a.dtype), a.device);
  if (out.size > 0) backendFor(a.device).softmax(r.block, out, r.rows, r.n);
  return fromRows(r, out, r.rowShape);
}

function scan(name: string, op: ScanOp, a: NDArray, axis: number | undefined, reverse: boolean): NDArray {
  checkArray(name, a);
  const src = axis === undefined ? reshape(a, [a.size]) : a;
  const ax = normalizeAxis(name, axis ?? 0, src.shape);
  const outDt = op === ScanOp.cumsum || op === ScanOp.cumprod ? sumResult(a.dtype) : a.dtype;
  const r = asRows(name, src, ax);
  const out = NDArray.empty([r.rows, r.n], outDt, a.device);
  if (out.size > 0) backendFor(a.device).scan(op, reverse, r.block, out, r.rows, r.n);
  return fromRows(r, out, r.rowShape);
}

/** Running sum along `axis` (of the flattened array when omitted); `reverse` runs from the end. */
export const cumsum = (a: NDArray, axis?: number, reverse = false) => scan("cumsum", ScanOp.cumsum, a, axis, reverse);
/** Running product along `axis`. */
export const cumprod = (a: NDArray, axis?: number, reverse = false) => scan("cumprod", ScanOp.cumprod, a, axis, reverse);
/** Running maximum along `axis`. */
export const cummax = (a: NDArray, axis?: number, reverse = false) => scan("cummax", ScanOp.cummax, a, axis, reverse);
/** Running minimum along `axis`. */
export const cummin = (a: NDArray, axis?: number, reverse = false) => scan("cummin", ScanOp.cummin, a, axis, reverse);
