/// <reference types="@webgpu/types" />
// The GPU's own clock around each launch (mx.gpu.profile): while a profile runs, every
// launch gets a compute pass of its own whose start and end write timestamp queries, so
// that a decode step can be read kernel by kernel, as nsys or a Metal trace would show it.
// A pass per launch costs a little GPU time of its own; compare launches within a profile.

/** WebGPU's largest query set. */
const QUERIES_PER_SET = 4096;

/** One launch's GPU time. */
export interface LaunchTime {
  label: string;
  /** From the start of its pass to the end, in seconds. */
  seconds: number;
}

/** Read-back buffers, as the GPU context lends them (stagingBuffer, then doneStaging once read). */
export interface Staging {
  stagingBuffer(size: number): GPUBuffer;
  doneStaging(b: GPUBuffer, size: number): void;
}

export class KernelTimeline {
  private sets: GPUQuerySet[] = [];
  private used = QUERIES_PER_SET; // in the last set
  private labels: string[] = [];

  /**
   * `resolveUsage`: GPUBufferUsage's flags of the buffers the queries are resolved into;
   * `staging`: the context's read-back buffers.
   */
  constructor(private readonly device: GPUDevice, private readonly resolveUsage: number, private readonly staging: Staging) {}

  /** The timestamp writes of the pass of the next launch, `label`. */
  next(label: string): GPUComputePassTimestampWrites {
    if (this.used === QUERIES_PER_SET) {
      this.sets.push(this.device.createQuerySet({ type: "timestamp", count: QUERIES_PER_SET }));
      this.used = 0;
    }
    this.labels.push(label);
    const at = this.used;
    this.used += 2;
    return { querySet: this.sets[this.sets.length - 1], beginningOfPassWriteIndex: at, endOfPassWriteIndex: at + 1 };
  }

  /** Every launch's time, in launch order; call once the launches are submitted (the queue keeps the order). */
  async times(): Promise<LaunchTime[]> {
    const enc = this.device.createCommandEncoder();
    const reads = this.sets.map((set, s) => {
      const count = s === this.sets.length - 1 ? this.used : QUERIES_PER_SET;
      const bytes = count * 8;
      const resolve = this.device.createBuffer({ size: bytes, usage: this.resolveUsage });
      const staging = this.staging.stagingBuffer(bytes);
      enc.resolveQuerySet(set, 0, count, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, staging, 0, bytes);
      return { resolve, staging, bytes };
    });
    this.device.queue.submit([enc.finish()]);
    const out: LaunchTime[] = [];
    for (const { resolve, staging, bytes } of reads) {
      await staging.mapAsync(1 /* GPUMapMode.READ */);
      const ns = new BigUint64Array(staging.getMappedRange().slice(0));
      for (let q = 0; q < ns.length; q += 2) out.push({ label: this.labels[out.length], seconds: Number(ns[q + 1] - ns[q]) / 1e9 });
      this.staging.doneStaging(staging, bytes);
      resolve.destroy();
    }
    for (const set of this.sets) set.destroy();
    this.sets = [];
    return out;
  }
}
