// The one dispatch point: every op reaches its kernels through backendFor(device).
// A WebGPU backend is added by implementing Backend and registering it here;
// no op or caller changes.
import type { NDArray } from "../array";
import { ArrayError } from "../errors";
import type { KernelImpl } from "../extension";
import type { BinaryOp, ReduceOp, ScanOp, UnaryOp } from "./codes";
import { cpuBackend } from "./cpu";

/** Where an array's data lives. */
export type Device = "cpu" | "gpu";

/**
 * The kernels an array backend provides. Callers have already checked shapes and
 * dtypes, allocated `dst`, and broadcast operands to dst's shape (0 strides).
 */
export interface Backend {
  /** dst = src converted to dst.dtype; both have the same shape, any strides. */
  copy(src: NDArray, dst: NDArray): void;
  unary(op: UnaryOp, src: NDArray, dst: NDArray): void;
  binary(op: BinaryOp, computeFloat: boolean, a: NDArray, b: NDArray, dst: NDArray): void;
  where(cond: NDArray, a: NDArray, b: NDArray, dst: NDArray): void;
  /** Reduce `src` over `axes` (sorted) into contiguous `dst` of the remaining dims. */
  reduce(op: ReduceOp, src: NDArray, axes: number[], dst: NDArray): void;
  /** Row-wise kernels over contiguous `rows x n` src and dst. */
  softmax(src: NDArray, dst: NDArray, rows: number, n: number): void;
  /** RMS norm of the rows of contiguous `rows x n` src with weight (contiguous n) into dst; float32 math. */
  rmsNorm(src: NDArray, weight: NDArray, dst: NDArray, rows: number, n: number, eps: number): void;
  /**
   * Rotates src (B x L x H x D, unit stride along D, any other strides) by the angles
   * whose cos and sin are contiguous float32 L x D/2, into contiguous dst.
   */
  rope(src: NDArray, cos: NDArray, sin: NDArray, dst: NDArray, traditional: boolean): void;
  scan(op: ScanOp, reverse: boolean, src: NDArray, dst: NDArray, rows: number, n: number): void;
  argsort(src: NDArray, dst: NDArray, rows: number, n: number, descending: boolean): void;
  topkIndices(src: NDArray, dst: NDArray, rows: number, n: number, k: number): void;
  /** Gathers along the middle axis of contiguous `outer x axisLen x inner`; -1 or the position of a bad index. */
  take(src: NDArray, outer: number, axisLen: number, inner: number, idx: NDArray, dst: NDArray): number;
  takeAlongAxis(src: NDArray, outer: number, n: number, inner: number, idx: NDArray, m: number, dst: NDArray): number;
  /** dst (contiguous B x M x N) = A_b @ B_b, operands located by per-batch offsets and row/col strides. */
  matmul(a: MatmulOperand, b: MatmulOperand, dst: NDArray, M: number, N: number, K: number): void;
  /** Fills uint32 `dst` (contiguous) with threefry bits under `key`. */
  randomBits(key: [number, number], dst: NDArray): void;
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

/** The backend that runs ops on `device`. */
export function backendFor(device: Device): Backend {
  const b = backends[device];
  if (b === undefined) throw new ArrayError("backend", `no backend for device "${device}" (available: ${Object.keys(backends).join(", ")})`);
  return b;
}
