// The C++ core (packages/array/native/src), loaded once. This file is the contract
// between the TypeScript front end and the native kernels: every kernel takes plain
// buffers, element offsets, dtype codes and strides; every shape check, broadcast and
// dtype decision has already been made by the caller.
//
// Conventions for every function below:
// - `buf` is the ArrayBuffer an array views; `off` its first element (in elements,
//   not bytes); `dt` a DtypeCode; `strides` in elements, one per dimension of `shape`
//   (0 for a broadcast dimension).
// - Float dtypes (float32, float16, bfloat16) are computed in float32; integer and
//   bool dtypes in int64. Results are rounded to the destination dtype on store
//   (round to nearest even for float16 / bfloat16).
// - A destination without an offset (`dst: Out`) is written from its first byte: the
//   buffer itself, or a Uint8Array view of it from the array's first element.
// - Kernels run synchronously and split large work across the thread pool.
import * as path from "path";

import { addonFile } from "../addon-file";
import type { BinaryOp, DtypeCode, ReduceOp, ScanOp, UnaryOp } from "./codes";

/** A destination written from its first byte (see the conventions above). */
export type Out = ArrayBuffer | Uint8Array;

export interface NativeCore {
  /** Number of worker threads (TINY_LLM_NUM_THREADS, else one per core). */
  numThreads(): number;

  /** Bytes the idle worker threads have prefetched for what a decode step reads next (tiny-llm/next_weights.h). */
  idlePrefetchedBytes(): number;

  /** dst[i] = cast(src[i]) over `shape`: strided copy with dtype conversion. */
  copy(
    src: ArrayBuffer, srcOff: number, srcDt: DtypeCode, srcStrides: readonly number[],
    dst: ArrayBuffer, dstOff: number, dstDt: DtypeCode, dstStrides: readonly number[],
    shape: readonly number[],
  ): void;

  /** dst[i] = op(src[i]); computed in float32 when either dtype is a float, else int64. */
  unary(
    op: UnaryOp,
    src: ArrayBuffer, srcOff: number, srcDt: DtypeCode, srcStrides: readonly number[],
    dst: ArrayBuffer, dstOff: number, dstDt: DtypeCode, dstStrides: readonly number[],
    shape: readonly number[],
  ): void;

  /**
   * dst[i] = op(a[i], b[i]); `computeFloat` picks float32 (true) or int64 (false)
   * arithmetic. Comparisons and logical ops write 0/1 into `dstDt` (bool).
   */
  binary(
    op: BinaryOp, computeFloat: boolean,
    a: ArrayBuffer, aOff: number, aDt: DtypeCode, aStrides: readonly number[],
    b: ArrayBuffer, bOff: number, bDt: DtypeCode, bStrides: readonly number[],
    dst: ArrayBuffer, dstOff: number, dstDt: DtypeCode, dstStrides: readonly number[],
    shape: readonly number[],
  ): void;

  /** dst[i] = cond[i] != 0 ? a[i] : b[i]. */
  where(
    cond: ArrayBuffer, condOff: number, condDt: DtypeCode, condStrides: readonly number[],
    a: ArrayBuffer, aOff: number, aDt: DtypeCode, aStrides: readonly number[],
    b: ArrayBuffer, bOff: number, bDt: DtypeCode, bStrides: readonly number[],
    dst: ArrayBuffer, dstOff: number, dstDt: DtypeCode, dstStrides: readonly number[],
    shape: readonly number[],
  ): void;

  /**
   * For every index of `outerShape`, reduce the elements of `innerShape` into one
   * value, written contiguously (row-major over outerShape) into dst starting at
   * element 0. argmax/argmin write the flat row-major index within innerShape
   * (first occurrence) as int32. An empty inner set gives the op's identity
   * (sum 0, prod 1, max -inf, min +inf, logsumexp -inf, any false, all true);
   * mean of nothing is NaN.
   */
  reduce(
    op: ReduceOp,
    src: ArrayBuffer, srcOff: number, srcDt: DtypeCode,
    outerShape: number[], outerStrides: readonly number[],
    innerShape: number[], innerStrides: readonly number[],
    dst: Out, dstDt: DtypeCode,
  ): void;

  /** Softmax over rows of a contiguous `rows x n` block (max-subtracted, float32 math). */
  softmax(src: ArrayBuffer, srcOff: number, srcDt: DtypeCode, dst: Out, dstDt: DtypeCode, rows: number, n: number): void;

  /**
   * RMS norm over rows of a contiguous `rows x n` block, times `weight` (contiguous n); float32 math.
   * With `res` (src's dtype and layout), the rows normed are src + res, stored into `sum` first.
   */
  rmsNorm(src: ArrayBuffer, srcOff: number, srcDt: DtypeCode, weight: ArrayBuffer, weightOff: number, weightDt: DtypeCode, dst: Out, dstDt: DtypeCode, rows: number, n: number, eps: number, res?: ArrayBuffer, resOff?: number, sum?: ArrayBuffer, sumOff?: number): void;

  /**
   * Rotary embedding of src (B x L x H x D: element strides `strides` of B, L, H, unit along
   * D) by cos and sin (contiguous float32 L x D/2, from their offsets) into contiguous dst.
   */
  rope(
    src: ArrayBuffer, srcOff: number, srcDt: DtypeCode, strides: readonly number[],
    cos: ArrayBuffer, cosOff: number, sin: ArrayBuffer, sinOff: number,
    dst: Out, dstDt: DtypeCode, B: number, L: number, H: number, D: number, traditional: boolean,
  ): void;

  /** Inclusive scan over rows of a contiguous `rows x n` block; `reverse` scans from the end. */
  scan(op: ScanOp, reverse: boolean, src: ArrayBuffer, srcOff: number, srcDt: DtypeCode, dst: Out, dstDt: DtypeCode, rows: number, n: number): void;

  /**
   * Stable argsort of each row of a contiguous `rows x n` block into int32 `dst`
   * (`rows x n`). NaN sorts last (ascending) / first (descending), like numpy.
   */
  argsort(src: ArrayBuffer, srcOff: number, srcDt: DtypeCode, dst: Out, rows: number, n: number, descending: boolean): void;

  /** Indices of the k largest of each row (`rows x n` contiguous), largest first, into int32 `dst` (`rows x k`). */
  topkIndices(src: ArrayBuffer, srcOff: number, srcDt: DtypeCode, dst: Out, rows: number, n: number, k: number): void;

  /**
   * take along one axis: src is contiguous `outer x axisLen x inner`; idx holds
   * `nIdx` int32 indices (negative ones count from the end); dst is contiguous
   * `outer x nIdx x inner` of the same dtype. Returns -1 when all indices are in
   * range, else the position of the first bad index (nothing is written then).
   */
  take(src: ArrayBuffer, srcOff: number, dt: DtypeCode, outer: number, axisLen: number, inner: number, idx: ArrayBuffer, idxOff: number, nIdx: number, dst: Out): number;

  /**
   * take_along_axis: src contiguous `outer x n x inner`, idx int32 contiguous
   * `outer x m x inner`, dst contiguous `outer x m x inner`. Returns -1 or the
   * position of the first out-of-range index, as take does.
   */
  takeAlongAxis(src: ArrayBuffer, srcOff: number, dt: DtypeCode, outer: number, n: number, inner: number, idx: ArrayBuffer, idxOff: number, m: number, dst: Out): number;

  /**
   * Batched matmul: for each batch b, dst[b] (contiguous M x N, dtype dstDt) =
   * A_b (M x K) @ B_b (K x N), where A_b starts at element aOffsets[b] of `a` and
   * element (i, k) is at aOffsets[b] + i*aRowStride + k*aColStride (likewise B).
   * Float dtypes only; accumulates in float32. K = 0 gives zeros.
   */
  matmul(
    a: ArrayBuffer, aDt: DtypeCode, aOffsets: Float64Array, aRowStride: number, aColStride: number,
    b: ArrayBuffer, bDt: DtypeCode, bOffsets: Float64Array, bRowStride: number, bColStride: number,
    dst: Out, dstDt: DtypeCode, M: number, N: number, K: number,
  ): void;

  /**
   * Threefry-2x32 (20 rounds) bits under key (k0, k1): dst[i] (uint32) is x0 ^ x1 of
   * the block (high 32 bits of i, low 32 bits of i), so a prefix of the stream does not
   * depend on `count` (JAX's partitionable scheme).
   */
  randomBits(k0: number, k1: number, count: number, dst: Out): void;

  /** Reads all of `buf` `iters` times, split across all threads (a plain memory read, the benchmark reference); returns the seconds taken. */
  readBandwidth(buf: ArrayBuffer, iters: number): number;

  /** Asks for transparent huge pages behind a fresh buffer's 2 MiB-aligned part (Linux; elsewhere a no-op). */
  adviseHugePages(buf: ArrayBuffer): void;

  /** Bytes from `buf`'s start to its first `align`-byte boundary (align a power of two): a multiple of 16 (0 where malloc gave less than 16-byte alignment). */
  alignedOffset(buf: ArrayBuffer, align: number): number;

  /** Where `buf`'s memory starts, as a number (the custom kernels' packed layouts, backend/cpu.ts). */
  bufferAddress(buf: ArrayBuffer): number;

  /** The table of core services (thread pool, GEMM) that extensions call through: native/include/tiny-llm/core_api.h. */
  coreApi(): unknown;
}

function load(): NativeCore {
  const file = addonFile(path.join(__dirname, "..", "..", "native"), "tiny_llm_array");
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as NativeCore;
  } catch (e) {
    throw new Error(
      `@tiny-llm/array: the native core ${file} could not be loaded (${(e as Error).message}). ` +
        "Build it with `pnpm install` (needs a C++ compiler and python3 for node-gyp).",
    );
  }
}

/** The loaded native core. */
export const native: NativeCore = load();
