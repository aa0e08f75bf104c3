/// <reference types="@webgpu/types" />
// Batched matrix multiplication on the GPU.
import type { NDArray } from "../../../array";
import { ArrayError } from "../../../errors";
import type { MatmulOperand } from "../../index";
import type { GpuContext } from "../context";

/** Backend.matmul. */
export function matmul(_ctx: GpuContext, _a: MatmulOperand, _b: MatmulOperand, _dst: NDArray, _M: number, _N: number, _K: number): void {
  throw new ArrayError("matmul", "has no GPU kernel yet");
}
