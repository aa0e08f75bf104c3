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

/** An array's storage on the GPU: a GPUBuffer of at least `byteLength` bytes. */
export class GpuStorage implements DeviceStorage {
  readonly device = "gpu" as const;
  views = 0;
  constructor(readonly buffer: GPUBuffer, readonly byteLength: number) {}
}

const POOL_MAX_BYTES = 2 ** 31;

/** Free GPU buffers by size, each list newest first (the oldest is popped). */
export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private pooledBytes = 0;
  /** Creation order of the buffers made here. */
  private age = new WeakMap<GPUBuffer, number>();
  private made = 0;

  constructor(private device: GPUDevice, private usage: number) {}

  /** Storage of `bytes` bytes: a pooled buffer unless `zeroed` (a new WebGPU buffer is all zeros). */
  take(bytes: number, zeroed: boolean): GpuStorage {
    const size = bufferSize(bytes);
    let buffer = zeroed ? undefined : this.free.get(size)?.pop();
    if (buffer !== undefined) this.pooledBytes -= size;
    else {
      buffer = this.device.createBuffer({ size, usage: this.usage });
      this.age.set(buffer, this.made++);
    }
    return new GpuStorage(buffer, bytes);
  }

  /** Takes back the buffer of storage that no array views any more. */
  release(s: GpuStorage): void {
    const b = s.buffer;
    // Over the cap the buffer is dropped, not destroyed: recorded work may still use it.
    if (this.pooledBytes + b.size > POOL_MAX_BYTES) return;
    const list = this.free.get(b.size) ?? [];
    const age = this.age.get(b)!;
    let i = list.length; // lists are short: a linear insertion keeps them sorted
    while (i > 0 && this.age.get(list[i - 1])! < age) i--;
    list.splice(i, 0, b);
    this.free.set(b.size, list);
    this.pooledBytes += b.size;
  }
}

/** The GPUBuffer under a GPU array. */
export function buf(a: { storage: unknown }): GPUBuffer {
  return (a.storage as GpuStorage).buffer;
}
