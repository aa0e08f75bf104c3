/// <reference types="@webgpu/types" />
// The GEMV for small M (decode): M x K @ K x N with M <= GEMV_MAX_M. Decode is
// memory-bound, so the kernel is built around streaming B once: each workgroup of
// 256 threads owns a few columns of N, stages A's rows chunk by chunk of K in
// workgroup memory, and its threads split K between them and add up at the end.
//
// Two ways to walk B:
// - "vec": B contiguous along K (x @ W^T with W N x K row-major, the linear layers;
//   q @ K^T), its columns 16-byte aligned: 32 threads per column, each reading 16
//   bytes at a time (4 f32 or 8 f16/bf16 values), 8 columns per workgroup.
// - otherwise: 64 columns per workgroup, one thread per column, 4 threads splitting
//   K, so that neighbouring threads read neighbouring elements when B is contiguous
//   along N.
import type { Dtype } from "../../../dtype";
import { FLOAT16, loader, storer } from "../wgsl";
import { MATMUL_HEAD, MATMUL_PARAMS, type MatmulLaunch } from "./matmul-launch";

/** Largest M that takes the GEMV. */
export const GEMV_MAX_M = 8;
/** Fewest columns a GEMV workgroup owns. */
export const GEMV_COLUMNS_MIN = 8;

/** WGSL unpacking the vec4<u32> `w` of B into f32 vec4s `b0` (and `b1` for 16-bit dtypes). */
function unpack(dt: Dtype): string {
  switch (dt) {
    case "float32": return "let b0 = bitcast<vec4<f32>>(w);";
    case "float16": return "let b0 = vec4(unpack2x16float(w.x), unpack2x16float(w.y)); let b1 = vec4(unpack2x16float(w.z), unpack2x16float(w.w));";
    default: return `let lo = bitcast<vec4<f32>>(w << vec4(16u)); let hi = bitcast<vec4<f32>>(w & vec4(0xffff0000u));
      let b0 = vec4(lo.x, hi.x, lo.y, hi.y); let b1 = vec4(lo.z, hi.z, lo.w, hi.w);`;
  }
}

/** The kernel's WGSL for `rows` rows of A; `vec` picks the 16-byte walk of B. */
function source(l: MatmulLaunch, rows: number, vec: boolean): string {
  const bDt = l.b.array.dtype;
  const per = vec ? 16 / l.b.array.itemsize : 1;  // B values a thread reads at once
  const lanes = vec ? 32 : 4;                      // threads splitting K for one column
  const cols = 256 / lanes;
  const kc = rows <= 4 ? 1024 : 512;               // K chunk of A staged: rows x kc f32
  const thread = (c: string, s: string) => (vec ? `${c} * ${lanes}u + ${s}` : `${s} * ${cols}u + ${c}`);
  const dots = per === 8 ? "dot(As[r * KC4 + 2u * u], b0) + dot(As[r * KC4 + 2u * u + 1u], b1)" : "dot(As[r * KC4 + u], b0)";
  const body = vec
    ? `let col = b_at(bt, k0, n) / ${per}u;
      for (var u = s; u < kc / ${per}u; u += ${lanes}u) {
        let w = B4[col + u];
        ${unpack(bDt)}
        for (var r = 0u; r < ROWS; r++) { acc[r] += ${dots}; }
      }`
    : `for (var k = s; k < kc; k += ${lanes}u) {
        let b = ld_B(b_at(bt, k0 + k, n));
        for (var r = 0u; r < ROWS; r++) { acc[r] += As[r * KC4 + k / 4u][k % 4u] * b; }
      }`;
  const bDecl = vec ? "@group(0) @binding(2) var<storage, read> B4: array<vec4<u32>>;\n" : loader("B", bDt, 2, "f32");
  return `${FLOAT16}${MATMUL_PARAMS}
${loader("A", l.a.array.dtype, 1, "f32")}${bDecl}${storer("O", l.dst.dtype, 3, "f32")}
const ROWS = ${rows}u;
const KC = ${kc}u;
const KC4 = ${kc / 4}u;
var<workgroup> As: array<vec4<f32>, ${(rows * kc) / 4}>;  // ROWS x KC
var<workgroup> partial: array<f32, ${256 * rows}>;       // ROWS x 256 threads
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  let N = P[1]; let K = P[2]; let bt = wg.y;
  let c = ${vec ? `t / ${lanes}u` : `t % ${cols}u`}; let s = ${vec ? `t % ${lanes}u` : `t / ${cols}u`};
  let n = wg.x * ${cols}u + c;
  var acc: array<f32, ${rows}>;
  for (var k0 = 0u; k0 < K; k0 += KC) {
    let kc = min(KC, K - k0);
    for (var e = t; e < ROWS * KC; e += 256u) {
      var v = 0.0;
      if (e % KC < kc) { v = ld_A(a_at(bt, e / KC, k0 + e % KC)); }
      As[e / 4u][e % 4u] = v;
    }
    workgroupBarrier();
    if (n < N) {
      ${body}
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < ROWS; r++) { partial[r * 256u + t] = acc[r]; }
  workgroupBarrier();
  for (var p = t; p < ${cols}u * ROWS; p += 256u) {
    let pc = p % ${cols}u; let r = p / ${cols}u; let pn = wg.x * ${cols}u + pc;
    var sum = 0.0;
    for (var ps = 0u; ps < ${lanes}u; ps++) { sum += partial[r * 256u + ${thread("pc", "ps")}]; }
    if (pn < N) { st_O(P[8] + (bt * ROWS + r) * N + pn, sum); }
  }
}`;
}

/** Whether B can be read 16 bytes at a time: contiguous along K, every column 16-byte aligned. */
function vecApplies(l: MatmulLaunch): boolean {
  const per = 16 / l.b.array.itemsize;
  const offsets = l.params.subarray(MATMUL_HEAD + l.count);
  return l.b.rowStride === 1 && l.K % per === 0 && (l.N === 1 || l.b.colStride % per === 0) && offsets.every((o) => o % per === 0);
}

/** Records the GEMV for one launch's batches (M <= GEMV_MAX_M). */
export function gemv(l: MatmulLaunch): void {
  const vec = vecApplies(l);
  const cols = vec ? 8 : 64;
  l.ctx.dispatch({
    label: "matmul",
    key: `gemv|${l.a.array.dtype},${l.b.array.dtype},${l.dst.dtype}|${l.M}|${vec}`,
    wgsl: () => source(l, l.M, vec),
    buffers: l.buffers,
    params: l.params,
    workgroups: [Math.ceil(l.N / cols), l.count],
  });
}
