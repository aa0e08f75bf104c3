/// <reference types="@webgpu/types" />
// Row kernels on the GPU: softmax, RMS norm and scans over contiguous rows x n. One
// segment of lanes per row (workgroup.ts): lanes stride through the row and meet in
// workgroup memory, for the row's max and sum (softmax), its sum of squares (RMS
// norm), or a running total carried from chunk to chunk of the row (scans). Floats
// compute in f32 (the CPU carries float sums and products of scans in double).
import type { NDArray } from "../../../array";
import { isFloat } from "../../../dtype";
import { ScanOp } from "../../codes";
import { buf } from "../buffers";
import type { GpuContext } from "../context";
import { ComputeType, FLOAT16, loader, naturalType, NONFINITE, roundedTo, storer } from "../wgsl";
import { enableSubgroups, lanesFor, lanesLoop, segment, SEGMENT_ARGS, segmentGrid, workgroupReduce, workgroupScan } from "./workgroup";

const PARAMS = /* wgsl */ `@group(0) @binding(0) var<storage, read> P: array<u32>;`;

/** f32 max (NaN-propagating) and sum, to combine lanes with. */
const F32_FOLDS = /* wgsl */ `fn fmax(a: f32, b: f32) -> f32 { return select(a, b, b > a || isnan_f(b)); }
fn fsum(a: f32, b: f32) -> f32 { return a + b; }
`;

/**
 * A kernel over rows: `make` gives its declarations and main's body, which runs with
 * `item` (the row), `lane`, `live` (a row, not a spare segment), `n` and `at` (where
 * the row starts in src and in dst) in scope; it is called only the first time this
 * kernel meets these dtypes and width, with the subgroup size its workgroupReduce may
 * use. P: [rows, n, src offset, dst offset, ...extra].
 */
function launchRows(ctx: GpuContext, label: string, width: number, arrays: NDArray[], rows: number, n: number, extra: number[], make: (subgroup: number) => { decls: string; body: string }): void {
  const subgroup = ctx.info.subgroupSize;
  const wgsl = () => {
    const { decls, body } = make(subgroup);
    return `${enableSubgroups(subgroup)}${FLOAT16}${PARAMS}${NONFINITE}${decls}
@compute @workgroup_size(256) fn main(${SEGMENT_ARGS}) {
  ${segment(width)}
  let live = item < P[0];
  let n = P[1];
  let at = item * n;
  ${body}
}`;
  };
  const src = arrays[0], dst = arrays[arrays.length - 1];
  const params = new Uint32Array([rows, n, src.offset, dst.offset, ...extra]);
  const key = `${label}|${arrays.map((a) => a.dtype).join(",")}|${width}|${subgroup}`;
  ctx.dispatch({ label, wgsl, key, buffers: arrays.map(buf), params, workgroups: segmentGrid(rows, width) });
}

/**
 * `each(stmt, loads)`: WGSL running stmt with `i` (this lane's positions in the row),
 * `x` (src there) and each of `loads` (a name and the f32 it loads at i) in scope
 * (lanesLoop: a lane's loads go out together).
 */
const each = (width: number) => (stmt: string, loads: Record<string, string> = {}) => {
  const all: Record<string, string> = { x: "ld_A(P[2] + at + i)", ...loads };
  return `if (live) {
    ${lanesLoop(width, "n", "i", Object.fromEntries(Object.entries(all).map(([v, load]) => [v, { type: "f32", load }])), stmt)}
  }`;
};

/** Backend.softmax: exp(x - max) / sum over each row, in f32; a row with NaN, +inf or only -inf gives NaN. */
export function softmax(ctx: GpuContext, src: NDArray, dst: NDArray, rows: number, n: number): void {
  const width = lanesFor(n);
  const row = each(width);
  launchRows(ctx, "softmax", width, [src, dst], rows, n, [], (subgroup) => ({
    decls: F32_FOLDS + workgroupReduce("row_max", "f32", "fmax", width, false, subgroup) + workgroupReduce("row_sum", "f32", "fsum", width, false, subgroup)
      + loader("A", src.dtype, 1, "f32") + storer("O", dst.dtype, 2, "f32"),
    body: `var m = -inf_f();
  ${row("m = fmax(m, x);")}
  let mx = row_max(lid, m);
  var s = 0.0;
  ${row("s += exp(x - mx);")}
  let inv = 1.0 / row_sum(lid, s);
  ${row("st_O(P[3] + at + i, exp(x - mx) * inv);")}`,
  }));
}

/** eps as an f32's bits, through one shared word (a decode step norms its rows ~50 times). */
const EPS_F32 = new Float32Array(1);
const EPS_BITS = new Uint32Array(EPS_F32.buffer);

/**
 * Backend.rmsNorm: x / sqrt(mean(x^2) + eps) * weight over each row, in f32. With a
 * residual, x is src + add as stored into sum (rounded to its dtype).
 * P: [..., weight offset, eps, add offset, sum offset].
 */
export function rmsNorm(ctx: GpuContext, src: NDArray, weight: NDArray, dst: NDArray, rows: number, n: number, eps: number, residual?: { add: NDArray; sum: NDArray }): void {
  const width = lanesFor(n);
  const row = each(width);
  EPS_F32[0] = eps;
  const epsBits = EPS_BITS[0];
  const norm = (x: string, loads: Record<string, string> = {}) => `let inv = 1.0 / sqrt(row_sum(lid, s) / f32(n) + bitcast<f32>(P[5]));
  ${row(`st_O(P[3] + at + i, (${x}) * inv * w);`, { w: "ld_W(P[4] + i)", ...loads })}`;
  const decls = (subgroup: number, ...more: string[]) => F32_FOLDS + workgroupReduce("row_sum", "f32", "fsum", width, false, subgroup)
    + loader("A", src.dtype, 1, "f32") + loader("W", weight.dtype, 2, "f32") + more.join("") + storer("O", dst.dtype, residual ? 5 : 3, "f32");
  if (residual === undefined) {
    launchRows(ctx, "rmsNorm", width, [src, weight, dst], rows, n, [weight.offset, epsBits], (subgroup) => ({
      decls: decls(subgroup),
      body: `var s = 0.0;
  ${row("s += x * x;")}
  ${norm("x")}`,
    }));
    return;
  }
  const { add, sum } = residual;
  launchRows(ctx, "rmsNorm residual", width, [src, weight, add, sum, dst], rows, n, [weight.offset, epsBits, add.offset, sum.offset], (subgroup) => {
    const h = roundedTo(sum.dtype, "x + r"); // the sum as stored; the second pass makes it again
    const r = { r: "ld_R(P[6] + at + i)" };
    return {
      decls: decls(subgroup, loader("R", add.dtype, 3, "f32"), storer("S", sum.dtype, 4, "f32")),
      body: `var s = 0.0;
  ${row(`let h = ${h}; st_S(P[7] + at + i, h); s += h * h;`, r)}
  ${norm(h, r)}`,
    };
  });
}

/** A scan's combine (earlier, later) and its identity, in compute type t. */
function scanOp(op: ScanOp, t: ComputeType): { combine: string; identity: string } {
  const f = t === "f32";
  switch (op) {
    case ScanOp.cumsum: return { combine: "return a + b;", identity: `${t}(0)` };
    case ScanOp.cumprod: return { combine: "return a * b;", identity: `${t}(1)` };
    case ScanOp.cummax: return {
      combine: f ? "return select(a, b, b > a || isnan_f(b));" : "return max(a, b);",
      identity: f ? "-inf_f()" : t === "i32" ? "i32(-2147483648)" : "0u",
    };
    case ScanOp.cummin: return {
      combine: f ? "return select(a, b, b < a || isnan_f(b));" : "return min(a, b);",
      identity: f ? "inf_f()" : t === "i32" ? "2147483647i" : "0xffffffffu",
    };
  }
}

/** Elements a lane of a scan reads per chunk, scanning them in order on its own. */
const SCAN_RUN = 8;

/**
 * Backend.scan: inclusive scans of each row (from its end when `reverse`), in chunks:
 * each lane scans a run of SCAN_RUN elements, the workgroup scans the runs' totals.
 * Floats in f32; integers in the source's 32-bit type, whose wrapping has the bits of
 * the CPU's int64 results once stored. P: [..., reverse].
 */
export function scan(ctx: GpuContext, op: ScanOp, reverse: boolean, src: NDArray, dst: NDArray, rows: number, n: number): void {
  const t: ComputeType = isFloat(src.dtype) || isFloat(dst.dtype) ? "f32" : naturalType(src.dtype);
  const width = lanesFor(n, SCAN_RUN);
  launchRows(ctx, `scan ${ScanOp[op]}`, width, [src, dst], rows, n, [reverse ? 1 : 0], () => {
    const { combine, identity } = scanOp(op, t);
    return {
      decls: `fn combine(a: ${t}, b: ${t}) -> ${t} { ${combine} }
fn pos(i: u32, n: u32) -> u32 { return select(i, n - 1u - i, P[4] != 0u); }
${workgroupScan("row_scan", t, "combine", width)}${loader("A", src.dtype, 1, t)}${storer("O", dst.dtype, 2, t)}`,
      body: `var carry = ${identity};
  for (var c = 0u; c < n; c += ${width * SCAN_RUN}u) {
    let first = c + lane * ${SCAN_RUN}u;
    var run: array<${t}, ${SCAN_RUN}>;
    var acc = ${identity};
    for (var j = 0u; j < ${SCAN_RUN}u; j++) {
      if (live && first + j < n) { acc = combine(acc, ld_A(P[2] + at + pos(first + j, n))); }
      run[j] = acc;
    }
    let before = row_scan(lid, acc, &carry);
    for (var j = 0u; j < ${SCAN_RUN}u; j++) {
      if (live && first + j < n) { st_O(P[3] + at + pos(first + j, n), combine(before, run[j])); }
    }
  }`,
    };
  });
}
