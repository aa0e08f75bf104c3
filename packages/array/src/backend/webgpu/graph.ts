/// <reference types="@webgpu/types" />
// Graphs: a recorded step's launches issued again without the code that recorded them, as
// CUDA graphs let vLLM replay a decode step. Recording a launch is host work (the model's
// TypeScript, the array front end, a kernel's checks and parameters, then Dawn's calls):
// about 10 us a launch on an H200's host, where a 7B decode step of ~260 launches runs in
// under 3 ms on the GPU. A replay pays only Dawn's calls.
//
// A step is captured twice, at two positions in a row (mx.gpu.capture), and graphOf
// compares the two: the same kernels over the same buffers (but the step's inputs and
// outputs), and every launch's parameters either equal or what its `advance` (Dispatch)
// predicted from the first. Then the second can be replayed any number of steps on: each
// launch with its advanced parameters and grid, the step's inputs copied in and its
// outputs copied out into new arrays. The graph reads and writes buffers of its own in
// place of the step's inputs and outputs (arrays its caller holds), and pins every other
// buffer it binds (BufferPool.pin), so that no new array is given one while it lives.
import { NDArray } from "../../array";
import type { Dtype } from "../../dtype";
import { ArrayError } from "../../errors";
import { GpuStorage } from "./buffers";
import { type Advanced, type GpuContext, paramWords } from "./context";
import type { Kernel } from "./kernel-cache";

/** One launch as it was recorded. */
export interface CapturedLaunch {
  label: string;
  kernel: Kernel;
  bindGroup: GPUBindGroup;
  buffers: GPUBuffer[];
  params: Uint32Array;
  workgroups: [number, number, number];
  advance?: (steps: number) => Advanced | null;
}

/** An input or output of a captured step: where its bytes lie, and what it is. */
interface CapturedArray {
  buffer: GPUBuffer;
  byteOffset: number;
  bytes: number;
  shape: readonly number[];
  dtype: Dtype;
}

/** What a step recorded while it was captured (mx.gpu.capture). */
export class Capture {
  readonly launches: CapturedLaunch[] = [];
  /** Why the step cannot be replayed, if something in it cannot (an upload, a read back). */
  refused: string | null = null;
  inputs: CapturedArray[] = [];
  outputs: CapturedArray[] = [];
}

/** An array's bytes as a captured input or output, or why they cannot be one. */
function capturedArray(a: NDArray, what: string): CapturedArray | string {
  if (!(a.storage instanceof GpuStorage)) return `${what} is not on the GPU`;
  const byteOffset = a.offset * a.itemsize;
  if (!a.isContiguous || byteOffset % 4 !== 0 || a.nbytes % 4 !== 0) return `${what} (shape [${a.shape}], ${a.dtype}) is not whole contiguous 4-byte words`;
  return { buffer: a.storage.buffer, byteOffset, bytes: a.nbytes, shape: a.shape, dtype: a.dtype };
}

/** Records `fn`'s launches into the GPU's batch as usual, and captures them with `inputs` and fn's outputs. */
export function capture<T extends NDArray[]>(ctx: GpuContext, inputs: NDArray[], fn: () => T): { outputs: T; capture: Capture } {
  if (ctx.capturing !== null) throw new ArrayError("gpu.capture", "a capture is already running (captures do not nest)");
  const c = new Capture();
  ctx.capturing = c;
  let outputs: T;
  try {
    outputs = fn();
  } finally {
    ctx.capturing = null;
  }
  /** The arrays as captured, or none when one cannot be (the capture then refused, saying why). */
  const arrays = (list: NDArray[], what: string): CapturedArray[] => {
    const got = list.map((a, i) => capturedArray(a, `${what} ${i}`));
    const why = got.find((g) => typeof g === "string");
    if (why === undefined) return got as CapturedArray[];
    c.refused ??= why;
    return [];
  };
  c.inputs = arrays(inputs, "input");
  c.outputs = arrays(outputs, "output");
  return { outputs, capture: c };
}

const sameWords = (a: Uint32Array, b: Uint32Array) => a.length === b.length && a.every((w, i) => w === b[i]);
const gridOf = (g: [number, number?, number?]): [number, number, number] => [g[0], g[1] ?? 1, g[2] ?? 1];

/** Why `second` is not `first` one step on (graphOf), or null when it is. */
function difference(first: Capture, second: Capture): string | null {
  for (const c of [first, second]) if (c.refused !== null) return `the step cannot be replayed: ${c.refused}`;
  if (first.launches.length !== second.launches.length) return `the steps launched ${first.launches.length} and ${second.launches.length} kernels`;
  if (first.inputs.length !== second.inputs.length || first.outputs.length !== second.outputs.length) return "the steps had different inputs or outputs";
  // The first step's inputs and outputs stand for the second's; every other buffer must be the same.
  const moved = new Map<GPUBuffer, GPUBuffer>();
  first.inputs.forEach((a, i) => moved.set(a.buffer, second.inputs[i].buffer));
  first.outputs.forEach((a, i) => moved.set(a.buffer, second.outputs[i].buffer));
  for (let i = 0; i < first.launches.length; i++) {
    const [a, b] = [first.launches[i], second.launches[i]];
    const at = `launch ${i} (${b.label})`;
    if (a.kernel !== b.kernel) return `${at} runs another kernel than the step before (${a.label})`;
    if (a.buffers.length !== b.buffers.length || a.buffers.some((buf, j) => (moved.get(buf) ?? buf) !== b.buffers[j])) return `${at} binds other buffers than the step before`;
    const next = a.advance === undefined ? { params: a.params, workgroups: a.workgroups } : a.advance(1);
    if (next === null) return `${at} cannot be advanced a step`;
    if (!sameWords(paramWords(next.params), b.params)) return `${at} has other parameters than ${a.advance === undefined ? "the step before (and no advance)" : "its advance predicted"}`;
    if (gridOf(next.workgroups).some((n, d) => n !== b.workgroups[d])) return `${at} has another grid than ${a.advance === undefined ? "the step before" : "its advance predicted"}`;
  }
  return null;
}

/**
 * A step's launches, replayable any number of steps after the step they were captured
 * at. Made by graphOf; release() when done, so that its buffers serve new arrays again.
 */
export class GpuGraph {
  private released = false;
  /** The launches, over the graph's own buffers for the step's inputs and outputs. */
  private readonly launches_: CapturedLaunch[];
  /** Buffers of the graph's own, in place of each buffer the step's inputs and outputs lie in. */
  private readonly own = new Map<GPUBuffer, GpuStorage>();
  /** The other buffers the launches bind, each pinned once. */
  private readonly pinned: GPUBuffer[];

  constructor(private readonly ctx: GpuContext, private readonly step: Capture) {
    // The captured step's inputs and outputs are arrays of its caller's: replays read and
    // write buffers of their own instead, so that no array the caller holds changes.
    const ends = new Set([...step.inputs, ...step.outputs].map((a) => a.buffer));
    this.pinned = [...new Set(step.launches.flatMap((l) => l.buffers))].filter((b) => !ends.has(b));
    for (const b of this.pinned) ctx.pool.pin(b); // first: the buffers taken next must be others
    for (const b of ends) this.own.set(b, ctx.pool.take(b.size, false));
    const mine = (b: GPUBuffer) => this.own.get(b)?.buffer ?? b;
    this.launches_ = step.launches.map((l) => {
      if (!l.buffers.some((b) => ends.has(b))) return l;
      const buffers = l.buffers.map(mine);
      return { ...l, buffers, bindGroup: ctx.bindGroup(l.kernel, buffers) };
    });
  }

  /** Kernels a replay launches. */
  get launches(): number {
    return this.launches_.length;
  }

  /**
   * Records the step `steps` steps after the captured one (steps >= 1), reading `inputs`
   * (as the captured step's, in shape and dtype) and returning its outputs as new arrays;
   * null, with nothing recorded, when a launch cannot be advanced that far.
   */
  replay(inputs: NDArray[], steps: number): NDArray[] | null {
    const fn = "GpuGraph.replay";
    if (this.released) throw new ArrayError(fn, "the graph was released");
    if (!(Number.isInteger(steps) && steps >= 1)) throw new ArrayError(fn, `steps must be an integer >= 1, got ${steps}`);
    const { inputs: want, outputs } = this.step;
    const launches = this.launches_;
    const own = (a: CapturedArray) => this.own.get(a.buffer)!.buffer;
    if (inputs.length !== want.length) throw new ArrayError(fn, `expected ${want.length} inputs, got ${inputs.length}`);
    const given = inputs.map((a, i) => {
      const got = capturedArray(a, `input ${i}`);
      if (typeof got === "string") throw new ArrayError(fn, got);
      if (got.dtype !== want[i].dtype || got.shape.some((n, d) => n !== want[i].shape[d]) || got.shape.length !== want[i].shape.length) {
        throw new ArrayError(fn, `input ${i} has shape [${got.shape}] of ${got.dtype}, expected the captured [${want[i].shape}] of ${want[i].dtype}`);
      }
      return got;
    });
    // Plain loops: a replay is the host's whole work for a step, ~260 launches at 7B.
    const moved = new Array<Advanced | undefined>(launches.length);
    for (let i = 0; i < launches.length; i++) {
      const advance = launches[i].advance;
      if (advance === undefined) continue;
      const a = advance(steps);
      if (a === null) return null;
      moved[i] = a;
    }
    given.forEach((a, i) => this.ctx.copy(a.buffer, a.byteOffset, own(want[i]), want[i].byteOffset, a.bytes));
    for (let i = 0; i < launches.length; i++) {
      const l = launches[i];
      const a = moved[i];
      const [x, y, z] = a === undefined ? l.workgroups : gridOf(a.workgroups);
      if (x * y * z > 0) this.ctx.record(l.label, l.kernel, l.bindGroup, a === undefined ? l.params : paramWords(a.params), x, y, z);
    }
    return outputs.map((o) => {
      const out = NDArray.empty(o.shape, o.dtype, "gpu");
      this.ctx.copy(own(o), o.byteOffset, (out.storage as GpuStorage).buffer, out.offset * out.itemsize, o.bytes);
      return out;
    });
  }

  /** Unpins the graph's buffers; it cannot be replayed after. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const b of this.pinned) this.ctx.pool.unpin(b);
    for (const s of this.own.values()) this.ctx.pool.release(s);
  }
}

/**
 * The graph of `second`, a step captured right after `first` (its inputs being, typically,
 * first's outputs), or why it cannot be one (a string naming the first launch that differs).
 */
export function graphOf(ctx: GpuContext, first: Capture, second: Capture): GpuGraph | string {
  return difference(first, second) ?? new GpuGraph(ctx, second);
}
