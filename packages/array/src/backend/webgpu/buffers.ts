/// <reference types="@webgpu/types" />
// GPU storage and its pool. WebGPU buffers are slow to create, so a buffer no array
// views any more (released by mx.tidy / mx.dispose) goes back to a pool keyed by size,
// and the next allocation of that size reuses it. Storage never released is freed
// with its GPUBuffer object by the garbage collector. Reuse is safe without waiting
// for the GPU: work is recorded and run in order, so a kernel recorded later that
// writes the reused buffer runs after every earlier kernel that read it.
//
// Of the free buffers of a size, the oldest is taken first. A decode step allocates
// the same sizes in the same order every time, so this gives each of its arrays the
// same buffer every step, and each of its kernels the bind group it had the step
// before (kernel-cache.ts); taking the last one freed instead shuffled the buffers
// from step to step, and about 40% of a step's launches made a new bind group.
import type { DeviceStorage } from "../index";

/** Sizes are rounded up to whole words (WGSL reads storage as array<u32>). */
export const roundedSize = (bytes: number) => Math.max(4, Math.ceil(bytes / 4) * 4);

/** Buffers are whole vec4s, so that a kernel may read any of them 16 bytes a load (array<vec4<u32>>). */
const bufferSize = (bytes: number) => Math.max(16, Math.ceil(bytes / 16) * 16);

/** A buffer made by the pool, with what the pool keeps about it (read from JS, not from WebGPU's getters, which cross into Dawn). */
interface Pooled {
  buffer: GPUBuffer;
  size: number;
  /** Creation order. */
  age: number;
  /** Graphs keeping this buffer (pin), and whether its arrays were released meanwhile (then it rejoins the pool at the last unpin). */
  pins: number;
  held: boolean;
}

/** An array's storage on the GPU: a GPUBuffer of at least `byteLength` bytes. */
export class GpuStorage implements DeviceStorage {
  readonly device = "gpu" as const;
  views = 0;
  readonly buffer: GPUBuffer;

  constructor(readonly pooled: Pooled, readonly byteLength: number) {
    this.buffer = pooled.buffer;
  }
}

const POOL_MAX_BYTES = 2 ** 31;

/** Free GPU buffers by size, each list newest first (the oldest is popped). */
export class BufferPool {
  private free = new Map<number, Pooled[]>();
  private pooledBytes = 0;
  private made = 0;
  /** Buffers made larger than a kernel may bind (`bindMax`), which dispatch refuses. */
  private unbindable = new WeakSet<GPUBuffer>();
  private unbindableMade = 0;
  /** Every buffer the pool made, by its GPUBuffer (for pin). */
  private byBuffer = new WeakMap<GPUBuffer, Pooled>();

  constructor(private device: GPUDevice, private usage: number, private bindMax: number) {}

  /** Storage of `bytes` bytes: a pooled buffer unless `zeroed` (a new WebGPU buffer is all zeros). */
  take(bytes: number, zeroed: boolean): GpuStorage {
    const size = bufferSize(bytes);
    let entry = zeroed ? undefined : this.free.get(size)?.pop();
    if (entry !== undefined) this.pooledBytes -= size;
    else {
      entry = { buffer: this.device.createBuffer({ size, usage: this.usage }), size, age: this.made++, pins: 0, held: false };
      this.byBuffer.set(entry.buffer, entry);
      if (size > this.bindMax) {
        this.unbindable.add(entry.buffer);
        this.unbindableMade++;
      }
    }
    return new GpuStorage(entry, bytes);
  }

  /** Takes back the buffer of storage that no array views any more. */
  release(s: GpuStorage): void {
    const b = s.pooled;
    if (b.pins > 0) b.held = true;
    else this.pool(b);
  }

  private pool(b: Pooled): void {
    // Over the cap the buffer is dropped, not destroyed: recorded work may still use it.
    if (this.pooledBytes + b.size > POOL_MAX_BYTES) return;
    const list = this.free.get(b.size) ?? [];
    let i = list.length; // lists are short: a linear insertion keeps them sorted
    while (i > 0 && list[i - 1].age < b.age) i--;
    list.splice(i, 0, b);
    this.free.set(b.size, list);
    this.pooledBytes += b.size;
  }

  /**
   * Keeps `buffer` from being handed to a new array until as many unpin calls: a replayed
   * graph (graph.ts) writes its buffers again after the arrays on them were released. A
   * buffer the pool did not make is left alone.
   */
  pin(buffer: GPUBuffer): void {
    const b = this.byBuffer.get(buffer);
    if (b === undefined || b.pins++ > 0) return;
    const list = this.free.get(b.size);
    const i = list === undefined ? -1 : list.indexOf(b);
    if (i < 0) return;
    list!.splice(i, 1);
    this.pooledBytes -= b.size;
    b.held = true;
  }

  /** Undoes one pin; the last returns the buffer to the pool if its arrays were released meanwhile. */
  unpin(buffer: GPUBuffer): void {
    const b = this.byBuffer.get(buffer);
    if (b === undefined || --b.pins > 0 || !b.held) return;
    b.held = false;
    this.pool(b);
  }

  /** Whether `b` is larger than a kernel may bind. */
  isUnbindable(b: GPUBuffer): boolean {
    return this.unbindableMade > 0 && this.unbindable.has(b);
  }
}

/** The GPUBuffer under a GPU array. */
export function buf(a: { storage: unknown }): GPUBuffer {
  return (a.storage as GpuStorage).buffer;
}
