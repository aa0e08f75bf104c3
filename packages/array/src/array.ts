// NDArray: a strided view (shape, strides, offset) over one buffer, with every op
// also available as a method (a.matmul(b) is mx.matmul(a, b)).
import { backendFor, type Device, type Storage } from "./backend";
import { Dtype, itemsize, TypedArray } from "./dtype";
import { ArrayError, fmtShape } from "./errors";
import { contiguousStrides, shapeSize } from "./layout";
import * as conv from "./ops/convert";
import * as ew from "./ops/elementwise";
import * as idx from "./ops/indexing";
import * as lin from "./ops/linalg";
import * as red from "./ops/reduce";
import * as scan from "./ops/scan";
import * as shp from "./ops/shape";
import * as srt from "./ops/sort";
import { track } from "./memory";
import { formatArray } from "./print";
import * as dev from "./ops/device";

/** An operand: an array, or a JS number / boolean taken as a scalar of a fitting dtype. */
export type Scalar = number | boolean;
export type ArrayOrScalar = NDArray | Scalar;
type Axis = number | number[];

/** An N-d array: `shape` and `strides` (in elements) viewing `storage` from `offset`. */
export class NDArray {
  /** Elements of the shape, in row-major order. */
  readonly size: number;
  /** Set by mx.tidy / mx.dispose (memory.ts): a released array refuses every op. */
  released = false;

  constructor(
    /** The buffer this array views (shared by views of the same array), owned by its device's backend. */
    readonly storage: Storage,
    readonly shape: readonly number[],
    /** Distance in elements between neighbours along each axis. */
    readonly strides: readonly number[],
    /** Index (in elements) of the first element within `storage`. */
    readonly offset: number,
    readonly dtype: Dtype,
    readonly device: Device = "cpu",
  ) {
    this.size = shapeSize(shape);
    track(this);
  }

  /**
   * A new contiguous array whose elements are not initialised (numpy's empty): for
   * results that a kernel then writes in full, so that no time goes into zeroing
   * memory about to be overwritten. Use mx.zeros for zeros.
   */
  static empty(shape: readonly number[], dtype: Dtype, device: Device = "cpu"): NDArray {
    return NDArray.allocate(shape, dtype, device, false);
  }

  /** A new contiguous array, zero-filled when `zeroed`, else uninitialised. */
  static allocate(shape: readonly number[], dtype: Dtype, device: Device, zeroed: boolean): NDArray {
    const bytes = shapeSize(shape) * itemsize(dtype);
    const backend = backendFor(device);
    let at: { storage: Storage; byteOffset: number };
    try {
      at = backend.allocate(bytes, zeroed);
    } catch (e) {
      throw new ArrayError("alloc", `cannot allocate ${bytes} bytes on the ${device} for shape ${fmtShape(shape)} of ${dtype} (${(e as Error).message})`);
    }
    return new NDArray(at.storage, [...shape], contiguousStrides(shape), at.byteOffset / itemsize(dtype), dtype, device);
  }

  get ndim(): number { return this.shape.length; }
  get itemsize(): number { return itemsize(this.dtype); }
  get nbytes(): number { return this.size * this.itemsize; }

  /** True when the elements are laid out densely in row-major order. */
  get isContiguous(): boolean {
    const want = contiguousStrides(this.shape);
    return this.shape.every((d, i) => d <= 1 || this.strides[i] === want[i]);
  }

  // devices
  /** This array on `device`: itself when it is there, else a copy (to the CPU: use toCpu). */
  toDevice(device: Device): NDArray { return dev.toDevice(this, device); }
  /**
   * The raw little-endian bytes of a contiguous CPU array, as a view (writing them
   * writes the array): for file readers and writers. A GPU array: `await a.toCpu()` first.
   */
  hostBytes(): Uint8Array { return dev.hostBytes(this); }
  /** This array on the CPU, read back from its device (itself when it is on the CPU). */
  toCpu(): Promise<NDArray> { return dev.toCpu(this); }
  /** The elements, as toTypedArray gives them, read back from any device. */
  data(): Promise<TypedArray> { return dev.data(this); }
  /** The single element, as item gives it, read back from any device. */
  itemAsync(): Promise<number | boolean> { return dev.itemAsync(this); }
  /** The elements as nested arrays, as toArray gives them, read back from any device. */
  toArrayAsync(): Promise<unknown> { return dev.toArrayAsync(this); }

  // conversion
  astype(dtype: Dtype): NDArray { return conv.astype(this, dtype); }
  toTypedArray(): TypedArray { return conv.toTypedArray(this); }
  toArray(): unknown { return conv.toArray(this); }
  item(): number | boolean { return conv.item(this); }
  toString(): string { return formatArray(this); }
  [Symbol.for("nodejs.util.inspect.custom")](): string { return formatArray(this); }

  // elementwise
  add(b: ArrayOrScalar): NDArray { return ew.add(this, b); }
  subtract(b: ArrayOrScalar): NDArray { return ew.subtract(this, b); }
  multiply(b: ArrayOrScalar): NDArray { return ew.multiply(this, b); }
  divide(b: ArrayOrScalar): NDArray { return ew.divide(this, b); }
  power(b: ArrayOrScalar): NDArray { return ew.power(this, b); }
  maximum(b: ArrayOrScalar): NDArray { return ew.maximum(this, b); }
  minimum(b: ArrayOrScalar): NDArray { return ew.minimum(this, b); }
  floorDivide(b: ArrayOrScalar): NDArray { return ew.floorDivide(this, b); }
  remainder(b: ArrayOrScalar): NDArray { return ew.remainder(this, b); }
  equal(b: ArrayOrScalar): NDArray { return ew.equal(this, b); }
  notEqual(b: ArrayOrScalar): NDArray { return ew.notEqual(this, b); }
  less(b: ArrayOrScalar): NDArray { return ew.less(this, b); }
  lessEqual(b: ArrayOrScalar): NDArray { return ew.lessEqual(this, b); }
  greater(b: ArrayOrScalar): NDArray { return ew.greater(this, b); }
  greaterEqual(b: ArrayOrScalar): NDArray { return ew.greaterEqual(this, b); }
  logicalAnd(b: ArrayOrScalar): NDArray { return ew.logicalAnd(this, b); }
  logicalOr(b: ArrayOrScalar): NDArray { return ew.logicalOr(this, b); }
  logicalNot(): NDArray { return ew.logicalNot(this); }
  negative(): NDArray { return ew.negative(this); }
  abs(): NDArray { return ew.abs(this); }
  square(): NDArray { return ew.square(this); }
  sign(): NDArray { return ew.sign(this); }
  floor(): NDArray { return ew.floor(this); }
  ceil(): NDArray { return ew.ceil(this); }
  exp(): NDArray { return ew.exp(this); }
  log(): NDArray { return ew.log(this); }
  sqrt(): NDArray { return ew.sqrt(this); }
  rsqrt(): NDArray { return ew.rsqrt(this); }
  sin(): NDArray { return ew.sin(this); }
  cos(): NDArray { return ew.cos(this); }
  tanh(): NDArray { return ew.tanh(this); }
  sigmoid(): NDArray { return ew.sigmoid(this); }
  silu(): NDArray { return ew.silu(this); }
  reciprocal(): NDArray { return ew.reciprocal(this); }
  isnan(): NDArray { return ew.isnan(this); }

  // reductions
  sum(axis?: Axis, keepdims = false): NDArray { return red.sum(this, axis, keepdims); }
  mean(axis?: Axis, keepdims = false): NDArray { return red.mean(this, axis, keepdims); }
  prod(axis?: Axis, keepdims = false): NDArray { return red.prod(this, axis, keepdims); }
  max(axis?: Axis, keepdims = false): NDArray { return red.max(this, axis, keepdims); }
  min(axis?: Axis, keepdims = false): NDArray { return red.min(this, axis, keepdims); }
  logsumexp(axis?: Axis, keepdims = false): NDArray { return red.logsumexp(this, axis, keepdims); }
  any(axis?: Axis, keepdims = false): NDArray { return red.any(this, axis, keepdims); }
  all(axis?: Axis, keepdims = false): NDArray { return red.all(this, axis, keepdims); }
  argmax(axis?: number, keepdims = false): NDArray { return red.argmax(this, axis, keepdims); }
  argmin(axis?: number, keepdims = false): NDArray { return red.argmin(this, axis, keepdims); }
  softmax(axis: Axis = -1): NDArray { return scan.softmax(this, axis); }
  cumsum(axis?: number, reverse = false): NDArray { return scan.cumsum(this, axis, reverse); }
  cumprod(axis?: number, reverse = false): NDArray { return scan.cumprod(this, axis, reverse); }
  cummax(axis?: number, reverse = false): NDArray { return scan.cummax(this, axis, reverse); }
  cummin(axis?: number, reverse = false): NDArray { return scan.cummin(this, axis, reverse); }

  // linear algebra
  matmul(b: NDArray): NDArray { return lin.matmul(this, b); }

  // shape
  reshape(...shape: number[] | [readonly number[]]): NDArray {
    return shp.reshape(this, Array.isArray(shape[0]) ? shape[0] : (shape as number[]));
  }
  flatten(): NDArray { return shp.flatten(this); }
  transpose(...axes: number[] | [readonly number[]]): NDArray {
    if (axes.length === 0) return shp.transpose(this);
    return shp.transpose(this, Array.isArray(axes[0]) ? axes[0] : (axes as number[]));
  }
  /** The transpose (axes reversed). */
  get T(): NDArray { return shp.transpose(this); }
  swapaxes(a: number, b: number): NDArray { return shp.swapaxes(this, a, b); }
  moveaxis(src: number, dst: number): NDArray { return shp.moveaxis(this, src, dst); }
  expandDims(axis: Axis): NDArray { return shp.expandDims(this, axis); }
  squeeze(axis?: Axis): NDArray { return shp.squeeze(this, axis); }
  broadcastTo(shape: readonly number[]): NDArray { return shp.broadcastTo(this, shape); }
  split(sections: number | number[], axis = 0): NDArray[] { return shp.split(this, sections, axis); }
  triu(k = 0): NDArray { return shp.triu(this, k); }
  tril(k = 0): NDArray { return shp.tril(this, k); }

  // indexing and sorting
  /** numpy-style indexing: integers, "start:stop:step" strings, "..." and null (new axis). */
  slice(...specs: idx.SliceSpec[]): NDArray { return idx.slice(this, ...specs); }
  take(indices: NDArray | number[] | number, axis?: number): NDArray { return idx.take(this, indices, axis); }
  takeAlongAxis(indices: NDArray, axis: number): NDArray { return idx.takeAlongAxis(this, indices, axis); }
  sort(axis = -1): NDArray { return srt.sort(this, axis); }
  argsort(axis = -1): NDArray { return srt.argsort(this, axis); }
  topk(k: number, axis = -1): NDArray { return srt.topk(this, k, axis); }
}
