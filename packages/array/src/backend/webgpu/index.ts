// The WebGPU backend: arrays in GPU buffers, every op a WGSL kernel recorded into
// the GPU context's batch (context.ts). Registered for device "gpu" by initGpu.
import type { NDArray } from "../../array";
import { ArrayError } from "../../errors";
import type { KernelArray } from "../../extension";
import { dtypeCode } from "../../dtype";
import { isReleased } from "../../memory";
import { registerBackend, type Backend } from "../index";
import { buf, GpuStorage } from "./buffers";
import type { GpuContext } from "./context";
import { initContext, type GpuInitOptions } from "./init";
import * as ew from "./kernels/elementwise";
import * as gather from "./kernels/gather";
import * as lin from "./kernels/matmul";
import * as red from "./kernels/reduce";
import * as rope from "./kernels/rope";
import * as rows from "./kernels/rows";
import * as sort from "./kernels/sort";

/** The refusal every kernel gives a released operand, as the CPU backend's. */
function live(a: NDArray): NDArray {
  if (isReleased(a)) throw new ArrayError("kernel", "an operand was released (mx.tidy or mx.dispose) and can no longer be used; return it from tidy or mark it with mx.keep");
  return a;
}

const kernelArray = (a: NDArray): KernelArray => ({ data: live(a).storage, offset: a.offset, dtype: dtypeCode(a.dtype), shape: a.shape, strides: a.strides });

function gpuBackend(ctx: GpuContext): Backend {
  return {
    allocate: (bytes, zeroed) => ({ storage: ctx.allocate(bytes, zeroed), byteOffset: 0 }),
    release: (s) => ctx.pool.release(s as GpuStorage),
    upload: (s, off, bytes) => ctx.upload((s as GpuStorage).buffer, off, bytes),
    download: (a) => ctx.download(buf(live(a)), a.offset * a.itemsize, a.nbytes),
    copy: (src, dst) => ew.copy(ctx, live(src), live(dst)),
    unary: (op, src, dst) => ew.unary(ctx, op, live(src), live(dst)),
    binary: (op, computeFloat, a, b, dst) => ew.binary(ctx, op, computeFloat, live(a), live(b), live(dst)),
    where: (cond, a, b, dst) => ew.where(ctx, live(cond), live(a), live(b), live(dst)),
    reduce: (op, src, axes, dst) => red.reduce(ctx, op, live(src), axes, live(dst)),
    softmax: (src, dst, r, n) => rows.softmax(ctx, live(src), live(dst), r, n),
    rmsNorm: (src, weight, dst, r, n, eps, residual) =>
      rows.rmsNorm(ctx, live(src), live(weight), live(dst), r, n, eps, residual && { add: live(residual.add), sum: live(residual.sum) }),
    swiglu: (gate, up, dst) => ew.swiglu(ctx, live(gate), live(up), live(dst)),
    rope: (src, cos, sin, dst, traditional) => rope.rope(ctx, live(src), live(cos), live(sin), live(dst), traditional),
    scan: (op, reverse, src, dst, r, n) => rows.scan(ctx, op, reverse, live(src), live(dst), r, n),
    argsort: (src, dst, r, n, descending) => sort.argsort(ctx, live(src), live(dst), r, n, descending),
    topkIndices: (src, dst, r, n, k) => sort.topkIndices(ctx, live(src), live(dst), r, n, k),
    take: (src, outer, axisLen, inner, idx, dst) => gather.take(ctx, live(src), outer, axisLen, inner, live(idx), live(dst)),
    takeAlongAxis: (src, outer, n, inner, idx, m, dst) => gather.takeAlongAxis(ctx, live(src), outer, n, inner, live(idx), m, live(dst)),
    matmul: (a, b, dst, M, N, K) => lin.matmul(ctx, { ...a, array: live(a.array) }, { ...b, array: live(b.array) }, live(dst), M, N, K),
    customKernel: (impl, inputs, outputs, params) => impl(inputs.map(kernelArray), outputs.map(kernelArray), params),
  };
}

/** Sets up the GPU (once) and registers its backend; returns the context. */
export async function initGpu(opts?: GpuInitOptions): Promise<GpuContext> {
  const ctx = await initContext(opts);
  registerBackend("gpu", gpuBackend(ctx));
  return ctx;
}
