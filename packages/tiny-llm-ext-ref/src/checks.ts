// Argument checks of the kernels' TypeScript wrappers: a bad argument is reported where
// it enters, naming the function, the argument, what it got and what was expected.
import * as mx from "@tiny-llm/array";

/** A bad argument to a kernel: names the function, the argument and what was expected. */
export class ArgumentError extends Error {
  constructor(fn: string, message: string) {
    super(`${fn}: ${message}`);
    this.name = "ArgumentError";
  }
}

const FLOATS: readonly mx.Dtype[] = ["float32", "float16", "bfloat16"];

export function shapeText(dims: readonly (number | string)[]): string {
  return `[${dims.join(",")}]`;
}

function describe(x: unknown): string {
  if (x instanceof mx.NDArray) return `${x.dtype} ${shapeText(x.shape)}`;
  return x === null ? "null" : Array.isArray(x) ? "a JS array (wrap it with mx.array)" : typeof x;
}

/** Asserts that `x` is an mx.array of `dtypes` with `ndim` dims (at least, when `minDims`), described by `layout`. */
export function checkArray(
  fn: string, arg: string, x: unknown, layout: string, dims: { ndim: number; atLeast?: boolean }, dtypes: readonly mx.Dtype[] = FLOATS,
): asserts x is mx.array {
  if (!(x instanceof mx.NDArray)) throw new ArgumentError(fn, `${arg} must be an mx.array (${layout}), got ${describe(x)}`);
  if (!dtypes.includes(x.dtype)) throw new ArgumentError(fn, `${arg} must be ${dtypes.join(" or ")}, got ${describe(x)}`);
  const ok = dims.atLeast ? x.ndim >= dims.ndim : x.ndim === dims.ndim;
  if (!ok) throw new ArgumentError(fn, `${arg} has shape ${shapeText(x.shape)}, expected ${layout}`);
}

/** Asserts that `x` has exactly `expected` as its shape. */
export function checkShape(fn: string, arg: string, x: mx.array, expected: readonly number[], layout: string): void {
  if (x.ndim !== expected.length || x.shape.some((s, i) => s !== expected[i])) {
    throw new ArgumentError(fn, `${arg} has shape ${shapeText(x.shape)}, expected ${shapeText(expected)} (${layout})`);
  }
}
