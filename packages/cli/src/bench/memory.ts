// The plain memory-read bandwidth, the reference for memory-bound kernels (GEMV).
import * as mx from "@tiny-llm/array";

import { median } from "./stats";

/** Bytes per second reading a `bytes`-sized buffer (far larger than the caches) on all threads; median of `runs`. */
export function readBandwidth(bytes = 256 * 2 ** 20, runs = 7): number {
  const buf = new ArrayBuffer(bytes);
  new Uint8Array(buf).fill(1); // touch every page
  mx.readBandwidth(buf, 1);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(mx.readBandwidth(buf, 1));
  return bytes / median(times);
}
