// The one dispatch point: every op reaches its kernels through backendFor(device).
// The CPU backend is always there; the WebGPU backend registers itself when
// `await mx.gpu.init()` has found an adapter (webgpu/index.ts). No op or caller changes.
import type { NDArray } from "../array";
import { ArrayError } from "../errors";
import type { KernelImpl } from "../extension";
import type { BinaryOp, ReduceOp, ScanOp, UnaryOp } from "./codes";
import { cpuBackend } from "./cpu";

/** Where an array's data lives. */
export type Device = "cpu" | "gpu";

/**
 * An array's storage, owned by its device's backend: an ArrayBuffer on the CPU, a
 * backend's handle (a GPUBuffer and its size) elsewhere. Nothing above the backend
 * reads or writes its bytes.
 */
export type Storage = ArrayBuffer | DeviceStorage;

/** Storage that lives on a device other than the CPU. */
export interface DeviceStorage {
  readonly device: Device;
  /** Bytes the arrays on it may use. */
  readonly byteLength: number;
  /** Live arrays that view it, counted by mx.tidy / mx.dispose (memory.ts). */
  views: number;
}

/**
 * The kernels an array backend provides. Callers have already checked shapes and
 * dtypes, allocated `dst`, and broadcast operands to dst's shape (0 strides).
 */
export interface Backend {
  /**
   * New storage for an array of `bytes` bytes, zero-filled when `zeroed`, else
   * uninitialised; the array starts `byteOffset` bytes into it (a multiple of 16: the
   * CPU backend starts arrays on a cache line).
   */
  allocate(bytes: number, zeroed: boolean): { storage: Storage; byteOffset: number };
  /** Takes storage back that no live array views any more (mx.tidy, mx.dispose). */
  release(storage: Storage): void;
  /** Writes host `bytes` into `storage` from byte `byteOffset`. */
  upload(storage: Storage, byteOffset: number, bytes: Uint8Array): void;
  /** The bytes of contiguous `a` (a.nbytes from its first element), read back to the host. */
  download(a: NDArray): Promise<ArrayBuffer>;
  /** dst = src converted to dst.dtype; both have the same shape, any strides. */
  copy(src: NDArray, dst: NDArray): void;
  unary(op: UnaryOp, src: NDArray, dst: NDArray): void;
  binary(op: BinaryOp, computeFloat: boolean, a: NDArray, b: NDArray, dst: NDArray): void;
  where(cond: NDArray, a: NDArray, b: NDArray, dst: NDArray): void;
  /** Reduce `src` over `axes` (sorted) into contiguous `dst` of the remaining dims. */
  reduce(op: ReduceOp, src: NDArray, axes: number[], dst: NDArray): void;
  /** Row-wise kernels over contiguous `rows x n` src and dst. */
  softmax(src: NDArray, dst: NDArray, rows: number, n: number): void;
  /**
   * RMS norm of the rows of contiguous `rows x n` src with weight (contiguous n) into dst;
   * float32 math. With `residual`, the rows normed are src + residual.add (contiguous, src's
   * dtype), stored into residual.sum (contiguous, src's dtype) and normed as stored.
   */
  rmsNorm(src: NDArray, weight: NDArray, dst: NDArray, rows: number, n: number, eps: number, residual?: { add: NDArray; sum: NDArray }): void;
  /**
   * Rotates src (B x L x H x D, unit stride along D, any other strides) by the angles
   * whose cos and sin are contiguous float32 L x D/2, into contiguous dst.
   */
  rope(src: NDArray, cos: NDArray, sin: NDArray, dst: NDArray, traditional: boolean): void;
  /**
   * dst = silu(gate) * up (gate, up: dst's shape, any strides), silu's result rounded to
   * dst's dtype first. Optional: without it, fast.swiglu runs silu, then multiply.
   */
  swiglu?(gate: NDArray, up: NDArray, dst: NDArray): void;
  scan(op: ScanOp, reverse: boolean, src: NDArray, dst: NDArray, rows: number, n: number): void;
  argsort(src: NDArray, dst: NDArray, rows: number, n: number, descending: boolean): void;
  topkIndices(src: NDArray, dst: NDArray, rows: number, n: number, k: number): void;
  /**
   * Gathers along the middle axis of contiguous `outer x axisLen x inner`. Returns the
   * position of an out-of-range index, or -1: all in range, or (a device whose reads
   * are asynchronous) the check deferred, raised by the next read back.
   */
  take(src: NDArray, outer: number, axisLen: number, inner: number, idx: NDArray, dst: NDArray): number;
  takeAlongAxis(src: NDArray, outer: number, n: number, inner: number, idx: NDArray, m: number, dst: NDArray): number;
  /** dst (contiguous B x M x N) = A_b @ B_b, operands located by per-batch offsets and row/col strides. */
  matmul(a: MatmulOperand, b: MatmulOperand, dst: NDArray, M: number, N: number, K: number): void;
  /** Runs an extension's kernel on this device's arrays (see extension.ts). */
  customKernel<P>(impl: KernelImpl<P>, inputs: NDArray[], outputs: NDArray[], params: P): void;
}

/** One side of a batched matmul: its array and where each batch's matrix starts. */
export interface MatmulOperand {
  array: NDArray;
  offsets: Float64Array;
  rowStride: number;
  colStride: number;
}

const backends: Partial<Record<Device, Backend>> = { cpu: cpuBackend };
let defaultDev: Device = "cpu";

/** Makes `backend` the one that runs ops on `device` (the GPU's, once it is set up). */
export function registerBackend(device: Device, backend: Backend): void {
  backends[device] = backend;
}

/** The backend that runs ops on `device`. */
export function backendFor(device: Device): Backend {
  const b = backends[device];
  if (b === undefined) {
    const hint = device === "gpu" ? "; call `await mx.gpu.init()` first" : "";
    throw new ArrayError("backend", `no backend for device "${device}" (available: ${Object.keys(backends).join(", ")})${hint}`);
  }
  return b;
}

/** The device that creation ops (mx.array, mx.zeros, mx.arange ...) put new arrays on. */
export function defaultDevice(): Device {
  return defaultDev;
}

/** Sets the device that creation ops use from now on, as MLX's set_default_device. */
export function setDefaultDevice(device: Device): void {
  backendFor(device);
  defaultDev = device;
}
