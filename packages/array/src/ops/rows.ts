// Row kernels (softmax, scans, sorts) work on a contiguous `rows x n` block with the
// axes of interest last. asRows makes that block; fromRows puts the axes back.
import { NDArray } from "../array";
import { normalizeAxes } from "../layout";
import { contiguous } from "./convert";
import { reshape, transpose } from "./shape";

export interface Rows {
  /** Contiguous `rows x n` data (the axes moved last, then flattened). */
  block: NDArray;
  rows: number;
  n: number;
  /** The dims of the moved axes (their product is n). */
  rowShape: number[];
  /** Shape with the axes moved last, and the permutation that moved them. */
  movedShape: number[];
  perm: number[];
}

export function asRows(op: string, a: NDArray, axis: number | readonly number[]): Rows {
  const axes = normalizeAxes(op, axis, a.shape);
  const perm = [...a.shape.map((_, i) => i).filter((i) => !axes.includes(i)), ...axes];
  const moved = transpose(a, perm);
  const n = axes.reduce((p, i) => p * a.shape[i], 1);
  const rows = n === 0 ? 0 : a.size / n;
  return { block: contiguous(moved), rows, n, rowShape: axes.map((i) => a.shape[i]), movedShape: [...moved.shape], perm };
}

/** The result of a row kernel (`rows x m` contiguous) with its axes put back where they were. */
export function fromRows(r: Rows, out: NDArray, lastDims: number[]): NDArray {
  const kept = r.movedShape.slice(0, r.movedShape.length - lastDims.length);
  const inverse = r.perm.map((_, i) => r.perm.indexOf(i));
  return transpose(reshape(out, [...kept, ...lastDims]), inverse);
}
