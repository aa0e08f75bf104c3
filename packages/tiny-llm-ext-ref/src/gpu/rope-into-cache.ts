// ropeIntoCache on the GPU (rope-into-cache.ts): one thread per rotated pair of every
// head of qkv, float32; the pair's bias, turn and store are rope-pair.ts's, which the
// decode kernels' ROPE epilogue shares (quantizedQkvRope).
//
//   inputs [qkv (N x L x H x D), bias? ((H_q + 2 H_kv) * D), cos, sin (L x D/2)]
//   outputs [q (N x L x H_q x D, new), keySlots, valueSlots (N x H_kv x L x D, in place)]
import * as mx from "@tiny-llm/array";

import type { RopeIntoCacheParams } from "../rope-into-cache";
import { ROPE_PARAMS, ropeLaunchParams, ropePair } from "./rope-pair";

const THREADS = 256; // a workgroup

const WGSL = /* wgsl */ `
const THREADS: u32 = ${THREADS}u;
${ROPE_PARAMS}
struct Params {
  N: u32, half: u32, traditional: u32,
  x_off: u32, x_n: u32, x_l: u32, x_h: u32,  // qkv (n, l, h, d) at x_off + n x_n + l x_l + h x_h + d
  q_off: u32,
  rope: RopeParams,
}
@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Q: array<f32>;
${ropePair(3)}
fn store_q(i: u32, v: f32) { Q[P.q_off + i] = v; }

@compute @workgroup_size(THREADS)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = gid.x + gid.y * nwg.x * THREADS;  // the grid folded past 65535 workgroups (mx.gpu.foldedGrid)
  let H = P.rope.Hq + 2u * P.rope.Hkv;
  let L = P.rope.L;
  if (id >= P.N * L * H * P.half) { return; }
  let i = id % P.half;
  let r = id / P.half;  // the row (n, l, h)
  let h = r % H;
  let l = (r / H) % L;
  let n = r / (H * L);
  let traditional = P.traditional == 1u;
  let d = rope_dims(i, P.half, traditional);
  let at = P.x_off + n * P.x_n + l * P.x_l + h * P.x_h;
  rope_pair(n, l, h, i, P.half, traditional, X[at + d.x], X[at + d.y]);
}`;

/** The kernel's `gpu` implementation. */
export const ropeIntoCacheGpu: mx.KernelImpl<RopeIntoCacheParams> = (inputs, [q, k, v], rope) => {
  const [x, b, c, s] = rope.hasBias ? inputs : [inputs[0], inputs[1], inputs[1], inputs[2]];
  const [N, L, H, D] = x.shape;
  const pairs = N * L * H * (D / 2);
  const workgroups = mx.gpu.foldedGrid(Math.ceil(pairs / THREADS));
  const { params, later } = ropeLaunchParams([N, D / 2, +rope.traditional, x.offset, x.strides[0], x.strides[1], x.strides[2], q.offset], rope, q, [b, c, s], [k, v]);
  mx.gpu.dispatch({
    label: "ropeIntoCache",
    wgsl: WGSL,
    arrays: [x, q, b, c, s, k, v],
    params,
    workgroups,
    advance: (steps) => {
      const moved = later(steps);
      return moved && { params: moved, workgroups };
    },
  });
};
