// The plain memory read, the reference for memory-bound kernels (GEMV).
import * as mx from "@tiny-llm/array";

import { median } from "./stats";

/**
 * A plain read of `bytes` bytes on all threads, as a function to time: the reference
 * for a kernel that reads that many bytes of weights. Timing it alternately with the
 * kernel (stats.compare) lets both see the same machine; a buffer that fits in the
 * caches is read from the caches, as weights of that size are.
 */
export function plainRead(bytes: number): () => void {
  const buf = new ArrayBuffer(bytes);
  new Uint8Array(buf).fill(1); // touch every page
  return () => void mx.readBandwidth(buf, 1);
}

/**
 * A meter of the plain read: each call, the bytes per second reading a `bytes`-sized
 * buffer (far larger than the caches) on all threads, median of `runs`. On a machine
 * whose bandwidth moves from minute to minute (a neighbour on the memory), a read taken
 * between a kernel's timings is the one to compare it with.
 */
export function readMeter(bytes = 256 * 2 ** 20, runs = 7): () => number {
  const buf = new ArrayBuffer(bytes);
  new Uint8Array(buf).fill(1);
  mx.readBandwidth(buf, 1);
  return () => bytes / median(Array.from({ length: runs }, () => mx.readBandwidth(buf, 1)));
}

/** Bytes per second of one plain read (readMeter), measured now. */
export const readBandwidth = (bytes?: number, runs?: number): number => readMeter(bytes, runs)();
