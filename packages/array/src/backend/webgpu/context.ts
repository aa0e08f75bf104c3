/// <reference types="@webgpu/types" />
// The GPU as the array library sees it: one WebGPU device, its buffer pool, and the
// recorder that batches kernels. Kernels are not submitted one by one: each dispatch
// is recorded into the open compute pass, its parameters appended to one staging
// arena, and the whole batch goes to the queue in one submit when something must
// wait for it (a read back, a large upload) or the batch is full. A small upload (a
// token id, a scalar operand) is recorded too: its bytes go to a second arena and a
// copy from there joins the batch, in order with the kernels around it.
import { ArrayError } from "../../errors";
import { BufferPool, GpuStorage, roundedSize } from "./buffers";
import type { Capture } from "./graph";
import { type Kernel, KernelCache } from "./kernel-cache";
import { KernelTimeline, type LaunchTime } from "./timeline";

/** One kernel launch: WGSL with entry `main`, its buffers, its parameters and grid. */
export interface Dispatch {
  /** Names the kernel in errors. */
  label: string;
  /**
   * WGSL source, or a function that makes it (called only when `key` is new).
   * Binding 0 is the parameters, `var<storage, read> P: array<u32>` (or any
   * read-only storage type); bindings 1.. are `buffers`, in order, each
   * `var<storage, read>` or `var<storage, read_write>`.
   */
  wgsl: string | (() => string);
  /** Names the compiled kernel in the cache; the source itself when omitted (then `wgsl` must be a string). */
  key?: string;
  buffers: GPUBuffer[];
  /**
   * The parameters (at most PARAMS_MAX_BYTES, a whole number of 4-byte words), bound
   * at binding 0. Copied when the launch is recorded: the caller may reuse the array.
   */
  params: ArrayBufferView;
  /** Workgroups along x, y, z (each at most the device's maxComputeWorkgroupsPerDimension). */
  workgroups: [number, number?, number?];
  /**
   * For a launch whose parameters follow a decode step's position (a RoPE offset, a cache
   * length): its parameters and grid `steps` steps later, when a graph (mx.gpu.graphOf)
   * replays it there; null where it cannot be replayed (its step would launch other
   * kernels). A launch without it replays unchanged. A graph reads the result before it
   * calls `advance` again, so the launcher may hand back the same arrays each time, moved
   * in place (a replay then allocates nothing for them).
   */
  advance?: (steps: number) => Advanced | null;
}

/** A launch's parameters and grid at a later step (Dispatch.advance). */
export interface Advanced {
  params: ArrayBufferView;
  workgroups: [number, number?, number?];
}

/** What the adapter is and offers. */
export interface GpuInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  features: string[];
  /** Whether Dawn checks every command (mx.gpu.init's `validation`; false once TINY_LLM_DAWN_FLAGS or `flags` skips it). */
  validation: boolean;
  /** Largest storage buffer a kernel may bind, in bytes. */
  maxStorageBufferBindingSize: number;
  /** Largest buffer, in bytes: an array this large can live on the GPU, but a kernel binds at most the above. */
  maxBufferSize: number;
  /** Largest workgroup memory a kernel may declare, in bytes (32 KiB on lavapipe, 48 KiB on an H200). */
  maxComputeWorkgroupStorageSize: number;
  /** Most threads in one workgroup (WebGPU's default is 256; the device asks for the adapter's: 1,024 on lavapipe and an H200). */
  maxComputeInvocationsPerWorkgroup: number;
  /** Most storage buffers one kernel may bind, parameters included (WebGPU's default is 8; the device asks for the adapter's). */
  maxStorageBuffersPerShaderStage: number;
  /** The adapter's subgroup sizes, smallest and largest (32 and 32 on NVIDIA's GPUs; 0 where not reported). */
  subgroupSizes: [number, number];
  /**
   * Every subgroup's size where the device has the `subgroups` feature and its subgroups
   * have one size (32 on NVIDIA's GPUs, 8 on lavapipe), else 0: what a kernel that sums
   * by subgroups (a reduction's lanes, a team of threads) is compiled for. Lanes of one
   * subgroup are taken to be neighbours in local_invocation_index, aligned blocks of
   * that size, as on the GPUs Dawn drives.
   */
  subgroupSize: number;
  /** The matrix products a subgroup can do at once (feature chromium-experimental-subgroup-matrix); empty without it. */
  subgroupMatrices: SubgroupMatrixConfig[];
}

/** One shape of subgroup matrix product: (M x K of componentType) times (K x N) into M x N of resultComponentType. */
export interface SubgroupMatrixConfig {
  componentType: string;
  resultComponentType: string;
  M: number;
  N: number;
  K: number;
}

const ARENA_BYTES = 1 << 20;
/** Uploads up to this size are recorded into the batch (through the upload arena); larger ones submit it first. */
const RECORDED_UPLOAD_MAX_BYTES = 64 << 10;
const UPLOAD_ARENA_BYTES = 1 << 20;
/** Read-back buffers kept for reuse: up to this many of a size, of at most this size. */
const STAGING_KEPT_PER_SIZE = 4;
const STAGING_KEPT_MAX_BYTES = 1 << 20;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
export const PARAMS_MAX_BYTES = 64 << 10;
/**
 * Dispatches per submit, at most. Dawn's submit costs the host per batch as well as per
 * launch (on lavapipe here 3.0 us a launch in batches of 64, 1.5 in batches of 256), so a
 * decode step (~300 launches at Qwen2-7B's shapes) goes in one batch, sent when it is
 * recorded (mx.gpu.submit): that decoded 2-41% faster than batches of 64 on an H200.
 */
const BATCH_MAX = 512;
/**
 * Dispatches in the first batch recorded after the GPU has gone idle (a read back or a
 * synchronize waited for everything submitted): sent early, so that the GPU starts while
 * the host records the rest, each later batch twice the one before, up to BATCH_MAX, as
 * MLX commits its command buffers. A prefill of a 28-layer model records some 300
 * launches at about 40 us each of host time (here, on lavapipe), which the GPU otherwise
 * waits for; a decode step recorded while the GPU runs the step before it never finds the
 * GPU idle and still goes in one batch.
 */
const FIRST_BATCH = 16;

/**
 * A read check: records into a read's command encoder the copies it needs of what the
 * work so far wrote, and returns what judges them once the read is mapped (throwing the
 * error it finds), or null when there is nothing to check.
 */
export type ReadCheck = (enc: GPUCommandEncoder) => (() => Promise<void>) | null;

/** `params` as 4-byte words, a view of the same memory (a typed array of any type, padded to whole words). */
export function paramWords(p: ArrayBufferView): Uint32Array {
  return p instanceof Uint32Array ? p : new Uint32Array(p.buffer, p.byteOffset, Math.ceil(p.byteLength / 4));
}

/** Counts since the context was made (mx.gpu.stats). */
export interface GpuStats {
  dispatches: number;
  submits: number;
  /** Read backs (toCpu, data, itemAsync ...), each a wait for the GPU. */
  reads: number;
  /** Writes of host data into GPU buffers (creating an array from values, toDevice("gpu")). */
  uploads: number;
  /** Bind groups made: launches over buffers no earlier launch of that kernel bound (a steady decode step makes none). */
  bindGroups: number;
}

export class GpuContext {
  readonly pool: BufferPool;
  readonly usage: number;
  private kernels: KernelCache;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pending = 0;
  /** Dispatches that fill the batch being recorded (FIRST_BATCH after the GPU went idle, up to BATCH_MAX). */
  private batchLimit = FIRST_BATCH;
  private arena: GPUBuffer;
  private arenaHost = new Uint32Array(ARENA_BYTES / 4);
  private arenaUsed = 0;
  private uploadArena: GPUBuffer;
  private uploadHost = new Uint8Array(UPLOAD_ARENA_BYTES);
  private uploadUsed = 0;
  private readonly align: number;
  private readonly mapRead: number;
  private readonly copyDst: number;
  private errors: string[] = [];
  private readChecks: ReadCheck[] = [];
  readonly stats: GpuStats = { dispatches: 0, submits: 0, reads: 0, uploads: 0, bindGroups: 0 };
  private lastPipeline: GPUComputePipeline | null = null;
  /** Set while mx.gpu.profile runs: each launch then gets a pass of its own, timed. */
  private timeline: KernelTimeline | null = null;
  private readonly queryResolve: number;
  /** The device's limits, read once: each read of `device.limits` crosses into Dawn. */
  readonly limits: { workgroupsPerDimension: number; bindingSize: number; bufferSize: number };
  /** Read-back buffers by size, unmapped and free: reads of a decode step's token reuse them. */
  private staging = new Map<number, GPUBuffer[]>();
  /** Set while mx.gpu.capture runs: the launches recorded meanwhile (graph.ts). */
  capturing: Capture | null = null;

  /**
   * `gpu` and `adapter` are held only to keep them alive: Dawn tears the instance
   * down (and the process with it) when its JS object is collected while in use.
   */
  constructor(readonly gpu: GPU, readonly adapter: GPUAdapter, readonly device: GPUDevice, readonly info: GpuInfo, globals: Record<string, unknown>) {
    const U = globals.GPUBufferUsage as Record<string, number>;
    this.usage = U.STORAGE | U.COPY_SRC | U.COPY_DST;
    this.mapRead = U.MAP_READ | U.COPY_DST;
    this.copyDst = U.COPY_DST;
    this.queryResolve = U.QUERY_RESOLVE | U.COPY_SRC;
    const { maxComputeWorkgroupsPerDimension, maxStorageBufferBindingSize, maxBufferSize } = device.limits;
    this.limits = { workgroupsPerDimension: maxComputeWorkgroupsPerDimension, bindingSize: maxStorageBufferBindingSize, bufferSize: maxBufferSize };
    this.pool = new BufferPool(device, this.usage, maxStorageBufferBindingSize);
    this.arena = device.createBuffer({ size: ARENA_BYTES, usage: U.STORAGE | U.COPY_DST });
    this.uploadArena = device.createBuffer({ size: UPLOAD_ARENA_BYTES, usage: U.COPY_SRC | U.COPY_DST });
    this.align = device.limits.minStorageBufferOffsetAlignment;
    this.kernels = new KernelCache(device, this.arena, PARAMS_MAX_BYTES, this.stats);
    device.addEventListener("uncapturederror", (e) => this.errors.push((e as GPUUncapturedErrorEvent).error.message));
  }

  /** Records one kernel launch into the current batch. */
  dispatch(d: Dispatch): void {
    const bytes = roundedSize(d.params.byteLength);
    if (bytes > PARAMS_MAX_BYTES) throw new ArrayError(d.label, `kernel parameters of ${bytes} bytes exceed ${PARAMS_MAX_BYTES}`);
    const max = this.limits.workgroupsPerDimension;
    const [x, y = 1, z = 1] = d.workgroups;
    if (x > max || y > max || z > max) throw new ArrayError(d.label, `grid ${x} x ${y} x ${z} exceeds ${max} workgroups per dimension`);
    if (x * y * z === 0) return;
    // Bound past the limit, a buffer would fail validation, reported only at the next read.
    const over = d.buffers.find((b) => this.pool.isUnbindable(b));
    if (over !== undefined) {
      throw new ArrayError(d.label, `an array of ${mib(over.size)} is bound, but this GPU binds at most ${mib(this.limits.bindingSize)} a buffer (maxStorageBufferBindingSize); keep arrays this large on the CPU, or split them`);
    }
    if (d.key === undefined && typeof d.wgsl !== "string") throw new ArrayError(d.label, "a kernel given as a function needs a key");
    const kernel = this.kernels.kernel(d.label, d.key ?? (d.wgsl as string), d.wgsl);
    const bindGroup = this.kernels.bindGroup(kernel, d.buffers);
    const words = paramWords(d.params);
    this.capturing?.launches.push({ label: d.label, kernel, bindGroup, buffers: d.buffers, params: words.slice(), workgroups: [x, y, z], advance: d.advance });
    this.record(d.label, kernel, bindGroup, words, x, y, z);
  }

  /** The bind group of `kernel` over `buffers` (cached): a graph's launches over its own inputs and outputs. */
  bindGroup(kernel: Kernel, buffers: GPUBuffer[]): GPUBindGroup {
    return this.kernels.bindGroup(kernel, buffers);
  }

  /** Records a launch of a compiled kernel over its bind group (dispatch, once checked, and a graph's replay). */
  record(label: string, kernel: Kernel, bindGroup: GPUBindGroup, words: Uint32Array, x: number, y: number, z: number): void {
    // Every binding of the parameters spans PARAMS_MAX_BYTES from its offset.
    let at = Math.ceil(this.arenaUsed / this.align) * this.align;
    if (at + PARAMS_MAX_BYTES > ARENA_BYTES) {
      this.flush();
      at = 0;
    }
    // Offsets are multiples of the (>= 4-byte) alignment.
    this.arenaHost.set(words, at / 4);
    this.arenaUsed = at + roundedSize(words.byteLength);
    if (this.timeline !== null) this.endPass(); // a pass per launch, its start and end timed
    if (this.pass === null) {
      this.encoder ??= this.device.createCommandEncoder();
      this.pass = this.encoder.beginComputePass(this.timeline === null ? undefined : { timestampWrites: this.timeline.next(label) });
    }
    // Consecutive launches of one kernel (a sort's steps, a layer's projections) set it once.
    if (kernel.pipeline !== this.lastPipeline) this.pass.setPipeline(kernel.pipeline);
    this.lastPipeline = kernel.pipeline;
    this.pass.setBindGroup(0, bindGroup, [at]);
    this.stats.dispatches++;
    this.pass.dispatchWorkgroups(x, y, z);
    if (this.timeline !== null) this.endPass();
    if (++this.pending >= this.batchLimit) {
      this.flush();
      this.batchLimit = Math.min(2 * this.batchLimit, BATCH_MAX);
    }
  }

  /** Records a copy of `bytes` bytes (a multiple of 4, as the offsets) between buffers, in order with the launches around it. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.endPass(); // a copy cannot be recorded inside a compute pass
    this.encoder ??= this.device.createCommandEncoder();
    this.encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
    this.lastPipeline = null;
  }

  /** Starts timing each launch on the GPU (mx.gpu.profile). */
  startTimeline(label: string): void {
    if (this.timeline !== null) throw new ArrayError(label, "a profile is already running (profiles do not nest)");
    if (!this.info.features.includes("timestamp-query")) throw new ArrayError(label, `this GPU (${this.info.device || this.info.description}) offers no timestamp queries`);
    this.flush();
    this.timeline = new KernelTimeline(this.device, this.queryResolve, this);
  }

  /** Stops timing launches; their GPU times, in launch order, once the GPU has run them. */
  async stopTimeline(): Promise<LaunchTime[]> {
    const timeline = this.timeline;
    if (timeline === null) return [];
    this.flush();
    this.timeline = null;
    const times = await timeline.times();
    this.throwErrors();
    return times;
  }

  /** Submits what is recorded. */
  flush(): void {
    if (this.encoder === null) return;
    this.pass?.end();
    // Offset and size in elements of the typed array (words), as WebGPU counts them.
    if (this.arenaUsed > 0) this.device.queue.writeBuffer(this.arena, 0, this.arenaHost, 0, roundedSize(this.arenaUsed) / 4);
    // Written before the batch runs, after every earlier batch (the queue keeps the order).
    if (this.uploadUsed > 0) this.device.queue.writeBuffer(this.uploadArena, 0, this.uploadHost, 0, this.uploadUsed);
    this.device.queue.submit([this.encoder.finish()]);
    this.stats.submits++;
    this.encoder = null;
    this.pass = null;
    this.lastPipeline = null;
    this.pending = 0;
    this.arenaUsed = 0;
    this.uploadUsed = 0;
  }

  /** Writes host bytes into a buffer, after the work recorded so far (which may still read its old contents). */
  upload(buffer: GPUBuffer, byteOffset: number, bytes: Uint8Array): void {
    this.stats.uploads++;
    if (this.capturing !== null) this.capturing.refused ??= "it writes host data into a GPU buffer (an upload), which a replay would not repeat";
    const n = roundedSize(bytes.length);
    if (n <= RECORDED_UPLOAD_MAX_BYTES) {
      if (this.uploadUsed + n > UPLOAD_ARENA_BYTES) this.flush();
      const at = this.uploadUsed;
      this.uploadHost.set(bytes, at);
      this.uploadHost.fill(0, at + bytes.length, at + n);
      this.uploadUsed = at + n;
      this.copy(this.uploadArena, at, buffer, byteOffset, n);
      return;
    }
    this.flush();
    let src = bytes;
    if (n !== bytes.length || bytes.byteOffset % 4 !== 0) {
      src = new Uint8Array(n);
      src.set(bytes);
    }
    this.device.queue.writeBuffer(buffer, byteOffset, src, 0, n);
  }

  /** Copies `bytes` bytes from `byteOffset` of `buffer` back to the host, once the work recorded so far has run. */
  async download(buffer: GPUBuffer, byteOffset: number, bytes: number): Promise<ArrayBuffer> {
    const start = byteOffset - (byteOffset % 4);
    const size = roundedSize(byteOffset + bytes - start);
    const staging = this.stagingBuffer(size);
    this.flush();
    this.stats.reads++;
    if (this.capturing !== null) this.capturing.refused ??= "it reads a GPU array back, which a replay would not repeat";
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(buffer, start, staging, 0, size);
    // The checks' state is copied in the same submit: they judge the work recorded before
    // this read, and never wait for what is recorded while the read is on its way (the
    // next decode step, overlappedGenerateWithKvCache).
    const judges = this.readChecks.map((check) => check(enc));
    this.device.queue.submit([enc.finish()]);
    await this.waitForAll(staging.mapAsync(1 /* GPUMapMode.READ */));
    const out = staging.getMappedRange().slice(byteOffset - start, byteOffset - start + bytes);
    this.doneStaging(staging, size);
    this.throwErrors();
    for (const judge of judges) await judge?.();
    return out;
  }

  /**
   * Adds a check that rides along with every read back: how a kernel reports, at the
   * next read, an error it could only record on the GPU (a gather's out-of-range index).
   */
  registerReadCheck(check: ReadCheck): void {
    this.readChecks.push(check);
  }

  /**
   * A buffer of `size` bytes the host reads back (MAP_READ), e.g. for a read check's
   * copy; hand it to doneStaging once read.
   */
  stagingBuffer(size: number): GPUBuffer {
    return this.staging.get(size)?.pop() ?? this.device.createBuffer({ size, usage: this.mapRead });
  }

  /** Unmaps a buffer from stagingBuffer(size) after its read, keeping a few small ones for the next reads. */
  doneStaging(b: GPUBuffer, size: number): void {
    b.unmap();
    const free = this.staging.get(size) ?? [];
    if (size > STAGING_KEPT_MAX_BYTES || free.length >= STAGING_KEPT_PER_SIZE) return b.destroy();
    free.push(b);
    this.staging.set(size, free);
  }

  /** Waits until the GPU has run everything recorded so far. */
  async synchronize(): Promise<void> {
    this.flush();
    await this.waitForAll(this.device.queue.onSubmittedWorkDone());
    this.throwErrors();
  }

  /** Fills every batch before sending it until the GPU next goes idle (mx.gpu.fullBatches). */
  fullBatches(): void {
    this.batchLimit = BATCH_MAX;
  }

  /**
   * Awaits `done`, which settles once the GPU has run everything submitted so far; the GPU
   * is then idle unless a batch was submitted meanwhile, and the next batch starts small.
   */
  private async waitForAll(done: Promise<void>): Promise<void> {
    const submits = this.stats.submits;
    await done;
    if (this.stats.submits === submits) this.batchLimit = FIRST_BATCH;
  }

  /** New storage on this GPU. */
  allocate(bytes: number, zeroed: boolean): GpuStorage {
    const max = this.limits.bufferSize;
    if (bytes > max) throw new Error(`${bytes} bytes exceed the GPU's largest buffer (${max} bytes)`);
    return this.pool.take(bytes, zeroed);
  }

  /** A buffer the host fills and kernels read (COPY_DST only), e.g. for tables. */
  get copyDstUsage(): number {
    return this.copyDst;
  }

  /** WebGPU reports validation errors asynchronously: they surface at the next read. */
  private throwErrors(): void {
    if (this.errors.length === 0) return;
    const msg = this.errors.join("; ");
    this.errors = [];
    throw new ArrayError("gpu", `the GPU reported: ${msg}`);
  }
}
