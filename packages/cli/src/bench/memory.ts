// The plain memory-read bandwidth, the reference for memory-bound kernels (GEMV).
import { median } from "./stats";

interface ReadBandwidthCore {
  readBandwidth(buf: ArrayBuffer, iters: number): number;
}

function core(): ReadBandwidthCore {
  // The native core's benchmark hook (not part of the public array API).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("@tiny-llm/array/dist/backend/native").native as ReadBandwidthCore;
}

/** Bytes per second reading a `bytes`-sized buffer (far larger than the caches) on all threads; median of `runs`. */
export function readBandwidth(bytes = 256 * 2 ** 20, runs = 7): number {
  const buf = new ArrayBuffer(bytes);
  new Uint8Array(buf).fill(1); // touch every page
  const c = core();
  c.readBandwidth(buf, 1);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(c.readBandwidth(buf, 1));
  return bytes / median(times);
}
