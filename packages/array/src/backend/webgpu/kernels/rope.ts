/// <reference types="@webgpu/types" />
// Rotary position embedding on the GPU.
import type { NDArray } from "../../../array";
import { ArrayError } from "../../../errors";
import type { GpuContext } from "../context";

/** Backend.rope. */
export function rope(_ctx: GpuContext, _src: NDArray, _cos: NDArray, _sin: NDArray, _dst: NDArray, _traditional: boolean): void {
  throw new ArrayError("rope", "has no GPU kernel yet");
}
