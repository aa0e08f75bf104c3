// RoPE's last step for one pair of one head of one token, shared by ropeIntoCache's kernel
// (rope-into-cache.ts) and the decode kernels' ROPE epilogue (prelude.ts, quantizedQkvRope):
// the q/k/v bias added, the query and key heads turned, and the pair stored, queries
// through the kernel's own store_q(i, v), keys and values into the cache's slots.
//
// Pair i of a head of D values is (i, i + D/2), or (2i, 2i + 1) when traditional (the
// array package's rope kernel does the same): y0 = x0 cos - x1 sin, y1 = x1 cos + x0 sin.
import type * as mx from "@tiny-llm/array";

import type { RopeIntoCacheParams } from "../rope-into-cache";

/** The pair's parameters, a kernel's `P.rope` (ropeLaunchParams writes them). */
export const ROPE_PARAMS = /* wgsl */ `
struct RopeParams {
  Hq: u32, Hkv: u32, L: u32, has_bias: u32,
  b_off: u32, c_off: u32, s_off: u32,
  k_off: u32, k_n: u32, k_h: u32, k_l: u32,  // key slot (n, h, l, d) at k_off + n k_n + h k_h + l k_l + d
  v_off: u32, v_n: u32, v_h: u32, v_l: u32,
}
`;

/**
 * The arrays from binding `at` on (the bias, or RC again without one; the cos and sin
 * tables, L x D/2; the key and value slots, N x H_kv x L x D), and rope_dims and rope_pair.
 * The kernel declares P.rope (RopeParams) and store_q(i, v), which writes element i of q
 * (N x L x H_q x D). Bindings are numbers: mx.gpu reads a kernel's layout from its source.
 */
export const ropePair = (at: number): string => /* wgsl */ `
@group(0) @binding(${at}) var<storage, read> RB: array<f32>;
@group(0) @binding(${at + 1}) var<storage, read> RC: array<f32>;
@group(0) @binding(${at + 2}) var<storage, read> RS: array<f32>;
@group(0) @binding(${at + 3}) var<storage, read_write> KC: array<f32>;
@group(0) @binding(${at + 4}) var<storage, read_write> VC: array<f32>;

// The two elements of pair i within a head of 2 half values.
fn rope_dims(i: u32, half: u32, traditional: bool) -> vec2<u32> {
  return select(vec2<u32>(i, i + half), vec2<u32>(2u * i, 2u * i + 1u), traditional);
}

// Pair i of head h of token (n, l), x0 and x1 its values before the bias.
fn rope_pair(n: u32, l: u32, h: u32, i: u32, half: u32, traditional: bool, x0_in: f32, x1_in: f32) {
  let R = P.rope;
  let D = 2u * half;
  let d = rope_dims(i, half, traditional);
  var x0 = x0_in;
  var x1 = x1_in;
  if (R.has_bias == 1u) {
    x0 += RB[R.b_off + h * D + d.x];
    x1 += RB[R.b_off + h * D + d.y];
  }
  if (h < R.Hq + R.Hkv) {  // queries and keys turn; values do not
    let c = RC[R.c_off + l * half + i];
    let s = RS[R.s_off + l * half + i];
    let y0 = x0 * c - x1 * s;
    x1 = x1 * c + x0 * s;
    x0 = y0;
  }
  if (h < R.Hq) {
    let o = ((n * R.L + l) * R.Hq + h) * D;
    store_q(o + d.x, x0);
    store_q(o + d.y, x1);
  } else if (h < R.Hq + R.Hkv) {
    let o = R.k_off + n * R.k_n + (h - R.Hq) * R.k_h + l * R.k_l;
    KC[o + d.x] = x0;
    KC[o + d.y] = x1;
  } else {
    let o = R.v_off + n * R.v_n + (h - R.Hq - R.Hkv) * R.v_h + l * R.v_l;
    VC[o + d.x] = x0;
    VC[o + d.y] = x1;
  }
}
`;

/** RopeParams' words. */
const ROPE_WORDS = 15;

/**
 * A launch's parameters, `head` then RopeParams' words for q (N x L x H_q x D), the tables
 * [bias or cos, cos, sin] and the key and value slots (N x H_kv x L x D); and `later(steps)`,
 * the same for a graph's step `steps` x L tokens on (Dispatch.advance: the tables' rows and
 * the cache's slots moved along L), written into the same array, or null where the tables
 * end before them. In place, so that a graph's replay moves the parameters without allocating.
 */
export function ropeLaunchParams(head: number[], rope: RopeIntoCacheParams, q: mx.KernelArray, tables: mx.KernelArray[], slots: mx.KernelArray[]): { params: Uint32Array; later: (steps: number) => Uint32Array | null } {
  const params = new Uint32Array(head.length + ROPE_WORDS);
  params.set(head);
  const L = q.shape[1];
  const at = (later: number) => (writeRopeWords(params, head.length, rope, L, tables, slots, later) ? params : null);
  return { params: at(0)!, later: (steps) => at(steps * L) };
}

/** RopeParams' words at `at` of `out` for L tokens `later` positions on; false, with nothing written, where the tables end before them. */
function writeRopeWords(out: Uint32Array, at: number, rope: RopeIntoCacheParams, L: number, [b, c, s]: mx.KernelArray[], [k, v]: mx.KernelArray[], later: number): boolean {
  const rc = c.offset + later * c.strides[0];
  const rs = s.offset + later * s.strides[0];
  if (4 * (rc + L * c.strides[0]) > c.data.byteLength || 4 * (rs + L * s.strides[0]) > s.data.byteLength) return false;
  out[at] = rope.heads;
  out[at + 1] = rope.kvHeads;
  out[at + 2] = L;
  out[at + 3] = +rope.hasBias;
  out[at + 4] = rope.hasBias ? b.offset : 0;
  out[at + 5] = rc;
  out[at + 6] = rs;
  writeSlot(out, at + 7, k, later);
  writeSlot(out, at + 11, v, later);
  return true;
}

/** A cache slot's offset, `later` positions on, and its strides (n, h, l) at `at` of `out`. */
function writeSlot(out: Uint32Array, at: number, a: mx.KernelArray, later: number): void {
  out[at] = a.offset + later * a.strides[2];
  out[at + 1] = a.strides[0];
  out[at + 2] = a.strides[1];
  out[at + 3] = a.strides[2];
}
