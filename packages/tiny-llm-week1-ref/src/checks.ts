// Argument checks of the week 1 layers. A bad argument is reported where it enters, as
// "scaledDotProductAttentionSimple: key has shape [2,5,4], expected [2,5,8] (N.. x S x D)",
// instead of as a shape error from deep inside matmul.
import * as mx from "@tiny-llm/array";

/** A bad argument to a course function: names the function, the argument and what was expected. */
export class ArgumentError extends Error {
  constructor(fn: string, message: string) {
    super(`${fn}: ${message}`);
    this.name = "ArgumentError";
  }
}

const FLOATS: readonly mx.Dtype[] = ["float32", "float16", "bfloat16"];

function shapeText(dims: readonly (number | string)[]): string {
  return `[${dims.join(",")}]`;
}

/**
 * Asserts that `x` is a float array with at least `minDims` dims, described by `layout`
 * (the course's symbols, e.g. "N.. x L x D").
 */
export function checkFloatArray(fn: string, arg: string, x: unknown, layout: string, minDims = 1): asserts x is mx.array {
  if (!(x instanceof mx.NDArray)) {
    const got = x === null ? "null" : Array.isArray(x) ? "a JS array (wrap it with mx.array)" : typeof x;
    throw new ArgumentError(fn, `${arg} must be an mx.array (${layout}), got ${got}`);
  }
  if (!FLOATS.includes(x.dtype)) {
    throw new ArgumentError(fn, `${arg} must be float32, float16 or bfloat16, got ${x.dtype} (shape ${shapeText(x.shape)})`);
  }
  if (x.ndim < minDims) {
    throw new ArgumentError(fn, `${arg} has shape ${shapeText(x.shape)}, expected ${layout} (at least ${minDims} dims)`);
  }
}

/** Asserts that `x` has exactly `expected` as its shape. */
export function checkShape(fn: string, arg: string, x: mx.array, expected: readonly number[], layout: string): void {
  if (x.ndim !== expected.length || x.shape.some((s, i) => s !== expected[i])) {
    throw new ArgumentError(fn, `${arg} has shape ${shapeText(x.shape)}, expected ${shapeText(expected)} (${layout})`);
  }
}

/** Asserts that `x` has the dtype of `like` (argument `likeArg`). */
export function checkSameDtype(fn: string, arg: string, x: mx.array, likeArg: string, like: mx.array): void {
  if (x.dtype !== like.dtype) {
    throw new ArgumentError(fn, `${arg} is ${x.dtype} but ${likeArg} is ${like.dtype}; give them the same dtype`);
  }
}

/** Asserts that a mask of shape `mask.shape` broadcasts to `target` (numpy's rule). */
export function checkBroadcastable(fn: string, arg: string, mask: mx.array, target: readonly number[], layout: string): void {
  const offset = target.length - mask.ndim;
  const ok = offset >= 0 && mask.shape.every((s, i) => s === 1 || s === target[offset + i]);
  if (!ok) {
    throw new ArgumentError(fn, `${arg} has shape ${shapeText(mask.shape)}, which does not broadcast to ${shapeText(target)} (${layout})`);
  }
}

/** Asserts that `n` is a positive integer. */
export function checkPositiveInt(fn: string, arg: string, n: unknown): asserts n is number {
  if (typeof n !== "number" || !Number.isInteger(n) || n <= 0) {
    throw new ArgumentError(fn, `${arg} must be a positive integer, got ${String(n)}`);
  }
}
