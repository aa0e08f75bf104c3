/// <reference types="@webgpu/types" />
// Sorting on the GPU: argsort and top-k indices of the rows of a contiguous rows x n
// block, in the CPU's order (sort.cc): stable, NaN last ascending and first
// descending, top-k largest first.
//
// A row of up to SEGMENT elements is sorted by one workgroup in workgroup memory.
// A longer row is padded to a power of 2 and sorted by a global bitonic sort: its
// segments sorted in alternating directions, then each larger stage's long-distance
// steps done in global memory (ping-ponging between two pair buffers) and its last
// steps in workgroup memory. Top-k with a small k (sampling: k ~ 50 over a vocabulary
// of 151936) never sorts the whole row: every segment keeps its k best, and rounds
// repeat on the survivors until one segment holds them all.
import type { NDArray } from "../../../array";
import type { GpuContext } from "../context";
import { globalStep, SEGMENT, SegmentInput, SegmentOutput, sortSegments } from "./sort-bitonic";

const pow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(n, 2)));

/** Pair buffers (8 bytes a pair) for the duration of `fn`; recorded work may still use them after (the pool's order makes that safe). */
function withPairs(ctx: GpuContext, pairs: number, count: number, fn: (bufs: GPUBuffer[]) => void): void {
  const storage = Array.from({ length: count }, () => ctx.allocate(pairs * 8, false));
  fn(storage.map((s) => s.buffer));
  storage.forEach((s) => ctx.pool.release(s));
}

/** Writes the indices of the first `outLen` elements of each sorted row of src into dst (rows x outLen). */
function sortRows(ctx: GpuContext, src: NDArray, dst: NDArray, rows: number, n: number, descending: boolean, outLen: number): void {
  const input: SegmentInput = { src, descending };
  const out: SegmentOutput = { dst };
  if (n <= SEGMENT) {
    const seg = pow2(n);
    sortSegments(ctx, input, out, { rows, inLen: n, inStride: n, seg, segments: 1, stage: 0, global: false, keep: outLen, outLen, outStride: outLen });
    return;
  }
  const len = pow2(n), segments = len / SEGMENT;
  const part = { rows, seg: SEGMENT, segments, global: true, keep: SEGMENT };
  withPairs(ctx, rows * len, 2, ([x, y]) => {
    sortSegments(ctx, input, { pairs: x }, { ...part, inLen: n, inStride: n, stage: 0, outLen: len, outStride: len });
    let [from, to] = [x, y];
    for (let k = 2 * SEGMENT; k <= len; k *= 2) {
      for (let j = k / 2; j >= SEGMENT; j /= 2) {
        globalStep(ctx, from, to, rows, len, k, j);
        [from, to] = [to, from];
      }
      const last = k === len;
      sortSegments(ctx, { pairs: from, offset: 0 }, last ? out : { pairs: to }, { ...part, inLen: len, inStride: len, stage: k, outLen: last ? outLen : len, outStride: last ? outLen : len });
      [from, to] = [to, from];
    }
  });
}

/** Backend.argsort. */
export function argsort(ctx: GpuContext, src: NDArray, dst: NDArray, rows: number, n: number, descending: boolean): void {
  sortRows(ctx, src, dst, rows, n, descending, n);
}

/** Backend.topkIndices: dst (rows x k) = the indices of each row's k largest, largest first; -1 past n. */
export function topkIndices(ctx: GpuContext, src: NDArray, dst: NDArray, rows: number, n: number, k: number): void {
  if (n <= SEGMENT || 2 * k > SEGMENT) {
    sortRows(ctx, src, dst, rows, n, true, k);
    return;
  }
  // Round r keeps k of every segment of `len` candidates: len shrinks by SEGMENT / k each round.
  const segmentsOf = (len: number) => Math.ceil(len / SEGMENT);
  let input: SegmentInput = { src, descending: true };
  let len = n;
  withPairs(ctx, rows * segmentsOf(n) * k, 2, ([x, y]) => {
    let to = x;
    while (len > SEGMENT) {
      const segments = segmentsOf(len), outLen = segments * k;
      sortSegments(ctx, input, { pairs: to }, { rows, inLen: len, inStride: len, seg: SEGMENT, segments, stage: 0, global: false, keep: k, outLen, outStride: outLen });
      input = { pairs: to, offset: 0 };
      to = to === x ? y : x;
      len = outLen;
    }
    sortSegments(ctx, input, { dst }, { rows, inLen: len, inStride: len, seg: pow2(len), segments: 1, stage: 0, global: false, keep: k, outLen: k, outStride: k });
  });
}
