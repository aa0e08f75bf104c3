/// <reference types="@webgpu/types" />
// Gathers on the GPU: take and takeAlongAxis.
import type { NDArray } from "../../../array";
import { ArrayError } from "../../../errors";
import type { GpuContext } from "../context";

/** Backend.take. */
export function take(_ctx: GpuContext, _src: NDArray, _outer: number, _axisLen: number, _inner: number, _idx: NDArray, _dst: NDArray): number {
  throw new ArrayError("take", "has no GPU kernel yet");
}

/** Backend.takeAlongAxis. */
export function takeAlongAxis(_ctx: GpuContext, _src: NDArray, _outer: number, _n: number, _inner: number, _idx: NDArray, _m: number, _dst: NDArray): number {
  throw new ArrayError("takeAlongAxis", "has no GPU kernel yet");
}
