// Making arrays: from JavaScript data, filled with a value, ranges.
import { NDArray } from "../array";
import { backendFor, defaultDevice, type Device } from "../backend";
import { Dtype, isFloat, itemsize, typedArrayDtype } from "../dtype";
import { ArrayError, fmtShape } from "../errors";
import { checkShape, contiguousStrides, shapeSize } from "../layout";
import { checkDtype, copyAs, hostElements } from "./convert";
import { toDevice } from "./device";

type Nested = number | boolean | readonly Nested[];
type InputTypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array | Int16Array | Uint16Array | Int8Array;

function isTypedArray(x: unknown): x is InputTypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/** The shape of nested arrays, or an error when they are ragged or hold non-numbers. */
function nestedShape(data: Nested): number[] {
  const shape: number[] = [];
  let x: Nested = data;
  while (Array.isArray(x)) {
    shape.push(x.length);
    if (x.length === 0) break;
    x = x[0];
  }
  return shape;
}

function flatten(op: string, data: Nested, shape: number[]): (number | boolean)[] {
  const out: (number | boolean)[] = [];
  const walk = (x: Nested, dim: number, path: string) => {
    if (dim === shape.length) {
      if (typeof x !== "number" && typeof x !== "boolean") {
        throw new ArrayError(op, `element ${path || "[]"} is ${Array.isArray(x) ? "an array" : JSON.stringify(x)}, expected a number or boolean (ragged nesting? shape so far ${fmtShape(shape)})`);
      }
      out.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) {
      throw new ArrayError(op, `ragged nested arrays: element ${path || "[]"} has ${Array.isArray(x) ? `length ${x.length}` : "no length"}, expected length ${shape[dim]} (shape ${fmtShape(shape)})`);
    }
    x.forEach((v, i) => walk(v, dim + 1, `${path}[${i}]`));
  };
  walk(data, 0, "");
  return out;
}

/**
 * A new contiguous array of `shape` and `dtype` on `device` whose elements `fill` writes
 * into a host view, converting as assignment converts (floats via float32, then
 * rounded): staged on the CPU, then uploaded.
 */
function fromFill(shape: number[], dtype: Dtype, device: Device, fill: (view: ReturnType<typeof hostElements>) => void): NDArray {
  const stage: Dtype = isFloat(dtype) ? "float32" : dtype;
  const out = NDArray.empty(shape, stage, "cpu");
  fill(hostElements(out));
  return toDevice(stage === dtype ? out : copyAs(out, dtype), device);
}

/** JS values (or a typed array's) written into a new array: fromFill with a copy. */
function fromValues(values: ArrayLike<number | boolean>, shape: number[], dtype: Dtype, device: Device = defaultDevice()): NDArray {
  const isBool = dtype === "bool";
  return fromFill(shape, dtype, device, (view) => {
    // A typed array's elements convert as assignment converts them, in one native copy.
    if (!isBool && isTypedArray(values)) {
      view.set(values);
    } else {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        view[i] = isBool ? (v ? 1 : 0) : Number(v);
      }
    }
  });
}

/**
 * An array from a number, a boolean, nested arrays of them, or a typed array (1-D),
 * on the default device (mx.setDefaultDevice). The default dtype is bool for
 * booleans, float32 for numbers, and the typed array's own kind otherwise.
 */
export function array(data: Nested | InputTypedArray | NDArray, dtype?: Dtype): NDArray {
  if (dtype !== undefined) checkDtype("array", dtype);
  if (data instanceof NDArray) return copyAs(data, dtype ?? data.dtype);
  if (isTypedArray(data)) return fromValues(data, [data.length], dtype ?? typedArrayDtype(data));
  if (typeof data !== "number" && typeof data !== "boolean" && !Array.isArray(data)) {
    throw new ArrayError("array", `cannot make an array from ${typeof data} ${JSON.stringify(data)}; expected a number, boolean, nested arrays or a typed array`);
  }
  const shape = nestedShape(data as Nested);
  const values = flatten("array", data as Nested, shape);
  const inferred: Dtype = values.length > 0 && values.every((v) => typeof v === "boolean") ? "bool" : "float32";
  return fromValues(values, shape, dtype ?? inferred);
}

/** An array of `shape` over the elements of a typed array (copied), in `dtype`, on `device` (the default device when omitted). */
export function fromTypedArray(data: InputTypedArray, shape: number[], dtype?: Dtype, device?: Device): NDArray {
  checkShape("fromTypedArray", shape);
  if (shapeSize(shape) !== data.length) {
    throw new ArrayError("fromTypedArray", `${data.length} elements do not fill shape ${fmtShape(shape)} (${shapeSize(shape)} elements)`);
  }
  return fromValues(data, shape, dtype === undefined ? typedArrayDtype(data) : checkDtype("fromTypedArray", dtype), device);
}

/**
 * Views raw little-endian bytes (e.g. a safetensors tensor) as a CPU array without
 * copying; `byteOffset` must be a multiple of the dtype's size.
 */
export function fromBuffer(buffer: ArrayBuffer, dtype: Dtype, shape: number[], byteOffset = 0): NDArray {
  checkDtype("fromBuffer", dtype);
  checkShape("fromBuffer", shape);
  const size = itemsize(dtype);
  const bytes = shapeSize(shape) * size;
  if (byteOffset % size !== 0) throw new ArrayError("fromBuffer", `byte offset ${byteOffset} is not a multiple of ${size} (the size of ${dtype})`);
  if (byteOffset < 0 || byteOffset + bytes > buffer.byteLength) {
    throw new ArrayError("fromBuffer", `shape ${fmtShape(shape)} of ${dtype} needs ${bytes} bytes from offset ${byteOffset}, but the buffer has ${buffer.byteLength}`);
  }
  return new NDArray(buffer, shape, contiguousStrides(shape), byteOffset / size, dtype, "cpu");
}

/** An array of `shape` with every element `value`, on `device` (the default device when omitted). */
export function full(shape: number[], value: number | boolean, dtype?: Dtype, device?: Device): NDArray {
  return filled("full", shape, value, dtype, device);
}

function filled(op: string, shape: number[], value: number | boolean, dtype?: Dtype, device: Device = defaultDevice()): NDArray {
  checkShape(op, shape);
  if (typeof value !== "number" && typeof value !== "boolean") throw new ArrayError(op, `fill value must be a number or boolean, got ${JSON.stringify(value)}`);
  const dt = dtype === undefined ? (typeof value === "boolean" ? "bool" : "float32") : checkDtype(op, dtype);
  const one = fromValues([value], [], dt, device);
  if (shape.length === 0) return one;
  const out = NDArray.empty(shape, dt, device);
  // The one value, broadcast (stride 0) over the whole output.
  const src = new NDArray(one.storage, out.shape, out.shape.map(() => 0), 0, dt, device);
  if (out.size > 0) backendFor(device).copy(src, out);
  return out;
}

export function zeros(shape: number[], dtype: Dtype = "float32", device: Device = defaultDevice()): NDArray {
  checkShape("zeros", shape);
  return NDArray.allocate(shape, checkDtype("zeros", dtype), device, true);
}

export function ones(shape: number[], dtype: Dtype = "float32", device?: Device): NDArray {
  return filled("ones", shape, 1, dtype, device);
}

/** Zeros of a's shape and dtype, on a's device. */
export function zerosLike(a: NDArray): NDArray {
  return zeros([...a.shape], a.dtype, a.device);
}

/** Ones of a's shape and dtype, on a's device. */
export function onesLike(a: NDArray): NDArray {
  return ones([...a.shape], a.dtype, a.device);
}

/**
 * Evenly spaced values in [start, stop): arange(stop) or arange(start, stop, step).
 * int32 when every argument is an integer, else float32.
 */
export function arange(start: number, stop?: number, step = 1, dtype?: Dtype, device?: Device): NDArray {
  if (stop === undefined) [start, stop] = [0, start];
  for (const [name, v] of [["start", start], ["stop", stop], ["step", step]] as const) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new ArrayError("arange", `${name} must be a finite number, got ${String(v)}`);
  }
  if (step === 0) throw new ArrayError("arange", "step must not be 0");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const allInt = [start, stop, step].every(Number.isInteger);
  const dt = dtype === undefined ? (allInt ? "int32" : "float32") : checkDtype("arange", dtype);
  const isBool = dt === "bool";
  // Written straight into the array, not through a float64 staging copy: greedy's
  // one-hot rows take an arange of the vocabulary every token (152K: 0.45 -> 0.37 ms).
  return fromFill([n], dt, device ?? defaultDevice(), (view) => {
    for (let i = 0; i < n; i++) {
      const v = start + i * step;
      view[i] = isBool ? +(v !== 0) : v;
    }
  });
}
