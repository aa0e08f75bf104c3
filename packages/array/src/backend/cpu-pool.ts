// The CPU's pool of released buffers (see memory.ts for why it exists): a buffer no
// live array views any more waits here, and the next allocation of the same size
// takes it instead of asking V8 for a new one.

/**
 * The byte length of the buffer that serves a request for `bytes`: below 4 KiB exactly
 * that, above it rounded up to one of 8 sizes per power of two (at most 1/8 more). A size
 * that creeps up from call to call, such as a batch's attention mask one key longer
 * every decode step, then finds a pooled buffer of its size again; at exact sizes each
 * step asked V8 for new buffers and left the old ones in the pool, and V8, counting them
 * as external memory, ran a full collection every step (Qwen2-0.5B, 8 rows: 79
 * mark-compacts in 98 steps).
 */
export function pooledSize(bytes: number): number {
  if (bytes <= 4096) return bytes;
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 3);
  return Math.ceil(bytes / step) * step;
}

/** Free buffers by byte length, and their total (bounded: the pool never hoards memory). */
const pool = new Map<number, ArrayBuffer[]>();
const POOL_MAX_BYTES = 512 << 20;
let pooledBytes = 0;

/** A pooled buffer of exactly `bytes` bytes (contents undefined), or undefined. */
export function takePooled(bytes: number): ArrayBuffer | undefined {
  const buf = pool.get(bytes)?.pop();
  if (buf !== undefined) pooledBytes -= bytes;
  return buf;
}

/** Keeps `buf` for reuse unless the pool is full. */
export function givePooled(buf: ArrayBuffer): void {
  const bytes = buf.byteLength;
  if (bytes === 0 || pooledBytes + bytes > POOL_MAX_BYTES) return;
  const free = pool.get(bytes) ?? [];
  free.push(buf);
  pool.set(bytes, free);
  pooledBytes += bytes;
}
