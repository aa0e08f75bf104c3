/// <reference types="@webgpu/types" />
// Batched matrix multiplication on the GPU: dst (contiguous B x M x N) = A_b @ B_b,
// each operand read through its per-batch offsets and row/col strides, so transposed
// and broadcast views need no copy. Small M (decode) streams B through a GEMV
// (matmul-gemv.ts); the rest goes to a tiled GEMM (matmul-gemm.ts). Both accumulate
// in f32 whatever the operands' float dtypes.
import type { NDArray } from "../../../array";
import { isFloat } from "../../../dtype";
import { ArrayError, fmtShape } from "../../../errors";
import type { MatmulOperand } from "../../index";
import { buf } from "../buffers";
import { PARAMS_MAX_BYTES, type GpuContext } from "../context";
import { gemm } from "./matmul-gemm";
import { GEMV_COLUMNS_MIN, GEMV_MAX_M, gemv } from "./matmul-gemv";
import { MATMUL_HEAD, type MatmulLaunch } from "./matmul-launch";

/** Backend.matmul. */
export function matmul(ctx: GpuContext, a: MatmulOperand, b: MatmulOperand, dst: NDArray, M: number, N: number, K: number): void {
  for (const x of [a.array, b.array, dst]) {
    if (!isFloat(x.dtype)) throw new ArrayError("matmul", `the GPU kernel takes float dtypes only, got ${x.dtype} ${fmtShape(x.shape)}`);
  }
  const batches = Math.min(a.offsets.length, b.offsets.length);
  const perLaunch = Math.floor((PARAMS_MAX_BYTES / 4 - MATMUL_HEAD) / 2);
  const buffers = [a.array, b.array, dst].map(buf);
  for (let b0 = 0; b0 < batches; b0 += perLaunch) {
    const count = Math.min(perLaunch, batches - b0);
    // Strides may be negative or 0: u32 arithmetic wraps to the same element index.
    const params = new Uint32Array(MATMUL_HEAD + 2 * count);
    params.set([M, N, K, count, a.rowStride, a.colStride, b.rowStride, b.colStride, dst.offset + b0 * M * N].map((v) => v >>> 0));
    params.set(a.offsets.subarray(b0, b0 + count), MATMUL_HEAD);
    params.set(b.offsets.subarray(b0, b0 + count), MATMUL_HEAD + count);
    const launch: MatmulLaunch = { ctx, a, b, dst, M, N, K, buffers, params, count };
    if (M <= GEMV_MAX_M && Math.ceil(N / GEMV_COLUMNS_MIN) <= ctx.limits.workgroupsPerDimension) gemv(launch);
    else gemm(launch);
  }
}
