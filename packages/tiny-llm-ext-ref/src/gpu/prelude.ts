// What every kernel's WGSL starts with: the compile-time constants of this launch
// (dtypes, sizes), and the helpers a kernel file may call. A kernel is compiled once
// per set of constants (mx.gpu caches pipelines by source), so a branch on a dtype
// costs nothing at run time.
//
// The helpers (every array is bound as array<u32>, see mx.gpu.dispatch):
//   unpack_float(word, i, dt)  element i of a float array of dtype code dt (0 float32,
//                              1 float16, 2 bfloat16) from the word that holds it
//   word_of(i, dt)             the index of that word
//   ld_scale(i), ld_bias(i)    (with an S_DT) element i of SC and BI, a quantized W's
//                              scales and biases (declared by the kernel as array<u32>)
//   store_out(i, v)            (with an OUT_DT) writes element i of OUT (declared by the kernel as
//                              array<atomic<u32>>) in OUT_DT; a 16-bit element shares
//                              its word with a neighbour another thread may write
//   OUTS, w_row(o0, r),        (with a SWIGLU and a ROPE: the decode kernels, which declare
//   store_row(t, o0, y),       P.O, P.rope and ROWS) a workgroup's outputs, the row of W its
//   store_pairs(t, o0)         row r reads, and the store of row t's product y (t < M *
//                              ROWS); with SWIGLU true they are quantizedSwiGLU's
//                              (reference only: rows i of W_gate and I + i of W_up,
//                              silu(gate) * up stored by store_pairs, which every thread
//                              calls after), with ROPE true quantizedQkvRope's (reference
//                              only: the two rows of a RoPE pair, turned and stored as
//                              ropeIntoCache stores them)
//   div_rn(a, b), code_of(v,   (with a GROUP: the kernels of int8 x) a / b rounded to the
//   sx), byte_of(v), pack_x(q) nearest even as the CPU divides, v's int8 code at scale sx,
//                              its byte, and the two words of XQ that 8 X fill, in the
//                              int8 kernels' order
//   quantize_dims(t, m, K, k0, v)  (with a QUANT: the flash attention combine) every
//                              thread t < D of the workgroup, in uniform control flow,
//                              with its output v = x[m, k0 + t] of a row of K; with QUANT
//                              true (flashAttentionInt8, reference only) the D outputs are
//                              quantized to int8 per GROUP for the product after them,
//                              into XQ and XS as quantize_activations.wgsl lays them out
//   lanes_sum(v), lanes_leader()  with subgroups: the sum over this thread's subgroup,
//                              and true on one thread of it; without (or when asked to
//                              be portable): v itself, and true on every thread
//   HIDDEN                     the score of a hidden key (finite: WGSL may assume no
//                              infinities); any score at or below it is hidden
import * as mx from "@tiny-llm/array";

import { ROPE_PARAMS, ropePair } from "./rope-pair";

/** A launch's constants: WGSL `const` declarations (numbers are u32, unless they are not integers). */
export type WgslConstants = Record<string, number | boolean>;

function declare(name: string, v: number | boolean): string {
  if (typeof v === "boolean") return `const ${name}: bool = ${v};`;
  return Number.isInteger(v) && v >= 0 ? `const ${name}: u32 = ${v}u;` : `const ${name}: f32 = ${v};`;
}

const FLOATS = /* wgsl */ `
const HIDDEN: f32 = -1.0e38;
fn word_of(i: u32, dt: u32) -> u32 { return select(i >> 1u, i, dt == 0u); }
fn unpack_float(word: u32, i: u32, dt: u32) -> f32 {
  if (dt == 0u) { return bitcast<f32>(word); }
  let h = (word >> ((i & 1u) * 16u)) & 0xffffu;
  if (dt == 1u) { return f16_to_f32(h); }
  return bitcast<f32>(h << 16u);
}
`;

/** Only for kernels that declare SC and BI (and so have an S_DT): a quantized W's scales and biases. */
const SCALES = /* wgsl */ `
fn ld_scale(i: u32) -> f32 { return unpack_float(SC[word_of(i, S_DT)], i, S_DT); }
fn ld_bias(i: u32) -> f32 { return unpack_float(BI[word_of(i, S_DT)], i, S_DT); }
`;

/** Only for kernels that declare OUT (and so have an OUT_DT). */
const STORE_OUT = /* wgsl */ `
fn store_out(i: u32, v: f32) {
  if (OUT_DT == 0u) {
    atomicStore(&OUT[i], bitcast<u32>(v));
    return;
  }
  let h = select(f32_to_bf16(v), f32_to_f16(v), OUT_DT == 1u);
  let sh = (i & 1u) * 16u;
  atomicAnd(&OUT[i >> 1u], ~(0xffffu << sh));
  atomicOr(&OUT[i >> 1u], h << sh);
}
`;

/**
 * Only for the decode kernels (they have a SWIGLU and a ROPE). With SWIGLU (quantizedSwiGLU),
 * W is [W_gate; W_up], 2I rows, and OUT is M x I: a workgroup owns ROWS / 2 outputs i,
 * reads rows i of W_gate and I + i of W_up, keeps their M x ROWS products in workgroup
 * memory, and writes silu(gate) * up. With ROPE (quantizedQkvRope) W is [W_q; W_k; W_v]
 * and a workgroup owns ROWS / 2 RoPE pairs of it instead (ROPE below). Else it owns
 * ROWS rows and stores each product.
 */
const DECODE_OUTPUTS = /* wgsl */ `
const OUTS: u32 = select(ROWS, ROWS / 2u, SWIGLU || ROPE);  // outputs (or pairs) per workgroup
var<workgroup> pair_y: array<f32, M * ROWS>;  // with SWIGLU or ROPE: x[m] . W[w_row(o0, r)] at m * ROWS + r

// The row of W that the workgroup's row r reads (o0: its first output). Rows past the
// end repeat the last one: they are computed and not stored.
fn w_row(o0: u32, r: u32) -> u32 {
  if (SWIGLU) {
    let I = P.O / 2u;
    return min(o0 + r % OUTS, I - 1u) + (r / OUTS) * I;  // gate row i, then up row I + i
  }
  if (ROPE) {
    return rope_row(min(o0 + r % OUTS, P.O / 2u - 1u), r / OUTS);  // pair j's first row, then its second
  }
  return min(o0 + r, P.O - 1u);
}

// Thread t < M * ROWS: y = x[t / ROWS] . W[w_row(o0, t % ROWS)].
fn store_row(t: u32, o0: u32, y: f32) {
  let o = o0 + t % ROWS;
  if (SWIGLU || ROPE) {
    pair_y[t] = y;
  } else if (o < P.O) {
    store_out((t / ROWS) * P.O + o, y);
  }
}

// Every thread, after store_row: with SWIGLU, the outputs silu(gate) * up; with ROPE, the
// pairs turned and stored.
fn store_pairs(t: u32, o0: u32) {
  if (!SWIGLU && !ROPE) {
    return;
  }
  workgroupBarrier();
  let j = o0 + t % OUTS;
  if (t < M * OUTS && j < P.O / 2u) {
    let m = t / OUTS;
    let v = m * ROWS + t % OUTS;  // y[m, the pair's first row]; its second is OUTS further
    if (SWIGLU) {
      let gate = pair_y[v];
      store_out(m * (P.O / 2u) + j, gate / (1.0 + exp(-gate)) * pair_y[v + OUTS]);
    } else {
      rope_store(m, j, pair_y[v], pair_y[v + OUTS]);
    }
  }
}
`;

/**
 * With ROPE true (quantizedQkvRope, reference only): W is [W_q; W_k; W_v], (H_q + 2 H_kv) x
 * D rows, and pair j is RoPE's pair i = j % (D/2) of head h = j / (D/2) (rope-pair.ts),
 * whose two rows w_row reads; rope_store hands their products to rope_pair, which adds
 * the bias, turns them and stores them: q into OUT (M x H_q x D), or into the cache's key
 * or value slots, as ropeIntoCache does. The tables, the bias and the slots are bound after
 * the kernel's own arrays, from ROPE_AT on; their offsets and strides are P.rope. With ROPE
 * false: functions that are never called.
 */
const rope = (at: number) => ropePair(at) + /* wgsl */ `
const HALF: u32 = ROPE_D / 2u;
fn store_q(i: u32, v: f32) { store_out(i, v); }
fn rope_row(j: u32, second: u32) -> u32 { return (j / HALF) * ROPE_D + rope_dims(j % HALF, HALF, ROPE_TRADITIONAL)[second]; }
// Pair j of token m (row m of x), products y0 and y1.
fn rope_store(m: u32, j: u32, y0: f32, y1: f32) { rope_pair(m / P.rope.L, m % P.rope.L, j / HALF, j % HALF, HALF, ROPE_TRADITIONAL, y0, y1); }
`;

const NO_ROPE = /* wgsl */ `
fn rope_row(j: u32, second: u32) -> u32 { return j; }
fn rope_store(m: u32, j: u32, y0: f32, y1: f32) {}
`;

/**
 * Only for the kernels that quantize x to int8 or read it so (they have a GROUP): a
 * division rounded as the CPU rounds it (a GPU may divide to within a few ulps, and a
 * quotient one ulp off of k + 1/2 rounds to the other integer), an int8 X's byte, and
 * the packing of 8 of them into XQ's words.
 */
const INT8_X = /* wgsl */ `
// a / b rounded to nearest even, from a quotient that may be a few ulps off: the float
// next to it whose remainder (exact through fma) is the smallest.
fn div_rn(a: f32, b: f32) -> f32 {
  var q = a / b;
  for (var i = 0u; i < 2u; i++) {
    let up = bitcast<f32>(bitcast<u32>(q) + 1u);
    let down = bitcast<f32>(bitcast<u32>(q) - 1u);
    let r = abs(fma(-q, b, a));
    if (abs(fma(-up, b, a)) < r) {
      q = up;
    } else if (abs(fma(-down, b, a)) < r) {
      q = down;
    }
  }
  return q;
}

// X = round(v / sx) (half to even), 0 where sx = 0.
fn code_of(v: f32, sx: f32) -> f32 { return select(0.0, round(div_rn(v, sx)), sx > 0.0); }

// The int8 X in the low byte (two's complement).
fn byte_of(v: f32) -> u32 { return bitcast<u32>(i32(v)) & 0xffu; }

// The two words of XQ that 8 consecutive X fill, in the int8 kernels' order: 4-bit codes'
// (evens, then odds: X0 X2 X4 X6 | X1 X3 X5 X7, as the kernels split a word of codes into
// low and high nibbles), or 8-bit's (in order).
fn pack_x(q: array<f32, 8>) -> vec2<u32> {
  let l = select(vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(0u, 2u, 4u, 6u), BITS == 4u);
  let step = select(4u, 1u, BITS == 4u);
  var words = vec2<u32>();
  for (var j = 0u; j < 2u; j++) {
    let e = l + j * step;
    words[j] = byte_of(q[e.x]) | (byte_of(q[e.y]) << 8u) | (byte_of(q[e.z]) << 16u) | (byte_of(q[e.w]) << 24u);
  }
  return words;
}
`;

/**
 * Only for the flash attention combine (it has a QUANT): with QUANT, a workgroup's D
 * outputs, GROUP | D of them a group, quantized as quantize_activations.wgsl quantizes x
 * (its division rounded as the CPU rounds it, its order of a word's X), by D / 8 threads of
 * 8 outputs each; XQ and XS are bound after the kernel's own bindings (1 and 2).
 */
const QUANTIZE_DIMS = /* wgsl */ `
@group(0) @binding(3) var<storage, read_write> XQ: array<u32>;
@group(0) @binding(4) var<storage, read_write> XS: array<vec2<f32>>;
var<workgroup> quant_v: array<f32, D>;

fn quantize_dims(t: u32, m: u32, K: u32, k0: u32, v: f32) {
  quant_v[t] = v;
  workgroupBarrier();
  let worker = t < D / 8u;  // D / 8 threads quantize, 8 outputs each; the others join the barriers
  let tw = min(t, D / 8u - 1u);
  let g0 = (8u * tw / GROUP) * GROUP;  // the first output of the worker's group
  var amax = 0.0;
  for (var i = 0u; i < GROUP; i++) {
    amax = max(amax, abs(quant_v[g0 + i]));
  }
  let sx = div_rn(amax, 127.0);
  var q = array<f32, 8>();
  var sum = 0.0;
  for (var i = 0u; i < 8u; i++) {
    q[i] = code_of(quant_v[8u * tw + i], sx);
    sum += q[i];
  }
  workgroupBarrier();  // every output read: quant_v now holds the workers' sums of X
  quant_v[t] = select(0.0, sum, worker);
  workgroupBarrier();
  if (!worker) {
    return;
  }
  let words = pack_x(q);
  let w0 = (m * K + k0) / 4u + 2u * t;
  XQ[w0] = words.x;
  XQ[w0 + 1u] = words.y;
  if (8u * t == g0) {
    var total = 0.0;
    for (var i = 0u; i < GROUP / 8u; i++) {
      total += quant_v[t + i];
    }
    XS[(m * K + k0 + g0) / GROUP] = vec2<f32>(sx, sx * total);
  }
}
`;

const NO_QUANTIZE_DIMS = /* wgsl */ `
fn quantize_dims(t: u32, m: u32, K: u32, k0: u32, v: f32) {}
`;

const SUBGROUP_LANES = /* wgsl */ `
fn lanes_sum(v: f32) -> f32 { return subgroupAdd(v); }
fn lanes_leader() -> bool { return subgroupElect(); }
`;

const SINGLE_LANES = /* wgsl */ `
fn lanes_sum(v: f32) -> f32 { return v; }
fn lanes_leader() -> bool { return true; }
`;

/**
 * The WGSL put before a kernel file: `extensions` enabled (WGSL's `enable`, e.g. f16),
 * `constants`, the float helpers, and the lane helpers over subgroups when the adapter
 * has them and `portable` is not set.
 */
export function prelude(constants: WgslConstants, portable: boolean, extensions: string[] = []): string {
  const subgroups = !portable && mx.gpu.info().features.includes("subgroups");
  return [
    ...extensions.map((e) => `enable ${e};`),
    subgroups ? "enable subgroups;" : "",
    ...Object.entries(constants).map(([k, v]) => declare(k, v)),
    mx.gpu.WGSL_FLOAT16,
    FLOATS,
    "S_DT" in constants ? SCALES : "",
    "OUT_DT" in constants ? STORE_OUT : "",
    "SWIGLU" in constants ? ROPE_PARAMS + DECODE_OUTPUTS + (constants.ROPE ? rope(constants.ROPE_AT as number) : NO_ROPE) : "",
    "GROUP" in constants ? INT8_X : "",
    "QUANT" in constants ? (constants.QUANT ? QUANTIZE_DIMS : NO_QUANTIZE_DIMS) : "",
    subgroups ? SUBGROUP_LANES : SINGLE_LANES,
  ].join("\n");
}

/** A launch's constants and the kernel-cache key of the kernel they compile to. */
export interface Launch {
  constants: WgslConstants;
  key: string;
}

/**
 * The launches of one kernel file, each made once per `id` (a short string naming what
 * its constants depend on) and then reused: a decode step launches a kernel tens of
 * times, and building the constants and a long key (then hashing it in mx.gpu's cache)
 * on every call was about a tenth of the host's recording time (an H200 host's profile).
 */
export class Launches {
  /** By id: without subgroups ([0], portable) and with them ([1]). */
  private made = [new Map<string, Launch>(), new Map<string, Launch>()];

  /** `folder/kernel`: the kernel file, whose folder (the learner's or ours) the key names. */
  constructor(private readonly file: string) {}

  /** The launch of `id` (its `constants()` made on first use), portable or not. */
  get(id: string, portable: boolean, constants: () => WgslConstants): Launch {
    const made = this.made[portable ? 0 : 1];
    let launch = made.get(id);
    if (launch === undefined) {
      const c = constants();
      launch = { constants: c, key: `${this.file}|${JSON.stringify(c)}|${portable}` };
      made.set(id, launch);
    }
    return launch;
  }
}

/** A GPU buffer for a kernel's intermediate results, as a kernel argument (at least one element). */
export function scratch(shape: number[], dtype: "float32" | "uint32" = "float32"): mx.KernelArray {
  const a = mx.NDArray.empty(shape.some((n) => n === 0) ? [1] : shape, dtype, "gpu");
  return { data: a.storage, offset: 0, dtype: mx.DtypeCode[dtype], shape: a.shape, strides: a.strides };
}
