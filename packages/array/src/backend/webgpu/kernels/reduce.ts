/// <reference types="@webgpu/types" />
// Reductions on the GPU (sum, mean, prod, max, min, argmax, argmin, logsumexp, any, all).
import type { NDArray } from "../../../array";
import { ArrayError } from "../../../errors";
import type { ReduceOp } from "../../codes";
import type { GpuContext } from "../context";

/** Reduce `src` over `axes` (sorted) into contiguous `dst` of the remaining dims (Backend.reduce). */
export function reduce(_ctx: GpuContext, _op: ReduceOp, _src: NDArray, _axes: number[], _dst: NDArray): void {
  throw new ArrayError("reduce", "has no GPU kernel yet");
}
