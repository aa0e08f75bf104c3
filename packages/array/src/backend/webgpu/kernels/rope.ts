/// <reference types="@webgpu/types" />
// Rotary position embedding on the GPU: one thread per rotated pair, in f32.
import type { NDArray } from "../../../array";
import { buf } from "../buffers";
import type { GpuContext } from "../context";
import { FLOAT16, grid, LINEAR, LINEAR_ID, loader, storer } from "../wgsl";

/**
 * Backend.rope. src: B x L x H x D (unit stride along D), cos and sin: contiguous
 * float32 L x D/2, dst: contiguous B x L x H x D. Pair i of a row is (i, i + D/2),
 * or (2i, 2i + 1) when traditional:
 *   y0 = x0 cos - x1 sin,  y1 = x1 cos + x0 sin.
 */
export function rope(ctx: GpuContext, src: NDArray, cos: NDArray, sin: NDArray, dst: NDArray, traditional: boolean): void {
  const [B, L, H, D] = src.shape;
  const half = D / 2, pairs = B * L * H * half;
  // P: [pairs, L, H, D/2, traditional, src offset, cos offset, sin offset, dst offset, src strides b, l, h]
  const p = new Uint32Array(12);
  p.set([pairs, L, H, half, traditional ? 1 : 0, src.offset, cos.offset, sin.offset, dst.offset]);
  new Int32Array(p.buffer).set(src.strides.slice(0, 3), 9);
  const wgsl = () => `${FLOAT16}@group(0) @binding(0) var<storage, read> P: array<u32>;
${loader("A", src.dtype, 1, "f32")}${loader("C", "float32", 2, "f32")}${loader("S", "float32", 3, "f32")}${storer("O", dst.dtype, 4, "f32")}
@compute @workgroup_size(256) fn main(${LINEAR_ID}) {
  let q = ${LINEAR};
  if (q >= P[0]) { return; }
  let half = P[3];
  let i = q % half;
  let r = q / half;  // the row (b, l, h)
  let h = r % P[2];
  let l = (r / P[2]) % P[1];
  let b = r / (P[2] * P[1]);
  let base = bitcast<i32>(P[5]) + i32(b) * bitcast<i32>(P[9]) + i32(l) * bitcast<i32>(P[10]) + i32(h) * bitcast<i32>(P[11]);
  let c = ld_C(P[6] + l * half + i);
  let s = ld_S(P[7] + l * half + i);
  let j0 = select(i, 2u * i, P[4] != 0u);
  let j1 = select(i + half, 2u * i + 1u, P[4] != 0u);
  let x0 = ld_A(u32(base + i32(j0)));
  let x1 = ld_A(u32(base + i32(j1)));
  let out = P[8] + r * 2u * half;
  st_O(out + j0, x0 * c - x1 * s);
  st_O(out + j1, x1 * c + x0 * s);
}`;
  ctx.dispatch({
    label: "rope", wgsl, key: `rope|${src.dtype}|${dst.dtype}`,
    buffers: [src, cos, sin, dst].map(buf), params: p, workgroups: grid(pairs),
  });
}
