// @tiny-llm/array: the course's "MLX". `import * as mx from "@tiny-llm/array"`.
import { NDArray } from "./array";
import { native } from "./backend/native";

export { NDArray } from "./array";
export type { ArrayOrScalar, Scalar } from "./array";
export type { Device, Backend, Storage, DeviceStorage } from "./backend";
export { defaultDevice, setDefaultDevice } from "./backend";
export * as gpu from "./gpu";
export * from "./dtype";
export { ArrayError } from "./errors";
export { array, arange, fromBuffer, fromTypedArray, full, ones, onesLike, zeros, zerosLike } from "./ops/creation";
export { astype, contiguous } from "./ops/convert";
export { assign } from "./ops/assign";
export * from "./ops/elementwise";
export * from "./ops/reduce";
export { softmax, cumsum, cumprod, cummax, cummin } from "./ops/scan";
export { matmul } from "./ops/linalg";
export * as fast from "./ops/fast";
export { allclose } from "./ops/allclose";
export {
  reshape, flatten, transpose, swapaxes, moveaxis, expandDims, squeeze, broadcastTo,
  concatenate, stack, split, triu, tril,
} from "./ops/shape";
export { slice, take, takeAlongAxis } from "./ops/indexing";
export type { SliceSpec } from "./ops/indexing";
export { sort, argsort, topk } from "./ops/sort";
export * as random from "./random";
export { DtypeCode, UnaryOp, BinaryOp, ReduceOp, ScanOp } from "./backend/codes";
export { runKernel, loadNativeExtension } from "./extension";
export { tidy, keep, dispose } from "./memory";
export { addonFile } from "./addon-file";
export type { CustomKernel, KernelArray, KernelImpl, OutputSpec } from "./extension";

/** `mx.array` is also the type of arrays, as in MLX (`x: mx.array`). */
export type array = NDArray;

/** Threads the native core uses (TINY_LLM_NUM_THREADS, else one per core). */
export function numThreads(): number {
  return native.numThreads();
}

/**
 * Bytes the native core's worker threads have pulled into their caches, while idle,
 * ahead of the weights that a decode step's next product reads (tiny-llm/next_weights.h):
 * the step's serial work between two products runs on the calling thread alone, and the
 * memory would otherwise sit idle then. Grows during decoding with two threads or more.
 */
export function idlePrefetchedBytes(): number {
  return native.idlePrefetchedBytes();
}

/**
 * Reads all of `buf` `iters` times on all threads and returns the seconds taken: the
 * plain memory read that `pnpm bench` measures memory-bound kernels against (on Intel's
 * CPUs with prefetches into L2 8 KiB ahead, which they need to reach their bandwidth).
 */
export function readBandwidth(buf: ArrayBuffer, iters = 1): number {
  return native.readBandwidth(buf, iters);
}
