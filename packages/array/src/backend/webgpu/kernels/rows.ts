/// <reference types="@webgpu/types" />
// Row kernels on the GPU: softmax, RMS norm and scans over contiguous rows x n.
import type { NDArray } from "../../../array";
import { ArrayError } from "../../../errors";
import type { ScanOp } from "../../codes";
import type { GpuContext } from "../context";

/** Backend.softmax. */
export function softmax(_ctx: GpuContext, _src: NDArray, _dst: NDArray, _rows: number, _n: number): void {
  throw new ArrayError("softmax", "has no GPU kernel yet");
}

/** Backend.rmsNorm. */
export function rmsNorm(_ctx: GpuContext, _src: NDArray, _weight: NDArray, _dst: NDArray, _rows: number, _n: number, _eps: number): void {
  throw new ArrayError("rmsNorm", "has no GPU kernel yet");
}

/** Backend.scan. */
export function scan(_ctx: GpuContext, _op: ScanOp, _reverse: boolean, _src: NDArray, _dst: NDArray, _rows: number, _n: number): void {
  throw new ArrayError("scan", "has no GPU kernel yet");
}
