// The CPU's pool of released buffers (see memory.ts for why it exists): a buffer no
// live array views any more waits here, and the next allocation of the same size
// takes it instead of asking V8 for a new one.

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
