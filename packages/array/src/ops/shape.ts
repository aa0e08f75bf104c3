// Shape ops. Views share the buffer (reshape when the layout allows, transpose,
// expandDims, squeeze, broadcastTo, split); concatenate and stack copy.
import { NDArray } from "../array";
import { backendFor } from "../backend";
import { ArrayError, fmtShape } from "../errors";
import { broadcastShapes, checkShape, normalizeAxes, normalizeAxis, reshapeStrides, shapeSize } from "../layout";
import { copyAs } from "./convert";
import { arange, full } from "./creation";
import { checkArray } from "./check";
import { broadcastView, greaterEqual, sameDevice, subtract, where } from "./elementwise";
import { promoteTypes } from "../dtype";

function view(a: NDArray, shape: number[], strides: number[], offset = a.offset): NDArray {
  return new NDArray(a.storage, shape, strides, offset, a.dtype, a.device);
}

/** `a` with a new shape of the same size; one entry may be -1 (inferred). A view when the layout allows. */
export function reshape(a: NDArray, shape: readonly number[]): NDArray {
  checkArray("reshape", a);
  if (!Array.isArray(shape)) throw new ArrayError("reshape", `shape must be an array of integers, got ${String(shape)}`);
  const inferred = shape.filter((d) => d === -1).length;
  if (inferred > 1) throw new ArrayError("reshape", `only one dimension can be -1, got ${fmtShape(shape)}`);
  let target = [...shape];
  if (inferred === 1) {
    const known = shapeSize(shape.filter((d) => d !== -1));
    checkShape("reshape", target.filter((d) => d !== -1));
    if (known === 0 || a.size % known !== 0) {
      throw new ArrayError("reshape", `cannot reshape array of shape ${fmtShape(a.shape)} (size ${a.size}) into ${fmtShape(shape)}`);
    }
    target = target.map((d) => (d === -1 ? a.size / known : d));
  }
  checkShape("reshape", target);
  if (shapeSize(target) !== a.size) {
    throw new ArrayError("reshape", `cannot reshape array of shape ${fmtShape(a.shape)} (size ${a.size}) into ${fmtShape(shape)} (size ${shapeSize(target)})`);
  }
  const strides = reshapeStrides(a.shape, a.strides, target);
  if (strides !== null) return view(a, target, strides);
  const c = copyAs(a, a.dtype);
  return view(c, target, reshapeStrides(c.shape, c.strides, target)!);
}

/** `a` as one dimension. */
export const flatten = (a: NDArray) => reshape(a, [a.size]);

/** Permutes the axes (reverses them when `axes` is omitted). A view. */
export function transpose(a: NDArray, axes?: readonly number[]): NDArray {
  checkArray("transpose", a);
  const perm = axes === undefined ? a.shape.map((_, i) => a.ndim - 1 - i) : axes.map((ax) => normalizeAxis("transpose", ax, a.shape));
  if (perm.length !== a.ndim || new Set(perm).size !== a.ndim) {
    throw new ArrayError("transpose", `axes [${axes?.join(",")}] are not a permutation of the ${a.ndim} axes of shape ${fmtShape(a.shape)}`);
  }
  return view(a, perm.map((p) => a.shape[p]), perm.map((p) => a.strides[p]));
}

/** Exchanges two axes. A view. */
export function swapaxes(a: NDArray, axis1: number, axis2: number): NDArray {
  checkArray("swapaxes", a);
  const i = normalizeAxis("swapaxes", axis1, a.shape), j = normalizeAxis("swapaxes", axis2, a.shape);
  const perm = a.shape.map((_, k) => (k === i ? j : k === j ? i : k));
  return transpose(a, perm);
}

/** Moves axis `source` to position `destination`, keeping the others in order. A view. */
export function moveaxis(a: NDArray, source: number, destination: number): NDArray {
  checkArray("moveaxis", a);
  const s = normalizeAxis("moveaxis", source, a.shape), d = normalizeAxis("moveaxis", destination, a.shape);
  const perm = a.shape.map((_, k) => k).filter((k) => k !== s);
  perm.splice(d, 0, s);
  return transpose(a, perm);
}

/** Inserts axes of length 1 at `axis` (positions in the result). A view. */
export function expandDims(a: NDArray, axis: number | readonly number[]): NDArray {
  checkArray("expandDims", a);
  const list = typeof axis === "number" ? [axis] : [...axis];
  const outShape = new Array<number>(a.ndim + list.length).fill(0);
  const axes = normalizeAxes("expandDims", list, outShape);
  const shape: number[] = [], strides: number[] = [];
  let src = 0;
  for (let i = 0; i < outShape.length; i++) {
    if (axes.includes(i)) {
      shape.push(1);
      strides.push(0);
    } else {
      shape.push(a.shape[src]);
      strides.push(a.strides[src++]);
    }
  }
  return view(a, shape, strides);
}

/** Removes axes of length 1 (all of them when `axis` is omitted). A view. */
export function squeeze(a: NDArray, axis?: number | readonly number[]): NDArray {
  checkArray("squeeze", a);
  const axes = axis === undefined ? a.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes("squeeze", axis, a.shape);
  for (const i of axes) {
    if (a.shape[i] !== 1) throw new ArrayError("squeeze", `cannot squeeze axis ${i} of length ${a.shape[i]} (shape ${fmtShape(a.shape)})`);
  }
  const keep = a.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  return view(a, keep.map((i) => a.shape[i]), keep.map((i) => a.strides[i]));
}

/** `a` repeated (without copying) to `shape` by numpy's broadcasting rule. */
export function broadcastTo(a: NDArray, shape: readonly number[]): NDArray {
  checkArray("broadcastTo", a);
  checkShape("broadcastTo", shape);
  const out = broadcastShapes("broadcastTo", a.shape, shape);
  if (out.length !== shape.length || out.some((d, i) => d !== shape[i])) {
    throw new ArrayError("broadcastTo", `cannot broadcast shape ${fmtShape(a.shape)} to ${fmtShape(shape)}`);
  }
  return broadcastView(a, out);
}

/** Joins arrays along an existing axis; all other dims must match. */
export function concatenate(arrays: readonly NDArray[], axis = 0): NDArray {
  if (!Array.isArray(arrays) || arrays.length === 0) throw new ArrayError("concatenate", "needs a non-empty list of arrays");
  for (const a of arrays) checkArray("concatenate", a);
  const first = arrays[0];
  const ax = normalizeAxis("concatenate", axis, first.shape);
  for (const a of arrays) {
    if (a.ndim !== first.ndim || a.shape.some((d: number, i: number) => i !== ax && d !== first.shape[i])) {
      throw new ArrayError("concatenate", `shapes ${arrays.map((x) => fmtShape(x.shape)).join(", ")} differ off axis ${ax}`);
    }
  }
  sameDevice("concatenate", ...arrays);
  const dtype = arrays.map((a) => a.dtype).reduce(promoteTypes);
  const shape = [...first.shape];
  shape[ax] = arrays.reduce((n, a) => n + a.shape[ax], 0);
  const out = NDArray.empty(shape, dtype, first.device);
  let start = 0;
  for (const a of arrays) {
    if (a.size > 0) {
      const dst = view(out, [...a.shape], [...out.strides], out.offset + start * out.strides[ax]);
      backendFor(out.device).copy(a, dst);
    }
    start += a.shape[ax];
  }
  return out;
}

/** Joins arrays of one shape along a new axis. */
export function stack(arrays: readonly NDArray[], axis = 0): NDArray {
  if (!Array.isArray(arrays) || arrays.length === 0) throw new ArrayError("stack", "needs a non-empty list of arrays");
  for (const a of arrays) checkArray("stack", a);
  const shape = arrays[0].shape;
  if (arrays.some((a) => a.ndim !== shape.length || a.shape.some((d: number, i: number) => d !== shape[i]))) {
    throw new ArrayError("stack", `all arrays need one shape, got ${arrays.map((x) => fmtShape(x.shape)).join(", ")}`);
  }
  const ax = normalizeAxis("stack", axis, new Array<number>(shape.length + 1).fill(0));
  return concatenate(arrays.map((a) => expandDims(a, ax)), ax);
}

/**
 * Splits along `axis` into `sections` equal parts, or at the given indices
 * (numpy's split). The parts are views.
 */
export function split(a: NDArray, sections: number | readonly number[], axis = 0): NDArray[] {
  checkArray("split", a);
  const ax = normalizeAxis("split", axis, a.shape);
  const n = a.shape[ax];
  let bounds: number[];
  if (typeof sections === "number") {
    if (!Number.isInteger(sections) || sections <= 0 || n % sections !== 0) {
      throw new ArrayError("split", `cannot split axis ${ax} of length ${n} (shape ${fmtShape(a.shape)}) into ${sections} equal parts`);
    }
    bounds = Array.from({ length: sections - 1 }, (_, i) => ((i + 1) * n) / sections);
  } else {
    bounds = [...sections];
    bounds.forEach((b, i) => {
      if (!Number.isInteger(b) || b < 0 || b > n || (i > 0 && b < bounds[i - 1])) {
        throw new ArrayError("split", `split indices [${sections.join(",")}] must be increasing integers in [0, ${n}] (axis ${ax} of shape ${fmtShape(a.shape)})`);
      }
    });
  }
  const edges = [0, ...bounds, n];
  return edges.slice(1).map((end, i) => {
    const shape = [...a.shape];
    shape[ax] = end - edges[i];
    return view(a, shape, [...a.strides], a.offset + edges[i] * a.strides[ax]);
  });
}

/** Where col - row >= k over the last two dims of `a` (the upper triangle for k = 0). */
function triangleMask(op: string, a: NDArray, k: number): NDArray {
  checkArray(op, a);
  if (a.ndim < 2) throw new ArrayError(op, `needs at least 2 dims, got shape ${fmtShape(a.shape)}`);
  if (!Number.isInteger(k)) throw new ArrayError(op, `k must be an integer, got ${k}`);
  const rows = reshape(arange(0, a.shape[a.ndim - 2], 1, "int32", a.device), [-1, 1]);
  const cols = arange(0, a.shape[a.ndim - 1], 1, "int32", a.device);
  return greaterEqual(subtract(cols, rows), k);
}

/** The upper triangle of the last two dims: elements with col - row >= k, zeros elsewhere. */
export function triu(a: NDArray, k = 0): NDArray {
  return where(triangleMask("triu", a, k), a, full([], 0, a.dtype, a.device));
}

/** The lower triangle of the last two dims: elements with col - row <= k, zeros elsewhere. */
export function tril(a: NDArray, k = 0): NDArray {
  return where(triangleMask("tril", a, k + 1), full([], 0, a.dtype, a.device), a);
}
