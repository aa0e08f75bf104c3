// Sorting along an axis: sort, argsort, topk.
import { NDArray } from "../array";
import { backendFor } from "../backend";
import { ArrayError, fmtShape } from "../errors";
import { normalizeAxis } from "../layout";
import { checkArray } from "./check";
import { takeAlongAxis } from "./indexing";
import { asRows, fromRows } from "./rows";

/** Indices (int32) that sort `a` along `axis`, ascending and stable; NaN last. */
export function argsort(a: NDArray, axis = -1): NDArray {
  checkArray("argsort", a);
  const r = asRows("argsort", a, axis);
  const out = NDArray.empty([r.rows, r.n], "int32", a.device);
  if (out.size > 0) backendFor(a.device).argsort(r.block, out, r.rows, r.n, false);
  return fromRows(r, out, r.rowShape);
}

/** `a` sorted ascending along `axis`. */
export function sort(a: NDArray, axis = -1): NDArray {
  checkArray("sort", a);
  normalizeAxis("sort", axis, a.shape);
  return takeAlongAxis(a, argsort(a, axis), axis);
}

/** The k largest elements along `axis`, largest first (PyTorch's order; MLX leaves them unordered). */
export function topk(a: NDArray, k: number, axis = -1): NDArray {
  checkArray("topk", a);
  const ax = normalizeAxis("topk", axis, a.shape);
  const n = a.shape[ax];
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new ArrayError("topk", `k = ${k} must be an integer in [0, ${n}] (axis ${ax} of shape ${fmtShape(a.shape)})`);
  }
  const r = asRows("topk", a, ax);
  const idx = NDArray.empty([r.rows, k], "int32", a.device);
  if (idx.size > 0) backendFor(a.device).topkIndices(r.block, idx, r.rows, r.n, k);
  return takeAlongAxis(a, fromRows(r, idx, [k]), ax);
}
