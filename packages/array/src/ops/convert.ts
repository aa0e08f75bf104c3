// Dtype conversion, contiguous copies and reading values back into JavaScript.
import { NDArray } from "../array";
import { backendFor } from "../backend";
import { Dtype, isDtype, isFloat, TypedArray, DTYPES } from "../dtype";
import { ArrayError, fmtShape } from "../errors";

/** Checks a dtype argument, naming the op on failure. */
export function checkDtype(op: string, dtype: unknown): Dtype {
  if (!isDtype(dtype)) throw new ArrayError(op, `unknown dtype ${JSON.stringify(dtype)} (expected one of ${DTYPES.join(", ")})`);
  return dtype;
}

/** A contiguous copy of `a` in `dtype` (always a new buffer). */
export function copyAs(a: NDArray, dtype: Dtype): NDArray {
  const out = NDArray.empty(a.shape, dtype, a.device);
  if (a.size > 0) backendFor(a.device).copy(a, out);
  return out;
}

/** `a` converted to `dtype` (floats round to nearest even; float to int truncates toward zero). */
export function astype(a: NDArray, dtype: Dtype): NDArray {
  checkDtype("astype", dtype);
  return a.dtype === dtype ? a : copyAs(a, dtype);
}

/** `a` itself when it is already row-major contiguous, else a contiguous copy. */
export function contiguous(a: NDArray): NDArray {
  return a.isContiguous ? a : copyAs(a, a.dtype);
}

/**
 * A contiguous copy of the elements: Float32Array for every float dtype, else the
 * matching integer array. CPU arrays only: a GPU array is read with `await a.data()`.
 */
export function toTypedArray(a: NDArray, op = "toTypedArray"): TypedArray {
  if (a.device !== "cpu") {
    throw new ArrayError(op, `the array (shape ${fmtShape(a.shape)}, ${a.dtype}) is on the ${a.device}, whose reads are asynchronous: use \`await a.data()\`, \`await a.itemAsync()\` or \`await a.toCpu()\``);
  }
  return hostElements(copyAs(a, isFloat(a.dtype) ? "float32" : a.dtype));
}

/**
 * The elements of contiguous CPU array `a` of float32, int32, uint32 (as those typed
 * arrays), uint8 or bool (as bytes), viewed in place from its first element.
 */
export function hostElements(a: NDArray): TypedArray {
  const buf = a.storage as ArrayBuffer;
  const at = a.offset * a.itemsize;
  switch (a.dtype) {
    case "float32": return new Float32Array(buf, at, a.size);
    case "int32": return new Int32Array(buf, at, a.size);
    case "uint32": return new Uint32Array(buf, at, a.size);
    default: return new Uint8Array(buf, at, a.size);
  }
}

type Nested = number | boolean | Nested[];

/** The elements as nested JavaScript arrays (a plain number or boolean for a 0-d array). */
export function toArray(a: NDArray): Nested {
  const flat = toTypedArray(a, "toArray");
  const isBool = a.dtype === "bool";
  let pos = 0;
  const build = (dim: number): Nested => {
    if (dim === a.ndim) {
      const v = flat[pos++];
      return isBool ? v !== 0 : v;
    }
    const out: Nested[] = [];
    for (let i = 0; i < a.shape[dim]; i++) out.push(build(dim + 1));
    return out;
  };
  return build(0);
}

/** The single element of a size-1 array. */
export function item(a: NDArray): number | boolean {
  if (a.size !== 1) throw new ArrayError("item", `only arrays of one element have an item, got shape ${fmtShape(a.shape)}`);
  const v = toTypedArray(a, "item")[0];
  return a.dtype === "bool" ? v !== 0 : v;
}
