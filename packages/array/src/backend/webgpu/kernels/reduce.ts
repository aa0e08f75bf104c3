/// <reference types="@webgpu/types" />
// Reductions on the GPU (sum, mean, prod, max, min, argmax, argmin, logsumexp, any, all).
// One segment of lanes per output (workgroup.ts): each lane folds every width-th of
// the output's reduced elements, read through src's strides, then the segment's lanes
// combine in workgroup memory. Float sources (and mean, logsumexp) compute in f32;
// integers in their own 32-bit type, whose wrapping sums and products have the bits
// that the CPU's int64 ones keep when stored. Ties of argmax / argmin go to the first
// index and the first NaN wins, whatever order the lanes combine in.
import type { NDArray } from "../../../array";
import { isFloat } from "../../../dtype";
import { ReduceOp } from "../../codes";
import { buf } from "../buffers";
import type { GpuContext } from "../context";
import { collapse, ComputeType, FLOAT16, loader, MAX_DIMS, naturalType, NONFINITE, storer, WORKGROUP } from "../wgsl";
import { enableSubgroups, lanesFor, lanesLoop, segment, SEGMENT_ARGS, segmentGrid, UNROLL, workgroupReduce } from "./workgroup";

/** How one op folds: accumulator type, its start, one element x (at flat index k) as an accumulator, the combine, the output value of total r. */
interface Fold {
  acc: string;
  init: string;
  lift: string;
  combine: string;
  result: string;
  out: ComputeType;
}

/** NaN-propagating max / min of f32: once NaN, always NaN. */
const extremeF = (cmp: string) => `return select(a, b, b ${cmp} a || isnan_f(b));`;

function fold(op: Exclude<ReduceOp, ReduceOp.logsumexp>, t: ComputeType): Fold {
  const id = (init: string, combine: string, result = "r", out = t): Fold => ({ acc: t, init, lift: "x", combine, result, out });
  const nonzero = t === "f32" ? "x != 0.0 || isnan_f(x)" : `x != ${t}(0)`;
  const flag = (init: string, combine: string): Fold => ({ acc: "u32", init, lift: `select(0u, 1u, ${nonzero})`, combine, result: "r", out: "u32" });
  const lowest = t === "f32" ? "-inf_f()" : t === "i32" ? "i32(-2147483648)" : "0u";
  const highest = t === "f32" ? "inf_f()" : t === "i32" ? "2147483647i" : "0xffffffffu";
  switch (op) {
    case ReduceOp.sum: return id(`${t}(0)`, "return a + b;");
    case ReduceOp.mean: return id("0.0", "return a + b;", "select(nan_f(), r / f32(P[1]), P[1] > 0u)");
    case ReduceOp.prod: return id(`${t}(1)`, "return a * b;");
    case ReduceOp.max: return id(lowest, t === "f32" ? extremeF(">") : "return max(a, b);");
    case ReduceOp.min: return id(highest, t === "f32" ? extremeF("<") : "return min(a, b);");
    case ReduceOp.argmax: case ReduceOp.argmin: {
      const better = op === ReduceOp.argmax ? ">" : "<";
      const nan = (v: string) => (t === "f32" ? `isnan_f(${v})` : "false");
      // i < 0: a lane that has seen nothing.
      const combine = `if (b.i < 0) { return a; }
  if (a.i < 0) { return b; }
  let nanB = ${nan("b.v")};
  if (select(nanB || b.v ${better} a.v || (b.v == a.v && b.i < a.i), nanB && b.i < a.i, ${nan("a.v")})) { return b; }
  return a;`;
      return { acc: "Arg", init: `Arg(${t}(0), -1)`, lift: "Arg(x, i32(k))", combine, result: "max(r.i, 0)", out: "i32" };
    }
    case ReduceOp.any: return flag("0u", "return a | b;");
    case ReduceOp.all: return flag("1u", "return a & b;");
  }
}

/** A reduction's WGSL: declarations, and main's body once `item`, `lane`, `live` and `base` are known. */
interface Kernel {
  decls: string;
  body: string;
  out: ComputeType;
}

/** `each(stmt)`: WGSL running stmt with `x` (and its flat index `k`) over this lane's elements. */
type Each = (stmt: string) => string;

/** A fold of each segment's elements; its total r is stored by `store` (by default the output, f.result of it). */
function folded(f: Fold, t: ComputeType, each: Each, width: number, columns: boolean, subgroup: number, store = `st_O(item, ${f.result});`): Kernel {
  const decls = `${f.acc === "Arg" ? `struct Arg { v: ${t}, i: i32 }\n` : ""}fn combine(a: ${f.acc}, b: ${f.acc}) -> ${f.acc} {
  ${f.combine}
}
${workgroupReduce("reduce_all", f.acc, "combine", width, columns, subgroup)}`;
  const body = `var acc = ${f.init};
  ${each(`acc = combine(acc, ${f.lift});`)}
  let r = reduce_all(lid, acc);
  if (live && lane == 0u) { ${store} }`;
  return { decls, body, out: f.out };
}

/** The max first; then the sum of exp(x - max), unless the max is not finite (then it is the answer). */
function logsumexp(each: Each, width: number, columns: boolean, subgroup: number): Kernel {
  const decls = `fn fmax(a: f32, b: f32) -> f32 { ${extremeF(">")} }
fn fsum(a: f32, b: f32) -> f32 { return a + b; }
${workgroupReduce("reduce_max", "f32", "fmax", width, columns, subgroup)}${workgroupReduce("reduce_sum", "f32", "fsum", width, columns, subgroup)}`;
  const body = `var m = -inf_f();
  ${each("m = fmax(m, x);")}
  let mx = reduce_max(lid, m);
  let shift = select(0.0, mx, finite_f(mx));
  var s = 0.0;
  ${each("s += exp(x - shift);")}
  let total = reduce_sum(lid, s);
  if (live && lane == 0u) { st_O(item, select(mx, mx + log(total), finite_f(mx))); }`;
  return { decls, body, out: "f32" };
}

/** The dims that `shape` (with `strides`) collapses to. */
function walk(op: string, shape: number[], strides: number[]): { shape: number[]; strides: number[] } {
  const c = collapse(op, shape, [strides]);
  return { shape: c.shape, strides: c.strides[0] };
}

const WALK_WORDS = 1 + 2 * MAX_DIMS;
const OUTER_AT = 3, INNER_AT = OUTER_AT + WALK_WORDS, PARTS_AT = INNER_AT + WALK_WORDS;

/** WGSL `walk(at, i)`: the element offset of flat index i over the dims described at P[at] ([ndim, shape, strides]). */
const WALK = /* wgsl */ `
fn walk(at: u32, i: u32) -> i32 {
  var rem = i;
  var off = 0i;
  for (var d = i32(P[at]) - 1; d >= 0; d--) {
    let s = P[at + 1u + u32(d)];
    off += i32(rem % s) * bitcast<i32>(P[at + ${1 + MAX_DIMS}u + u32(d)]);
    rem = rem / s;
  }
  return off;
}
`;

/**
 * A row reduction to few outputs is split: with one segment (one workgroup) per output,
 * an argmax over Qwen2's 151,936-word vocabulary took 77-80 us of a decode step on an
 * H200, a lane's 594 elements in 37 rounds of loads, while the GPU's other compute units
 * idled. Split, each of `parts` segments per output folds SPLIT_CHUNK elements (one round
 * of loads a lane) into a partial accumulator, and a second launch folds those.
 */
const SPLIT_CHUNK = WORKGROUP * UNROLL;
/** Split only where the outputs' own segments leave most of a GPU idle, and each has several rounds of loads. */
const SPLIT_MAX_OUTPUTS = 32;
const SPLIT_MIN_PARTS = 4;

/** Reduce `src` over `axes` (sorted) into contiguous `dst` of the remaining dims (Backend.reduce). */
export function reduce(ctx: GpuContext, op: ReduceOp, src: NDArray, axes: number[], dst: NDArray): void {
  const label = `reduce ${ReduceOp[op]}`;
  const dims = (inner: boolean) => src.shape.map((_, i) => i).filter((i) => axes.includes(i) === inner);
  const outer = walk(label, dims(false).map((i) => src.shape[i]), dims(false).map((i) => src.strides[i]));
  const inner = walk(label, dims(true).map((i) => src.shape[i]), dims(true).map((i) => src.strides[i]));
  const K = axes.reduce((p, i) => p * src.shape[i], 1);

  // A reduction over a leading axis: neighbouring outputs are neighbours in memory.
  const columns = inner.strides.at(-1) !== 1 && outer.strides.at(-1) === 1 && outer.shape.at(-1)! >= 16;
  const split = Math.ceil(K / SPLIT_CHUNK);
  const parts = !columns && op !== ReduceOp.logsumexp && dst.size <= SPLIT_MAX_OUTPUTS && split >= SPLIT_MIN_PARTS ? split : 1;

  // P: [outputs, K, src offset, outer dims, inner dims (see WALK), parts].
  const p = new Uint32Array(PARTS_AT + 1);
  const i32 = new Int32Array(p.buffer);
  p[0] = dst.size; p[1] = K; p[2] = src.offset; p[PARTS_AT] = parts;
  for (const [at, d] of [[OUTER_AT, outer], [INNER_AT, inner]] as const) {
    p[at] = d.shape.length;
    d.shape.forEach((n, j) => (p[at + 1 + j] = n));
    d.strides.forEach((s, j) => (i32[at + 1 + MAX_DIMS + j] = s));
  }

  const width = columns ? Math.min(16, lanesFor(K)) : lanesFor(parts > 1 ? SPLIT_CHUNK : K);
  const fl = isFloat(src.dtype) || op === ReduceOp.mean || op === ReduceOp.logsumexp;
  const t: ComputeType = fl ? "f32" : naturalType(src.dtype);
  // Reduced dims that collapse to one (a row) step by its stride: no walk's divisions per
  // element (an argmax over a 151,936-word vocabulary took 285 us with them, on an H200).
  const flat = inner.shape.length === 1;
  const at = (k: string) => (flat ? `i32(${k}) * bitcast<i32>(P[${INNER_AT + 1 + MAX_DIMS}u])` : `walk(${INNER_AT}u, ${k})`);
  // The segment's elements: k from `first`, `n` of them.
  const each = (first: string, n: string) => (stmt: string) => `if (live) {
    ${lanesLoop(width, n, "j", { x: { type: t, load: `ld_A(u32(base + ${at(`${first} + j`)}))` } }, `let k = ${first} + j; ${stmt}`)}
  }`;

  const subgroup = ctx.info.subgroupSize;
  const head = `${enableSubgroups(subgroup)}${FLOAT16}@group(0) @binding(0) var<storage, read> P: array<u32>;\n`;
  const key = `${label}|${src.dtype}|${dst.dtype}|${width}|${columns}|${flat}|${subgroup}`;
  const grid = segmentGrid(dst.size * parts, width);
  // Segment `item` folds part item % parts of output item / parts (one part: the whole row).
  const main = (kernel: Kernel, store: string) => `${head}${NONFINITE}${WALK}${loader("A", src.dtype, 1, t)}${store}${kernel.decls}
@compute @workgroup_size(${WORKGROUP}) fn main(${SEGMENT_ARGS}) {
  ${segment(width, columns)}
  let live = item < P[0] * P[${PARTS_AT}];
  let kfirst = (item % P[${PARTS_AT}]) * ${SPLIT_CHUNK}u;
  var base = 0i;
  if (live) { base = bitcast<i32>(P[2]) + walk(${OUTER_AT}u, item / P[${PARTS_AT}]); }
  ${kernel.body}
}`;
  if (parts === 1) {
    const wgsl = () => {
      const kernel = op === ReduceOp.logsumexp ? logsumexp(each("0u", "P[1]"), width, columns, subgroup) : folded(fold(op, t), t, each("0u", "P[1]"), width, columns, subgroup);
      return main(kernel, storer("O", dst.dtype, 2, kernel.out));
    };
    ctx.dispatch({ label, wgsl, key, buffers: [buf(src), buf(dst)], params: p, workgroups: grid });
    return;
  }

  const f = fold(op as Exclude<ReduceOp, ReduceOp.logsumexp>, t);
  const partials = ctx.allocate(dst.size * parts * (f.acc === "Arg" ? 8 : 4), false);
  const first = () => main(
    folded(f, t, each("kfirst", `min(P[1] - kfirst, ${SPLIT_CHUNK}u)`), width, false, subgroup, "PART[item] = r;"),
    `@group(0) @binding(2) var<storage, read_write> PART: array<${f.acc}>;\n`,
  );
  ctx.dispatch({ label: `${label} (parts)`, wgsl: first, key: `${key}|parts`, buffers: [buf(src), partials.buffer], params: p, workgroups: grid });
  // Each output's partials, folded by a segment of as many lanes as there are partials (up to
  // a workgroup): the same fold, each partial already an accumulator.
  const width2 = lanesFor(parts, 1);
  const overPartials = (stmt: string) => `if (live) {
    for (var j = lane; j < P[${PARTS_AT}]; j += ${width2}u) { let x = PART[item * P[${PARTS_AT}] + j]; ${stmt} }
  }`;
  const second = () => {
    const kernel = folded({ ...f, lift: "x" }, t, overPartials, width2, false, subgroup);
    return `${head}${NONFINITE}${kernel.decls}
@group(0) @binding(1) var<storage, read> PART: array<${f.acc}>;
${storer("O", dst.dtype, 2, f.out)}
@compute @workgroup_size(${WORKGROUP}) fn main(${SEGMENT_ARGS}) {
  ${segment(width2)}
  let live = item < P[0];
  ${kernel.body}
}`;
  };
  ctx.dispatch({ label, wgsl: second, key: `${label}|partials|${src.dtype}|${dst.dtype}|${width2}|${subgroup}`, buffers: [partials.buffer, buf(dst)], params: p, workgroups: segmentGrid(dst.size, width2) });
  ctx.pool.release(partials);
}
