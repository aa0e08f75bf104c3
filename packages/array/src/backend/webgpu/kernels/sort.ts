/// <reference types="@webgpu/types" />
// Sorting on the GPU: argsort and top-k indices of rows.
import type { NDArray } from "../../../array";
import { ArrayError } from "../../../errors";
import type { GpuContext } from "../context";

/** Backend.argsort. */
export function argsort(_ctx: GpuContext, _src: NDArray, _dst: NDArray, _rows: number, _n: number, _descending: boolean): void {
  throw new ArrayError("argsort", "has no GPU kernel yet");
}

/** Backend.topkIndices. */
export function topkIndices(_ctx: GpuContext, _src: NDArray, _dst: NDArray, _rows: number, _n: number, _k: number): void {
  throw new ArrayError("topk", "has no GPU kernel yet");
}
