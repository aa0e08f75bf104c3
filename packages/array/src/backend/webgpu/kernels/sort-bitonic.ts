/// <reference types="@webgpu/types" />
// Bitonic sorting networks over (key, index) pairs, the kernels that sort.ts strings
// together. A key is a u32 whose unsigned order is the wanted order of the values
// (sort.cc's row_keys: NaN above everything, -0 equal to +0, complemented for
// descending order); pairs compare by key, then index, so every order is stable and
// padding (key and index 0xffffffff) sorts after every real element.
import type { NDArray } from "../../../array";
import type { Dtype } from "../../../dtype";
import { buf } from "../buffers";
import type { GpuContext } from "../context";
import { FLOAT16, grid, LINEAR, LINEAR_ID, loader, naturalType } from "../wgsl";

/** Largest segment one workgroup sorts in workgroup memory (2 x 8 KiB). */
export const SEGMENT = 2048;

/** Where a segment kernel reads pairs: a source array's values (made keys) or a pair buffer. */
export type SegmentInput = { src: NDArray; descending: boolean } | { pairs: GPUBuffer; offset: number };
/** Where it writes: a pair buffer, or the indices only into an int32 array. */
export type SegmentOutput = { pairs: GPUBuffer } | { dst: NDArray };

/** How rows are cut into segments and what each segment keeps. */
export interface SegmentPlan {
  rows: number;
  /** Valid elements of an input row, and the distance between input rows. */
  inLen: number;
  inStride: number;
  /** Segment size (a power of 2 up to SEGMENT), and segments per row. */
  seg: number;
  segments: number;
  /** Stage of a global sort whose last steps (j < seg) this merges, or 0 to sort each segment whole. */
  stage: number;
  /** Directions alternate with the global position (part of a global sort) or every segment ascends. */
  global: boolean;
  /** Sorted pairs each segment writes at segment * keep, and where an output row ends. */
  keep: number;
  outLen: number;
  outStride: number;
}

const PAIR_ORDER = /* wgsl */ `
fn after(a: vec2<u32>, b: vec2<u32>) -> bool { return a.x > b.x || (a.x == b.x && a.y > b.y); }
`;

/** WGSL `fn key(i: u32) -> u32` of element i of S (dtype dt). */
function keyOf(dt: Dtype, descending: boolean): string {
  const t = naturalType(dt);
  const flip = descending ? "~" : "";
  let body: string;
  if (t === "f32") {
    body = `var u = bitcast<u32>(ld_S(i));
  if ((u & 0x7fffffffu) > 0x7f800000u) { return ${flip}0xffffffffu; }
  if ((u & 0x7fffffffu) == 0u) { u = 0u; }
  return ${flip}select(u | 0x80000000u, ~u, (u & 0x80000000u) != 0u);`;
  } else {
    body = `return ${flip}(${t === "i32" ? "bitcast<u32>(ld_S(i)) ^ 0x80000000u" : "ld_S(i)"});`;
  }
  return `${FLOAT16}${loader("S", dt, 1, t)}fn key(i: u32) -> u32 {
  ${body}
}
fn load(at: u32, i: u32) -> vec2<u32> { return vec2(key(at), i); }
`;
}

/**
 * Sorts (or merges) segments in workgroup memory. P = [rows, inLen, inStride, in
 * offset, seg, segments, stage, global, keep, outLen, outStride, out offset].
 */
function segmentSource(input: SegmentInput, output: SegmentOutput): string {
  const load = "src" in input ? keyOf(input.src.dtype, input.descending)
    : "@group(0) @binding(1) var<storage, read> X: array<vec2<u32>>;\nfn load(at: u32, i: u32) -> vec2<u32> { return X[at]; }\n";
  const store = "pairs" in output
    ? "@group(0) @binding(2) var<storage, read_write> Y: array<vec2<u32>>;\nfn store(at: u32, v: vec2<u32>) { Y[at] = v; }\n"
    : "@group(0) @binding(2) var<storage, read_write> Y: array<u32>;\nfn store(at: u32, v: vec2<u32>) { Y[at] = v.y; }\n";
  return `@group(0) @binding(0) var<storage, read> P: array<u32>;
${load}${store}${PAIR_ORDER}
var<workgroup> keys: array<u32, ${SEGMENT}>;
var<workgroup> ids: array<u32, ${SEGMENT}>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) t: u32) {
  let seg = P[4]; let segments = P[5]; let stage = P[6];
  let w = wg.x + wg.y * nwg.x;
  if (w >= P[0] * segments) { return; }
  let r = w / segments; let s = w % segments;
  for (var p = t; p < seg; p += 256u) {
    let i = s * seg + p;
    var v = vec2(0xffffffffu);
    if (i < P[1]) { v = load(P[3] + r * P[2] + i, i); }
    keys[p] = v.x; ids[p] = v.y;
  }
  workgroupBarrier();
  let base = select(0u, s * seg, P[7] != 0u);
  for (var k = select(2u, stage, stage != 0u); k <= select(seg, stage, stage != 0u); k <<= 1u) {
    for (var j = min(k, seg) >> 1u; j > 0u; j >>= 1u) {
      for (var q = t; q < seg / 2u; q += 256u) {
        let i = 2u * j * (q / j) + q % j; let l = i + j;
        let a = vec2(keys[i], ids[i]); let b = vec2(keys[l], ids[l]);
        if (after(a, b) == (((base + i) & k) == 0u)) { keys[i] = b.x; ids[i] = b.y; keys[l] = a.x; ids[l] = a.y; }
      }
      workgroupBarrier();
    }
  }
  for (var p = t; p < P[8]; p += 256u) {
    let o = s * P[8] + p;
    var v = vec2(0xffffffffu);
    if (p < seg) { v = vec2(keys[p], ids[p]); }
    if (o < P[9]) { store(P[11] + r * P[10] + o, v); }
  }
}`;
}

/** Records the segment kernel over every (row, segment) of `plan`. */
export function sortSegments(ctx: GpuContext, input: SegmentInput, output: SegmentOutput, plan: SegmentPlan): void {
  const groups = plan.rows * plan.segments;
  const x = Math.min(groups, ctx.limits.workgroupsPerDimension);
  ctx.dispatch({
    label: "sort",
    key: `sort segments|${"src" in input ? `${input.src.dtype},${input.descending}` : "pairs"}|${"pairs" in output ? "pairs" : "indices"}`,
    wgsl: () => segmentSource(input, output),
    buffers: ["src" in input ? buf(input.src) : input.pairs, "pairs" in output ? output.pairs : buf(output.dst)],
    params: new Uint32Array([plan.rows, plan.inLen, plan.inStride, "src" in input ? input.src.offset : input.offset, plan.seg, plan.segments, plan.stage, plan.global ? 1 : 0,
      plan.keep, plan.outLen, plan.outStride, "dst" in output ? output.dst.offset : 0]),
    workgroups: [x, Math.ceil(groups / x)],
  });
}

/** One compare-exchange step (stage k, distance j) of a global bitonic sort of rows of `len` pairs, from X into Y. */
const GLOBAL_STEP = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>;  // [rows * len / 2, len, k, j]
@group(0) @binding(1) var<storage, read> X: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read_write> Y: array<vec2<u32>>;
${PAIR_ORDER}
@compute @workgroup_size(256) fn main(${LINEAR_ID}) {
  let q = ${LINEAR};
  if (q >= P[0]) { return; }
  let half = P[1] / 2u; let k = P[2]; let j = P[3];
  let h = q % half; let row = (q / half) * P[1];
  let i = 2u * j * (h / j) + h % j; let l = i + j;
  let a = X[row + i]; let b = X[row + l];
  let swap = after(a, b) == ((i & k) == 0u);
  Y[row + i] = select(a, b, swap); Y[row + l] = select(b, a, swap);
}`;

/** Records one global compare-exchange step over `rows` rows of `len` pairs (from X into Y). */
export function globalStep(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, rows: number, len: number, k: number, j: number): void {
  const n = (rows * len) / 2;
  ctx.dispatch({ label: "sort", wgsl: GLOBAL_STEP, buffers: [x, y], params: new Uint32Array([n, len, k, j]), workgroups: grid(n) });
}
