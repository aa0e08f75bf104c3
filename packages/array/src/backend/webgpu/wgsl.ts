// WGSL building blocks shared by the GPU kernels. Every array is bound as
// `array<u32>` whatever its dtype: WGSL has no 8- or 16-bit storage types without
// extensions (and `shader-f16` is missing on some GPUs, the H200 among them), so
// loads pick bytes and halves out of words, and stores of sub-word dtypes update
// their word atomically (two threads may write the two halves of one word).
// Conversions follow the CPU core's (native/include/tiny-llm/dtype.h): round to
// nearest even, NaN stays NaN, f16 overflow to inf, gradual underflow.
import type { Dtype } from "../../dtype";
import type { NDArray } from "../../array";
import { ArrayError, fmtShape } from "../../errors";

/** The type a kernel computes in: f32 for floats, i32 or u32 for integers and bools. */
export type ComputeType = "f32" | "i32" | "u32";

/** Threads per workgroup of the one-thread-per-element kernels. */
export const WORKGROUP = 256;

/**
 * Bit conversions between f32 and the 16-bit float formats (integer-only: no denormal
 * flushing), and `truthy_f`: a float is true unless it is +-0, NaN included (read off
 * the bits, see NONFINITE for why).
 */
export const FLOAT16 = /* wgsl */ `
fn truthy_f(x: f32) -> bool { return (bitcast<u32>(x) << 1u) != 0u; }
fn f16_to_f32(h: u32) -> f32 {
  let sign = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 0u) {
    if (m == 0u) { return bitcast<f32>(sign); }
    let p = 31u - countLeadingZeros(m);
    return bitcast<f32>(sign | ((p + 103u) << 23u) | ((m << (23u - p)) & 0x7fffffu));
  }
  if (e == 31u) { return bitcast<f32>(sign | 0x7f800000u | (m << 13u)); }
  return bitcast<f32>(sign | ((e + 112u) << 23u) | (m << 13u));
}
fn f32_to_f16(x: f32) -> u32 {
  let u = bitcast<u32>(x);
  let sign = (u >> 16u) & 0x8000u;
  let a = u & 0x7fffffffu;
  if (a > 0x7f800000u) { return sign | 0x7e00u; }
  if (a >= 0x47800000u) { return sign | 0x7c00u; }
  if (a < 0x38800000u) {
    let e = a >> 23u;
    if (e < 102u) { return sign; }
    let m = (a & 0x7fffffu) | 0x800000u;
    let s = 126u - e;
    var q = m >> s;
    let rem = m & ((1u << s) - 1u);
    let half = 1u << (s - 1u);
    if (rem > half || (rem == half && (q & 1u) == 1u)) { q += 1u; }
    return sign | q;
  }
  return sign | ((a + 0xc8000fffu + ((a >> 13u) & 1u)) >> 13u);
}
fn f32_to_bf16(x: f32) -> u32 {
  let u = bitcast<u32>(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) { return (u >> 16u) | 0x40u; }
  return (u + 0x7fffu + ((u >> 16u) & 1u)) >> 16u;
}
`;

/**
 * `inf_f()`, `nan_f()` (made at run time from P: a constant expression that is not
 * finite does not compile), `isnan_f(x)` and `finite_f(x)`. The tests look at the
 * bits: WGSL lets a compiler assume floats are finite, and lavapipe's folds `x != x`
 * to false. Needs the parameters binding P.
 */
export const NONFINITE = /* wgsl */ `
fn inf_f() -> f32 { return bitcast<f32>(0x7f800000u | (P[0] & 0u)); }
fn nan_f() -> f32 { return bitcast<f32>(0x7fc00000u | (P[0] & 0u)); }
fn isnan_f(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn finite_f(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }
`;

/** The natural WGSL type of a dtype's values. */
function natural(dt: Dtype): ComputeType {
  return dt === "float32" || dt === "float16" || dt === "bfloat16" ? "f32" : dt === "int32" ? "i32" : "u32";
}

/** WGSL converting expression `e` of type `from` to type `to`. */
export function convert(e: string, from: ComputeType, to: ComputeType): string {
  if (from === to) return e;
  if (to === "f32") return `f32(${e})`;
  // Float to uint32 as the CPU does (through int64): negatives wrap, values past 2^31 stay.
  if (from === "f32") return to === "i32" ? `i32(${e})` : `select(bitcast<u32>(i32(${e})), u32(${e}), (${e}) >= 2147483648.0)`;
  return `bitcast<${to}>(${e})`;
}

/** f32 expression `e` rounded to float dtype `dt` and back: the value a store of `e` into a `dt` array keeps. */
export function roundedTo(dt: Dtype, e: string): string {
  if (dt === "float16") return `f16_to_f32(f32_to_f16(${e}))`;
  if (dt === "bfloat16") return `bitcast<f32>(f32_to_bf16(${e}) << 16u)`;
  return e;
}

/** Declares read-only operand `name` at `binding` and `fn ld_<name>(i: u32) -> <as>` reading its element i. */
export function loader(name: string, dt: Dtype, binding: number, as: ComputeType): string {
  let raw: string;
  switch (dt) {
    case "float32": raw = `bitcast<f32>(${name}[i])`; break;
    case "int32": raw = `bitcast<i32>(${name}[i])`; break;
    case "uint32": raw = `${name}[i]`; break;
    case "float16": raw = `f16_to_f32((${name}[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu)`; break;
    case "bfloat16": raw = `bitcast<f32>(((${name}[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu) << 16u)`; break;
    default: raw = `(${name}[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu`;
  }
  return `@group(0) @binding(${binding}) var<storage, read> ${name}: array<u32>;
fn ld_${name}(i: u32) -> ${as} { return ${convert(raw, natural(dt), as)}; }
`;
}

/** Declares output `name` at `binding` and `fn st_<name>(i: u32, v: <from>)` writing its element i. */
export function storer(name: string, dt: Dtype, binding: number, from: ComputeType): string {
  const nat = natural(dt);
  const v = convert("v", from, nat);
  let bits: string;
  switch (dt) {
    case "float32": bits = `bitcast<u32>(${v})`; break;
    case "int32": bits = `bitcast<u32>(${v})`; break;
    case "uint32": bits = v; break;
    case "float16": bits = `f32_to_f16(${v})`; break;
    case "bfloat16": bits = `f32_to_bf16(${v})`; break;
    case "uint8": bits = `(${v}) & 0xffu`; break;
    default: bits = from === "f32" ? "select(0u, 1u, truthy_f(v))" : `select(0u, 1u, v != ${from}(0))`;
  }
  if (dt === "float32" || dt === "int32" || dt === "uint32") {
    return `@group(0) @binding(${binding}) var<storage, read_write> ${name}: array<u32>;
fn st_${name}(i: u32, v: ${from}) { ${name}[i] = ${bits}; }
`;
  }
  const per = dt === "float16" || dt === "bfloat16" ? 2 : 4;
  const width = 32 / per;
  const mask = per === 2 ? "0xffffu" : "0xffu";
  return `@group(0) @binding(${binding}) var<storage, read_write> ${name}: array<atomic<u32>>;
fn st_${name}(i: u32, v: ${from}) {
  let w = i / ${per}u;
  let sh = (i % ${per}u) * ${width}u;
  atomicAnd(&${name}[w], ~(${mask} << sh));
  atomicOr(&${name}[w], ((${bits}) & ${mask}) << sh);
}
`;
}

/** The compute type a dtype's values are read in when no other is asked for. */
export function naturalType(dt: Dtype): ComputeType {
  return natural(dt);
}

/** Most dims an elementwise kernel walks (more are collapsed first, see collapse()). */
export const MAX_DIMS = 8;

/** Where the operands' words start in a strided kernel's P (operand j's at OPERANDS_AT + j * OPERAND_WORDS: its offset, then strides x MAX_DIMS). */
const OPERANDS_AT = 2 + MAX_DIMS;
const OPERAND_WORDS = 1 + MAX_DIMS;

/**
 * Parameters of a strided elementwise kernel over `shape` whose operands are
 * `arrays` (output included), with equal-stride dims merged:
 * [n, ndim, shape x MAX_DIMS, then per operand: offset, strides x MAX_DIMS] (u32).
 */
export function stridedParams(op: string, shape: readonly number[], arrays: NDArray[]): Uint32Array {
  const c = collapse(op, shape, arrays.map((a) => a.strides));
  // One scratch array for every launch (dispatch copies it at once): no allocation per op.
  const p = SCRATCH.subarray(0, OPERANDS_AT + arrays.length * OPERAND_WORDS).fill(0);
  const i32 = SCRATCH_I32;
  p[0] = shape.reduce((x, y) => x * y, 1);
  p[1] = c.shape.length;
  c.shape.forEach((d, i) => (p[2 + i] = d));
  arrays.forEach((a, j) => {
    const base = OPERANDS_AT + j * OPERAND_WORDS;
    p[base] = a.offset;
    c.strides[j].forEach((s, d) => (i32[base + 1 + d] = s));
  });
  return p;
}

const SCRATCH = new Uint32Array(1024);
const SCRATCH_I32 = new Int32Array(SCRATCH.buffer);

/**
 * WGSL of the parameters binding and `fn offsets(lin)`: the element index of each of the
 * `count` operands at output position lin. The position is split into its dims once for
 * all operands, and the outermost dim takes what is left without a division: integer
 * division is a long instruction sequence on a GPU, and splitting the position again per
 * operand made a 3-operand op over a 2-D view (prefill's SwiGLU of gate and up) spend
 * most of its time on it.
 */
export const strided = (count: number): string => /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>;
fn offsets(lin: u32) -> array<u32, ${count}> {
  var off = array<i32, ${count}>();
  for (var j = 0u; j < ${count}u; j++) {
    off[j] = bitcast<i32>(P[${OPERANDS_AT}u + j * ${OPERAND_WORDS}u]);
  }
  var rem = lin;
  for (var d = P[1] - 1u; d > 0u && d < ${MAX_DIMS}u; d--) {
    let s = P[2u + d];
    let i = i32(rem % s);
    rem = rem / s;
    for (var j = 0u; j < ${count}u; j++) {
      off[j] += i * bitcast<i32>(P[${OPERANDS_AT + 1}u + j * ${OPERAND_WORDS}u + d]);
    }
  }
  for (var j = 0u; j < ${count}u; j++) {  // dim 0 (or none): what is left
    off[j] += i32(rem) * bitcast<i32>(P[${OPERANDS_AT + 1}u + j * ${OPERAND_WORDS}u]);
  }
  var at = array<u32, ${count}>();
  for (var j = 0u; j < ${count}u; j++) {
    at[j] = u32(off[j]);
  }
  return at;
}
`;

/** The linear thread index of a one-thread-per-element kernel on a 2-D grid (see grid()). */
export const LINEAR_ID = /* wgsl */ `@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u`;
export const LINEAR = `gid.x + gid.y * nwg.x * ${WORKGROUP}u`;

/**
 * `groups` workgroups (at least one) as a grid whose x stays within the 65535 a dimension
 * that WebGPU guarantees: past it they fold into a second dimension, and the kernel counts
 * them as wid.x + wid.y * nwg.x (some of the last row may be spare).
 */
export function foldedGrid(groups: number): [number, number] {
  const x = Math.min(groups, 65535);
  return [x, Math.ceil(groups / x)];
}

/** Workgroups for n threads of WORKGROUP each (foldedGrid). */
export function grid(n: number): [number, number] {
  return foldedGrid(Math.ceil(n / WORKGROUP));
}

/**
 * `shape` walked by operands with `operandStrides`, with dims of size 1 dropped and
 * runs that step like one dim merged (numpy's nditer coalescing); at most MAX_DIMS
 * dims may remain, else an error naming `op`.
 */
export function collapse(op: string, shape: readonly number[], operandStrides: (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const dims: number[] = [];
  const strides: number[][] = operandStrides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && operandStrides.every((s, j) => strides[j][last] === s[d] * shape[d])) {
      dims[last] *= shape[d];
      operandStrides.forEach((s, j) => (strides[j][last] = s[d]));
    } else {
      dims.push(shape[d]);
      operandStrides.forEach((s, j) => strides[j].push(s[d]));
    }
  }
  if (dims.length > MAX_DIMS) throw new ArrayError(op, `the GPU kernel walks at most ${MAX_DIMS} dims, got ${dims.length} that do not merge (shape ${fmtShape(shape)})`);
  return { shape: dims, strides };
}
