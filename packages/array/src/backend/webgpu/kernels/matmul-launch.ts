/// <reference types="@webgpu/types" />
// What the matmul kernels (matmul-gemm.ts, matmul-gemv.ts) share: one launch's
// operands and parameters, and the WGSL that locates an operand's elements.
import type { NDArray } from "../../../array";
import type { MatmulOperand } from "../../index";
import type { GpuContext } from "../context";

/** u32 words of the parameters' header; the per-batch offsets of A, then of B, follow. */
export const MATMUL_HEAD = 12;

/** One launch of a batched product: `count` batches, whose offsets `params` holds. */
export interface MatmulLaunch {
  ctx: GpuContext;
  a: MatmulOperand;
  b: MatmulOperand;
  dst: NDArray;
  M: number;
  N: number;
  K: number;
  buffers: GPUBuffer[];
  params: Uint32Array;
  count: number;
}

/**
 * WGSL of the parameters binding and their accessors:
 * P = [M, N, K, batches, A row/col stride, B row/col stride, dst offset, pad x 3, A offsets, B offsets].
 */
export const MATMUL_PARAMS = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>;
fn a_at(b: u32, m: u32, k: u32) -> u32 { return P[${MATMUL_HEAD}u + b] + m * P[4] + k * P[5]; }
fn b_at(b: u32, k: u32, n: u32) -> u32 { return P[${MATMUL_HEAD}u + P[3] + b] + k * P[6] + n * P[7]; }
`;
