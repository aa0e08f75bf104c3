/// <reference types="@webgpu/types" />
// Gathers on the GPU: take and takeAlongAxis, one thread per output element (per
// 32-bit word when whole gathered rows are word-aligned, as embedding rows are).
//
// The GPU cannot refuse a bad index when the op is called, so the check is deferred
// (Backend.take's contract): a thread whose index is out of range writes 0 and
// records its position in a fault slot of its gather (atomicMax of ~position keeps
// the first one, and an all-zero slot means none); a second tiny kernel then copies
// that index's value next to it. The next read back of any array copies the slots of
// the gathers recorded before it along with what it reads (GpuContext.registerReadCheck)
// and throws the error the CPU would have thrown at once.
import type { NDArray } from "../../../array";
import type { Dtype } from "../../../dtype";
import { ArrayError, fmtShape } from "../../../errors";
import { buf } from "../buffers";
import type { GpuContext } from "../context";
import { FLOAT16, grid, LINEAR, LINEAR_ID, loader, naturalType, storer } from "../wgsl";

/** Fault slots in one page: gathers recorded between two checks before another page is taken. */
const SLOTS = 1024;

/** One recorded gather, as its fault message needs it. */
interface Gather {
  op: string;
  page: GPUBuffer;
  slot: number;
  axis: number;
  shape: readonly number[];
}

/** The fault slots of one GPU context's gathers and the check that reads them. */
class FaultLog {
  private free: GPUBuffer[] = [];
  /** Pages written since the last check, the last one filling. */
  private pages: GPUBuffer[] = [];
  private used = SLOTS;
  private pending: Gather[] = [];

  constructor(private ctx: GpuContext) {}

  /** A fault slot (2 words: ~position, index value) for one more gather. */
  record(op: string, axis: number, shape: readonly number[]): Gather {
    if (this.used === SLOTS) {
      this.pages.push(this.free.pop() ?? this.ctx.device.createBuffer({ size: SLOTS * 8, usage: this.ctx.usage }));
      this.used = 0;
    }
    const g = { op, page: this.pages[this.pages.length - 1], slot: this.used++, axis, shape };
    this.pending.push(g);
    return g;
  }

  /**
   * Records into `enc` a copy of the fault slots of the gathers recorded since the last
   * check, then their clearing; returns what throws the first fault of that copy.
   */
  collect(enc: GPUCommandEncoder): (() => Promise<void>) | null {
    if (this.pending.length === 0) return null;
    const { pending, pages } = this;
    this.pending = [];
    this.pages = [];
    this.used = SLOTS;
    const bytes = SLOTS * 8;
    const staging = this.ctx.stagingBuffer(pages.length * bytes);
    pages.forEach((p, i) => {
      enc.copyBufferToBuffer(p, 0, staging, i * bytes, bytes);
      enc.clearBuffer(p);
    });
    this.free.push(...pages);
    return async () => {
      await staging.mapAsync(1 /* GPUMapMode.READ */);
      const words = new Uint32Array(staging.getMappedRange().slice(0));
      this.ctx.doneStaging(staging, pages.length * bytes);
      for (const g of pending) {
        const at = pages.indexOf(g.page) * 2 * SLOTS + 2 * g.slot;
        if (words[at] === 0) continue;
        const position = ~words[at] >>> 0, value = words[at + 1] | 0;
        throw new ArrayError(g.op, `index ${value} (at position ${position}) is out of range for axis ${g.axis} of length ${g.shape[g.axis]} (shape ${fmtShape(g.shape)})`);
      }
    };
  }
}

const logs = new WeakMap<GpuContext, FaultLog>();

function faultLog(ctx: GpuContext): FaultLog {
  let log = logs.get(ctx);
  if (log === undefined) {
    const made = new FaultLog(ctx);
    ctx.registerReadCheck((enc) => made.collect(enc));
    logs.set(ctx, (log = made));
  }
  return log;
}

/** The axis of `shape` that `outer x len x inner` gathers along (the first that fits). */
function axisOf(shape: readonly number[], outer: number, len: number): number {
  let before = 1;
  for (let ax = 0; ax < shape.length; ax++) {
    if (before === outer && shape[ax] === len) return ax;
    before *= shape[ax];
  }
  return 0;
}

/**
 * dst[e] = src[(o * len + idx) * inner + i] for output element e = (o, j, i) of
 * `outer x m x inner`, idx = I[j] (take) or I[e] (takeAlongAxis); P = [total, m,
 * len, inner, src offset, idx offset, fault slot, dst offset].
 */
function source(dt: Dtype, along: boolean): string {
  const t = naturalType(dt);
  return `${FLOAT16}
@group(0) @binding(0) var<storage, read> P: array<u32>;
${loader("S", dt, 1, t)}@group(0) @binding(2) var<storage, read> I: array<i32>;
${storer("O", dt, 3, t)}@group(0) @binding(4) var<storage, read_write> F: array<atomic<u32>>;
@compute @workgroup_size(256) fn main(${LINEAR_ID}) {
  let e = ${LINEAR};
  if (e >= P[0]) { return; }
  let m = P[1]; let len = P[2]; let inner = P[3];
  let row = e / inner;
  let pos = ${along ? "e" : "row % m"};
  var v = I[P[5] + pos];
  if (v < 0) { v += i32(len); }
  if (v < 0 || u32(v) >= len) {
    atomicMax(&F[2u * P[6]], ~pos);
    st_O(P[7] + e, ${t}(0));
    return;
  }
  st_O(P[7] + e, ld_S(P[4] + ((row / m) * len + u32(v)) * inner + e % inner));
}`;
}

/** Copies the value of a fault slot's index next to its position (P = [idx offset, slot]). */
const FAULT_VALUE = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read> I: array<i32>;
@group(0) @binding(2) var<storage, read_write> F: array<u32>;
@compute @workgroup_size(1) fn main() {
  let s = 2u * P[1];
  if (F[s] != 0u) { F[s + 1u] = bitcast<u32>(I[P[0] + ~F[s]]); }
}`;

/** Records one gather into dst (`outer x m x inner`) and the copy of its fault's index value. */
function gather(ctx: GpuContext, op: string, along: boolean, src: NDArray, outer: number, len: number, inner: number, idx: NDArray, m: number, dst: NDArray): number {
  const g = faultLog(ctx).record(op, axisOf(src.shape, outer, len), src.shape);
  // Whole rows of 32-bit words (4-byte dtypes always, 16-bit ones with even rows) move as words.
  const per = 4 / src.itemsize;
  const words = !along && inner % per === 0 && src.offset % per === 0 && dst.offset % per === 0;
  const unit = words ? per : 1;
  const total = (outer * m * inner) / unit;
  ctx.dispatch({
    label: op,
    key: `gather|${words ? "uint32" : src.dtype}|${along}`,
    wgsl: () => source(words ? "uint32" : src.dtype, along),
    buffers: [buf(src), buf(idx), buf(dst), g.page],
    params: new Uint32Array([total, m, len, inner / unit, src.offset / unit, idx.offset, g.slot, dst.offset / unit]),
    workgroups: grid(total),
  });
  ctx.dispatch({ label: op, wgsl: FAULT_VALUE, buffers: [buf(idx), g.page], params: new Uint32Array([idx.offset, g.slot]), workgroups: [1] });
  return -1;
}

/** Backend.take: dst (outer x nidx x inner) gathers src (outer x axisLen x inner) at idx; faults are deferred. */
export function take(ctx: GpuContext, src: NDArray, outer: number, axisLen: number, inner: number, idx: NDArray, dst: NDArray): number {
  return gather(ctx, "take", false, src, outer, axisLen, inner, idx, idx.size, dst);
}

/** Backend.takeAlongAxis: dst (outer x m x inner) gathers src (outer x n x inner) at idx of dst's shape; faults are deferred. */
export function takeAlongAxis(ctx: GpuContext, src: NDArray, outer: number, n: number, inner: number, idx: NDArray, m: number, dst: NDArray): number {
  return gather(ctx, "takeAlongAxis", true, src, outer, n, inner, idx, m, dst);
}
