// Shapes, strides and axes: the bookkeeping behind views and broadcasting.
import { ArrayError, fmtShape } from "./errors";

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides (in elements) of a contiguous array of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= Math.max(shape[i], 1);
  }
  return strides;
}

/** Checks that `shape` is a list of non-negative integers. */
export function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new ArrayError(op, `shape must be an array of integers, got ${String(shape)}`);
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new ArrayError(op, `shape ${fmtShape(shape)} must hold non-negative integers (bad entry ${String(d)})`);
    }
  }
  return [...shape];
}

/** numpy broadcasting: the shape that all of `shapes` broadcast to. */
export function broadcastShapes(op: string, ...shapes: (readonly number[])[]): number[] {
  const ndim = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = ndim - s.length + i;
      const d = s[i];
      if (d === out[j] || d === 1) continue;
      if (out[j] === 1) out[j] = d;
      else throw new ArrayError(op, `shapes ${shapes.map(fmtShape).join(" and ")} cannot be broadcast together`);
    }
  }
  return out;
}

/** Strides that view an array of `shape`/`strides` as the larger broadcast shape `to` (0 for repeated dims). */
export function broadcastStrides(shape: readonly number[], strides: readonly number[], to: readonly number[]): number[] {
  const out = new Array<number>(to.length).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const j = to.length - shape.length + i;
    out[j] = shape[i] === 1 && to[j] !== 1 ? 0 : strides[i];
  }
  return out;
}

/** A possibly negative axis as an index into `ndim` dims, or an error naming the op and shape. */
export function normalizeAxis(op: string, axis: number, shape: readonly number[]): number {
  const ndim = shape.length;
  if (typeof axis !== "number" || !Number.isInteger(axis)) {
    throw new ArrayError(op, `axis must be an integer, got ${String(axis)} (shape ${fmtShape(shape)})`);
  }
  if (axis < -ndim || axis >= ndim) {
    throw new ArrayError(op, `axis ${axis} is out of range for shape ${fmtShape(shape)} (${ndim} dims)`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Sorted, distinct axes from a number, a list, or undefined (all axes). */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined, shape: readonly number[]): number[] {
  if (axis === undefined) return shape.map((_, i) => i);
  const list = typeof axis === "number" ? [axis] : [...axis];
  const axes = list.map((a) => normalizeAxis(op, a, shape));
  if (new Set(axes).size !== axes.length) {
    throw new ArrayError(op, `axes [${list.join(",")}] repeat an axis (shape ${fmtShape(shape)})`);
  }
  return axes.sort((a, b) => a - b);
}

/**
 * Strides that let an array of shape/strides be read as `newShape` without a copy, or
 * null when that is impossible (numpy's rule: only dims merged or split within runs
 * of dims that are laid out contiguously with respect to each other).
 */
export function reshapeStrides(shape: readonly number[], strides: readonly number[], newShape: readonly number[]): number[] | null {
  const oldDims: number[] = [], oldStrides: number[] = [];
  shape.forEach((d, i) => {
    if (d !== 1) {
      oldDims.push(d);
      oldStrides.push(strides[i]);
    }
  });
  if (shapeSize(newShape) === 0) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length).fill(0);
  let oi = 0, ni = 0;
  while (ni < newShape.length && oi < oldDims.length) {
    let np = newShape[ni], op = oldDims[oi];
    const nj0 = ni, oj0 = oi;
    let nj = ni + 1, oj = oi + 1;
    while (np !== op) {
      if (np < op) np *= newShape[nj++];
      else op *= oldDims[oj++];
    }
    for (let k = oj0; k < oj - 1; k++) {
      if (oldStrides[k] !== oldDims[k + 1] * oldStrides[k + 1]) return null;
    }
    out[nj - 1] = oldStrides[oj - 1];
    for (let k = nj - 1; k > nj0; k--) out[k - 1] = out[k] * newShape[k];
    ni = nj;
    oi = oj;
  }
  for (; ni < newShape.length; ni++) out[ni] = 1; // trailing 1s
  return out;
}
