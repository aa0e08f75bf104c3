// ropeIntoCache on the GPU (rope-into-cache.ts): one thread per rotated pair of every
// head of qkv, float32.
//
//   inputs [qkv (N x L x H x D), bias? ((H_q + 2 H_kv) * D), cos, sin (L x D/2)]
//   outputs [q (N x L x H_q x D, new), keySlots, valueSlots (N x H_kv x L x D, in place)]
//
// Pair i of a row is (i, i + D/2), or (2i, 2i + 1) when traditional (the array package's
// rope kernel does the same): y0 = x0 cos - x1 sin, y1 = x1 cos + x0 sin.
import * as mx from "@tiny-llm/array";

import type { RopeIntoCacheParams } from "../rope-into-cache";

const THREADS = 256; // a workgroup

const WGSL = /* wgsl */ `
const THREADS: u32 = ${THREADS}u;
struct Params {
  N: u32, L: u32, Hq: u32, Hkv: u32, half: u32, traditional: u32, has_bias: u32,
  x_off: u32, x_n: u32, x_l: u32, x_h: u32,  // qkv (n, l, h, d) at x_off + n x_n + l x_l + h x_h + d
  b_off: u32, c_off: u32, s_off: u32, q_off: u32,
  k_off: u32, k_n: u32, k_h: u32, k_l: u32,  // keySlots (n, h, l, d) at k_off + n k_n + h k_h + l k_l + d
  v_off: u32, v_n: u32, v_h: u32, v_l: u32,
}
@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;  // X again when there is no bias
@group(0) @binding(3) var<storage, read> C: array<f32>;
@group(0) @binding(4) var<storage, read> S: array<f32>;
@group(0) @binding(5) var<storage, read_write> Q: array<f32>;
@group(0) @binding(6) var<storage, read_write> K: array<f32>;
@group(0) @binding(7) var<storage, read_write> V: array<f32>;

@compute @workgroup_size(THREADS)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = gid.x + gid.y * nwg.x * THREADS;  // the grid folded past 65535 workgroups (mx.gpu.foldedGrid)
  let H = P.Hq + 2u * P.Hkv;
  if (id >= P.N * P.L * H * P.half) { return; }
  let i = id % P.half;
  let r = id / P.half;  // the row (n, l, h)
  let h = r % H;
  let l = (r / H) % P.L;
  let n = r / (H * P.L);
  let D = 2u * P.half;
  let j0 = select(i, 2u * i, P.traditional == 1u);
  let j1 = select(i + P.half, 2u * i + 1u, P.traditional == 1u);
  let at = P.x_off + n * P.x_n + l * P.x_l + h * P.x_h;
  var x0 = X[at + j0];
  var x1 = X[at + j1];
  if (P.has_bias == 1u) {
    x0 += B[P.b_off + h * D + j0];
    x1 += B[P.b_off + h * D + j1];
  }
  if (h < P.Hq + P.Hkv) {  // queries and keys turn; values do not
    let c = C[P.c_off + l * P.half + i];
    let s = S[P.s_off + l * P.half + i];
    let y0 = x0 * c - x1 * s;
    x1 = x1 * c + x0 * s;
    x0 = y0;
  }
  if (h < P.Hq) {
    let o = P.q_off + ((n * P.L + l) * P.Hq + h) * D;
    Q[o + j0] = x0;
    Q[o + j1] = x1;
  } else if (h < P.Hq + P.Hkv) {
    let o = P.k_off + n * P.k_n + (h - P.Hq) * P.k_h + l * P.k_l;
    K[o + j0] = x0;
    K[o + j1] = x1;
  } else {
    let o = P.v_off + n * P.v_n + (h - P.Hq - P.Hkv) * P.v_h + l * P.v_l;
    V[o + j0] = x0;
    V[o + j1] = x1;
  }
}`;

/** The kernel's `gpu` implementation. */
export const ropeIntoCacheGpu: mx.KernelImpl<RopeIntoCacheParams> = (inputs, [q, k, v], { heads, kvHeads, traditional, hasBias }) => {
  const [x, b, c, s] = hasBias ? inputs : [inputs[0], inputs[0], inputs[1], inputs[2]];
  const [N, L, H, D] = x.shape;
  const pairs = N * L * H * (D / 2);
  const params = new Uint32Array([
    N, L, heads, kvHeads, D / 2, +traditional, +hasBias,
    x.offset, x.strides[0], x.strides[1], x.strides[2],
    hasBias ? b.offset : 0, c.offset, s.offset, q.offset,
    k.offset, k.strides[0], k.strides[1], k.strides[2],
    v.offset, v.strides[0], v.strides[1], v.strides[2],
  ]);
  mx.gpu.dispatch({
    label: "ropeIntoCache",
    wgsl: WGSL,
    arrays: [x, b, c, s, q, k, v],
    params,
    workgroups: mx.gpu.foldedGrid(Math.ceil(pairs / THREADS)),
  });
};
