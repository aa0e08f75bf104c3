// Indexing: numpy-style slicing (views), take and takeAlongAxis (gathers).
import { NDArray } from "../array";
import { backendFor, type Device } from "../backend";
import { isInteger } from "../dtype";
import { ArrayError, fmtShape } from "../errors";
import { broadcastShapes, normalizeAxis, shapeSize } from "../layout";
import { checkArray } from "./check";
import { astype, contiguous } from "./convert";
import { fromTypedArray } from "./creation";
import { sameDevice } from "./elementwise";
import { broadcastTo, reshape } from "./shape";

/**
 * One index of a slice: an integer picks one element and drops the axis; a string
 * "start:stop:step" is numpy's slice (":" keeps the axis whole, "::-1" reverses);
 * "..." stands for as many whole axes as needed; null inserts a new axis of length 1.
 * Bounds outside [-n, n] are an error (numpy would clamp; in model code that is a bug).
 */
export type SliceSpec = number | string | null;

/** Bounds and step of a "start:stop:step" string, parsed once per string: a decode step slices with the same few strings every time. */
const parsedSpecs = new Map<string, [start: number | undefined, stop: number | undefined, step: number]>();
const PARSED_SPECS_MAX = 4096;

function parseSlice(spec: string, n: number, axis: number, shape: readonly number[]): [start: number, count: number, step: number] {
  const bad = (why: string) => new ArrayError("slice", `"${spec}" on axis ${axis} (length ${n}, shape ${fmtShape(shape)}): ${why}`);
  let parsed = parsedSpecs.get(spec);
  if (parsed === undefined) {
    const parts = spec.split(":");
    if (parts.length < 2 || parts.length > 3) throw bad('expected "start:stop" or "start:stop:step"');
    const num = (s: string | undefined): number | undefined => {
      if (s === undefined || s.trim() === "") return undefined;
      const v = Number(s);
      if (!Number.isInteger(v)) throw bad(`"${s}" is not an integer`);
      return v;
    };
    const [start, stop, step] = parts.map(num);
    if (step === 0) throw bad("step must not be 0");
    parsed = [start, stop, step ?? 1];
    if (parsedSpecs.size >= PARSED_SPECS_MAX) parsedSpecs.clear();
    parsedSpecs.set(spec, parsed);
  }
  const [rawStart, rawStop, step] = parsed;
  for (const v of [rawStart, rawStop]) {
    if (v !== undefined && (v < -n || v > n)) throw bad(`bound ${v} is out of range [${-n}, ${n}]`);
  }
  const norm = (v: number) => (v < 0 ? v + n : v);
  let start: number, stop: number;
  if (step > 0) {
    start = rawStart === undefined ? 0 : norm(rawStart);
    stop = rawStop === undefined ? n : norm(rawStop);
  } else {
    start = rawStart === undefined ? n - 1 : Math.min(norm(rawStart), n - 1);
    stop = rawStop === undefined ? -1 : norm(rawStop);
  }
  return [start, Math.max(0, Math.ceil((stop - start) / step)), step];
}

/** numpy-style basic indexing; the result is a view of `a`. */
export function slice(a: NDArray, ...specs: SliceSpec[]): NDArray {
  checkArray("slice", a);
  const ellipses = specs.filter((s) => s === "...").length;
  if (ellipses > 1) throw new ArrayError("slice", `at most one "..." is allowed, got ${ellipses}`);
  const consuming = specs.filter((s) => s !== null && s !== "...").length;
  if (consuming > a.ndim) throw new ArrayError("slice", `${consuming} indices for an array of ${a.ndim} dims (shape ${fmtShape(a.shape)})`);
  const expanded: SliceSpec[] = [];
  for (const s of specs) {
    if (s === "...") for (let i = 0; i < a.ndim - consuming; i++) expanded.push(":");
    else expanded.push(s);
  }
  if (ellipses === 0) for (let i = consuming; i < a.ndim; i++) expanded.push(":");

  const shape: number[] = [], strides: number[] = [];
  let offset = a.offset, axis = 0;
  for (const s of expanded) {
    if (s === null) {
      shape.push(1);
      strides.push(0);
      continue;
    }
    const n = a.shape[axis], stride = a.strides[axis];
    if (typeof s === "number") {
      if (!Number.isInteger(s)) throw new ArrayError("slice", `index ${s} on axis ${axis} is not an integer (shape ${fmtShape(a.shape)})`);
      if (s < -n || s >= n) throw new ArrayError("slice", `index ${s} is out of range for axis ${axis} of length ${n} (shape ${fmtShape(a.shape)})`);
      offset += (s < 0 ? s + n : s) * stride;
    } else if (typeof s === "string") {
      const [start, count, step] = parseSlice(s, n, axis, a.shape);
      if (count > 0) offset += start * stride;
      shape.push(count);
      strides.push(stride * step);
    } else {
      throw new ArrayError("slice", `index ${JSON.stringify(s)} on axis ${axis} is not an integer, a "start:stop:step" string, "..." or null`);
    }
    axis++;
  }
  return new NDArray(a.storage, shape, strides, offset, a.dtype, a.device);
}

/** Indices as a contiguous int32 array, or an error naming the op. */
function indexArray(op: string, indices: NDArray | readonly number[] | number, device: Device): NDArray {
  if (indices instanceof NDArray) {
    if (!isInteger(indices.dtype)) throw new ArrayError(op, `indices must have an integer dtype, got ${indices.dtype} (shape ${fmtShape(indices.shape)})`);
    return contiguous(astype(indices, "int32"));
  }
  const list = typeof indices === "number" ? [indices] : indices;
  if (!Array.isArray(list) || list.some((i) => typeof i !== "number" || !Number.isInteger(i))) {
    throw new ArrayError(op, `indices must be integers, got ${JSON.stringify(indices)}`);
  }
  const arr = fromTypedArray(Int32Array.from(list as number[]), [list.length], "int32", device);
  return typeof indices === "number" ? reshape(arr, []) : arr;
}

function checkGather(op: string, bad: number, idx: NDArray, axis: number, a: NDArray): void {
  if (bad < 0) return;
  const value = new Int32Array(idx.storage as ArrayBuffer, idx.offset * 4, idx.size)[bad];
  throw new ArrayError(op, `index ${value} (at position ${bad}) is out of range for axis ${axis} of length ${a.shape[axis]} (shape ${fmtShape(a.shape)})`);
}

/**
 * Elements of `a` at `indices` along `axis` (of the flattened array when omitted):
 * the result's shape is a.shape[:axis] + indices.shape + a.shape[axis+1:].
 * Negative indices count from the end; out-of-range ones are an error.
 */
export function take(a: NDArray, indices: NDArray | readonly number[] | number, axis?: number): NDArray {
  checkArray("take", a);
  const src0 = axis === undefined ? reshape(a, [a.size]) : a;
  const ax = normalizeAxis("take", axis ?? 0, src0.shape);
  const idx = indexArray("take", indices, a.device);
  sameDevice("take", a, idx);
  const src = contiguous(src0);
  const outer = shapeSize(src.shape.slice(0, ax)), inner = shapeSize(src.shape.slice(ax + 1));
  const outShape = [...src.shape.slice(0, ax), ...idx.shape, ...src.shape.slice(ax + 1)];
  const out = NDArray.empty(outShape, a.dtype, a.device);
  if (idx.size > 0) checkGather("take", backendFor(a.device).take(src, outer, src.shape[ax], inner, idx, out), idx, ax, src);
  return out;
}

/** out[..., i, ...] = a[..., indices[..., i, ...], ...] along `axis`; other dims broadcast. */
export function takeAlongAxis(a: NDArray, indices: NDArray, axis: number): NDArray {
  checkArray("takeAlongAxis", a);
  checkArray("takeAlongAxis", indices, "an index array");
  if (indices.ndim !== a.ndim) {
    throw new ArrayError("takeAlongAxis", `indices of shape ${fmtShape(indices.shape)} need as many dims as the array of shape ${fmtShape(a.shape)}`);
  }
  const ax = normalizeAxis("takeAlongAxis", axis, a.shape);
  const rest = broadcastShapes("takeAlongAxis", a.shape.map((d, i) => (i === ax ? 1 : d)), indices.shape.map((d, i) => (i === ax ? 1 : d)));
  const n = a.shape[ax], m = indices.shape[ax];
  const src = contiguous(broadcastTo(a, rest.map((d, i) => (i === ax ? n : d))));
  sameDevice("takeAlongAxis", a, indices);
  const idx = contiguous(broadcastTo(indexArray("takeAlongAxis", indices, a.device), rest.map((d, i) => (i === ax ? m : d))));
  const out = NDArray.empty(idx.shape, a.dtype, a.device);
  const outer = shapeSize(rest.slice(0, ax)), inner = shapeSize(rest.slice(ax + 1));
  if (out.size > 0) checkGather("takeAlongAxis", backendFor(a.device).takeAlongAxis(src, outer, n, inner, idx, m, out), idx, ax, a);
  return out;
}
