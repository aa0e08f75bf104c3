/// <reference types="@webgpu/types" />
// The tiled GEMM: each workgroup of 16 x 16 threads computes a 64 x 64 tile of one
// batch's M x N product, each thread a 4 x 4 block in registers. K is walked in
// steps of 16: the workgroup stages the 64 x 16 slice of A and the 16 x 64 slice of
// B in workgroup memory (as f32), then every thread reads one vec4 of each per k.
import { FLOAT16, loader, storer } from "../wgsl";
import { MATMUL_PARAMS, type MatmulLaunch } from "./matmul-launch";

/**
 * The kernel's WGSL. `aKFast` / `bKFast`: the operand is contiguous along K, so the
 * threads that stage it walk K first (coalesced reads); otherwise they walk M or N.
 */
function source(l: MatmulLaunch, aKFast: boolean, bKFast: boolean): string {
  return `${FLOAT16}${MATMUL_PARAMS}
${loader("A", l.a.array.dtype, 1, "f32")}${loader("B", l.b.array.dtype, 2, "f32")}${storer("O", l.dst.dtype, 3, "f32")}
var<workgroup> As: array<vec4<f32>, 256>;  // 16 (k) x 64 (m) / 4
var<workgroup> Bs: array<vec4<f32>, 256>;  // 16 (k) x 64 (n) / 4
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) t: u32) {
  let M = P[0]; let N = P[1]; let K = P[2];
  let bt = wg.z; let m0 = wg.y * 64u; let n0 = wg.x * 64u;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < K; k0 += 16u) {
    for (var i = 0u; i < 4u; i++) {
      let e = t + 256u * i;
      let ak = ${aKFast ? "e % 16u" : "e / 64u"}; let am = ${aKFast ? "e / 16u" : "e % 64u"};
      var av = 0.0;
      if (m0 + am < M && k0 + ak < K) { av = ld_A(a_at(bt, m0 + am, k0 + ak)); }
      As[ak * 16u + am / 4u][am % 4u] = av;
      let bk = ${bKFast ? "e % 16u" : "e / 64u"}; let bn = ${bKFast ? "e / 16u" : "e % 64u"};
      var bv = 0.0;
      if (n0 + bn < N && k0 + bk < K) { bv = ld_B(b_at(bt, k0 + bk, n0 + bn)); }
      Bs[bk * 16u + bn / 4u][bn % 4u] = bv;
    }
    workgroupBarrier();
    for (var k = 0u; k < 16u; k++) {
      let a = As[k * 16u + lid.y];
      let b = Bs[k * 16u + lid.x];
      acc[0] += a.x * b; acc[1] += a.y * b; acc[2] += a.z * b; acc[3] += a.w * b;
    }
    workgroupBarrier();
  }
  let base = P[8] + bt * M * N;
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + lid.y * 4u + i;
    if (m >= M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + lid.x * 4u + j;
      if (n < N) { st_O(base + m * N + n, acc[i][j]); }
    }
  }
}`;
}

/** Records the tiled GEMM for one launch's batches. */
export function gemm(l: MatmulLaunch): void {
  l.ctx.dispatch({
    label: "matmul",
    key: `gemm|${l.a.array.dtype},${l.b.array.dtype},${l.dst.dtype}|${l.a.colStride === 1},${l.b.rowStride === 1}`,
    wgsl: () => source(l, l.a.colStride === 1, l.b.rowStride === 1),
    buffers: l.buffers,
    params: l.params,
    workgroups: [Math.ceil(l.N / 64), Math.ceil(l.M / 64), l.count],
  });
}
