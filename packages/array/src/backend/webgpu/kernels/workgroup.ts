// Workgroup-cooperative WGSL: a workgroup of WORKGROUP threads split into segments
// of `width` lanes (a power of two), each segment working on one item (an output of
// a reduction, a row of a scan). Wide items get a whole workgroup; narrow ones share
// it, so that many short rows do not leave most threads idle. Lanes of one segment
// are neighbours in local_invocation_index ("contiguous"), or `WORKGROUP / width`
// apart ("interleaved": neighbouring threads then work on neighbouring items, which
// keeps reads of a column reduction adjacent in memory).
import { grid, WORKGROUP } from "../wgsl";

/** The entry point's arguments of a segmented kernel (with `segment()` in its body). */
export const SEGMENT_ARGS = /* wgsl */ `@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u`;

/** WGSL statements defining `item` (this segment's item) and `lane` (0 .. width-1). */
export function segment(width: number, interleaved = false): string {
  const items = WORKGROUP / width;
  const [slot, lane] = interleaved ? [`lid % ${items}u`, `lid / ${items}u`] : [`lid / ${width}u`, `lid % ${width}u`];
  return `let item = (wid.x + wid.y * nwg.x) * ${items}u + ${slot};
  let lane = ${lane};`;
}

/** Workgroups for `items` segments of `width` lanes. */
export const segmentGrid = (items: number, width: number) => grid(items * width);

/** Lanes for an item of n elements: about `perLane` elements each, a power of two up to WORKGROUP. */
export function lanesFor(n: number, perLane = 16): number {
  let w = 1;
  while (w < WORKGROUP && w * perLane < n) w *= 2;
  return w;
}

/** Positions a lane loads before it uses any (lanesLoop). */
export const UNROLL = 16;

/**
 * WGSL: a lane's walk over positions `index` = lane, lane + width, ... below `n` (a u32
 * expression), running `stmt` on each in that order with `index` and each of `loads`
 * (a name, its WGSL type and the expression of `index` it loads) in scope. The lane
 * loads UNROLL positions' values first and then runs stmt on each: loads that wait for
 * the statements before them go one round trip to memory at a time (on an H200 a norm
 * of one 3,584-wide row took 19 us so, and an argmax over a 151,936-word row 245 us).
 */
export function lanesLoop(width: number, n: string, index: string, loads: Record<string, { type: string; load: string }>, stmt: string): string {
  const names = Object.keys(loads);
  return `for (var ${index}0 = lane; ${index}0 < ${n}; ${index}0 += ${UNROLL * width}u) {
      ${names.map((v) => `var ${v}_u: array<${loads[v].type}, ${UNROLL}>;`).join(" ")}
      for (var u = 0u; u < ${UNROLL}u; u++) {
        let ${index} = min(${index}0 + u * ${width}u, ${n} - 1u);
        ${names.map((v) => `${v}_u[u] = ${loads[v].load};`).join(" ")}
      }
      for (var u = 0u; u < ${UNROLL}u; u++) {
        let ${index} = ${index}0 + u * ${width}u;
        if (${index} < ${n}) { ${names.map((v) => `let ${v} = ${v}_u[u];`).join(" ")} ${stmt} }
      }
    }`;
}

/** The WGSL directive that a kernel with workgroupReduce(..., subgroup) starts with. */
export const enableSubgroups = (subgroup: number): string => (subgroup > 0 ? "enable subgroups;\n" : "");

/**
 * WGSL `fn <name>(lid: u32, v: T) -> T`: every segment's lanes combine their values
 * `v` with WGSL function `combine(a: T, b: T) -> T` (associative; in lane order when
 * it is not commutative), and each lane gets its segment's total. Holds barriers:
 * every thread of the workgroup must call it, in uniform control flow.
 *
 * With `subgroup` (GpuInfo.subgroupSize, > 0; the kernel enables subgroups), contiguous
 * segments of a scalar T combine by shuffles within each subgroup, and only the
 * subgroups' totals meet in workgroup memory: at most two barriers instead of
 * 2 + log2(width). A norm of
 * one 3,584-wide row (256 lanes) waited on ten barriers in a row; with two, a Qwen2-7B
 * decode step with float32 activations (56 such norms) took 4.22-4.26 ms on an H200
 * against 4.30-4.35, alternated in one process.
 */
export function workgroupReduce(name: string, type: string, combine: string, width: number, interleaved = false, subgroup = 0): string {
  if (subgroup > 0 && !interleaved && ["f32", "i32", "u32"].includes(type)) return subgroupReduce(name, type, combine, width, subgroup);
  const stride = interleaved ? WORKGROUP / width : 1;
  return `
var<workgroup> ${name}_mem: array<${type}, ${WORKGROUP}>;
fn ${name}(lid: u32, v: ${type}) -> ${type} {
  ${name}_mem[lid] = v;
  workgroupBarrier();
  let lane = (lid / ${stride}u) % ${width}u;
  for (var s = ${width >> 1}u; s > 0u; s >>= 1u) {
    if (lane < s) { ${name}_mem[lid] = ${combine}(${name}_mem[lid], ${name}_mem[lid + s * ${stride}u]); }
    workgroupBarrier();
  }
  let total = ${name}_mem[lid - lane * ${stride}u];
  workgroupBarrier();
  return total;
}
`;
}

/**
 * workgroupReduce by subgroups: a butterfly of shuffles over the segment's lanes within
 * its subgroup (the lower lane's value on the left, so that lane order holds), then, for
 * a segment wider than a subgroup, its subgroups' totals in workgroup memory.
 */
function subgroupReduce(name: string, type: string, combine: string, width: number, subgroup: number): string {
  const span = Math.min(width, subgroup);
  const butterfly = `var x = v;
  for (var o = 1u; o < ${span}u; o <<= 1u) {
    let y = subgroupShuffleXor(x, o);
    x = select(${combine}(x, y), ${combine}(y, x), (lid & o) != 0u);
  }`;
  if (width <= subgroup) return `
fn ${name}(lid: u32, v: ${type}) -> ${type} {
  ${butterfly}
  return x;
}
`;
  const parts = width / subgroup;
  return `
var<workgroup> ${name}_mem: array<${type}, ${WORKGROUP / subgroup}>;
fn ${name}(lid: u32, v: ${type}) -> ${type} {
  ${butterfly}
  if (lid % ${subgroup}u == 0u) { ${name}_mem[lid / ${subgroup}u] = x; }
  workgroupBarrier();
  let first = (lid / ${width}u) * ${parts}u;  // the segment's first subgroup
  var total = ${name}_mem[first];
  for (var i = 1u; i < ${parts}u; i++) { total = ${combine}(total, ${name}_mem[first + i]); }
  workgroupBarrier();
  return total;
}
`;
}

/**
 * WGSL `fn <name>(lid: u32, v: T, carry: ptr<function, T>) -> T`: an exclusive scan
 * over the lanes of each contiguous segment, continued from `*carry`: a lane gets
 * `*carry` combined with the values `v` of the lanes before it, and `*carry` becomes
 * the running total of them all (so a segment scans a long row in chunks; lanes past
 * the row's end pass combine's identity). Same barrier rules as workgroupReduce.
 */
export function workgroupScan(name: string, type: string, combine: string, width: number): string {
  return `
var<workgroup> ${name}_mem: array<${type}, ${WORKGROUP}>;
fn ${name}(lid: u32, v: ${type}, carry: ptr<function, ${type}>) -> ${type} {
  let lane = lid % ${width}u;
  ${name}_mem[lid] = v;
  workgroupBarrier();
  for (var s = 1u; s < ${width}u; s <<= 1u) {
    var x = ${name}_mem[lid];
    if (lane >= s) { x = ${combine}(${name}_mem[lid - s], x); }
    workgroupBarrier();
    ${name}_mem[lid] = x;
    workgroupBarrier();
  }
  let before = select(${combine}(*carry, ${name}_mem[max(lid, 1u) - 1u]), *carry, lane == 0u);
  *carry = ${combine}(*carry, ${name}_mem[lid - lane + ${width - 1}u]);
  workgroupBarrier();
  return before;
}
`;
}
