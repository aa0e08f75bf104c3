// Quantized matmul on a GPU's matrix units (prefill: M > 8): y = x @ W.T with x and the
// dequantized W rounded to f16, multiplied 16 x 16 x 16 at a time by a whole subgroup
// (subgroup matrices: tensor cores on NVIDIA), sums in f32
// (week 2, day 3, task 4; book: week2-03-quantized-matmul-gpu.md).
//
//   x: M x K (X_DT)   W: O x K*BITS/32 u32 words   scales, biases: O x K/GROUP (S_DT)   ->  OUT: M x O (OUT_DT)
//
// As the tiled kernel (task 2), a workgroup computes a BM x BN tile of y and walks K in
// steps of BK, its threads loading x's BM x BK and W's BN x BK (unpacked, code * scale +
// bias) into workgroup memory, here as f16. Then, instead of each thread multiplying
// its own outputs, each of the workgroup's 8 subgroups (2 along M, 4 along N) multiplies
// a BM/2 x 32 block of the tile as FM x 2 fragments of 16 x 16 (subgroup_matrix_result),
// 16 inputs at a time. At the end each fragment goes through workgroup memory to OUT
// (a subgroup's matrix has no elements a thread can name).
//
// The launcher (quantized-matmul.ts) sets the tile: BM = 128 (FM = 4) once x has more
// than 64 rows, else 64 (FM = 2); BK = 64 where it divides K and workgroup memory holds
// the tile, else 32. Threads load 16 bytes at a time: 4 values of x along K and 4 words
// of a row of W (all in one group, so with one scale and bias), as one vec4 load where
// X_VEC (x float32, contiguous along K, each row starting a vec4) and W_VEC (W's offset
// and rows whole vec4s) say they are aligned, else word by word.
//
// From the prelude (src/gpu/prelude.ts): BITS, X_DT, S_DT, OUT_DT, SG (the subgroup size),
// BM, BK, X_VEC, W_VEC, unpack_float, word_of, ld_scale, ld_bias, store_out.

struct Params {
  M: u32, K: u32, O: u32, group_size: u32,
  x_off: u32, x_row: u32, x_col: u32,  // element (m, k) of x is X[x_off + m * x_row + k * x_col]
  w_off: u32, w_row: u32,              // word w of row o is W[w_off + o * w_row + w]
  s_off: u32, s_row: u32,              // scale (o, g) is SC[s_off + o * s_row + g]
  b_off: u32, b_row: u32,              // bias (o, g) is BI[b_off + o * b_row + g]
}

@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> X: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> W: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> SC: array<u32>;
@group(0) @binding(4) var<storage, read> BI: array<u32>;
@group(0) @binding(5) var<storage, read_write> OUT: array<atomic<u32>>;

const F: u32 = 16u;                // a fragment: 16 x 16 outputs, 16 inputs a product
const FM: u32 = BM / (2u * F);     // fragments along M a subgroup
const BN: u32 = 128u;              // 4 subgroups x 2 fragments
const WG: u32 = 8u * SG;
const PER_WORD: u32 = 32u / BITS;
const CODE: u32 = (1u << BITS) - 1u;
const X_ROW_QUADS: u32 = BK / 4u;                // a step's quads of a row of x (4 values along K: a thread's unit)
const W_ROW_QUADS: u32 = BK / (4u * PER_WORD);   // ... of a row of W (4 words, of one group)
const X_QUADS: u32 = BM * X_ROW_QUADS;           // quads of x in a step's tile
const W_QUADS: u32 = BN * W_ROW_QUADS;           // ... and of W
const X_LOADS: u32 = (X_QUADS + WG - 1u) / WG;
const W_LOADS: u32 = (W_QUADS + WG - 1u) / WG;
// Rows padded by 8 halves (16 bytes): rows of 64 bytes would start in one of two memory
// banks, and a fragment's 16 rows would be read in 8 turns.
const XS: u32 = BK + 8u;
const WS: u32 = BK + 8u;

var<workgroup> xs: array<f16, BM * XS>;   // xs[m * XS + k]
var<workgroup> ws: array<f16, BN * WS>;   // ws[n * WS + k]: column n of the K x N right matrix
var<workgroup> outs: array<f32, 8u * F * F>;  // a fragment per subgroup, on its way out

fn ld_x(i: u32) -> f32 { let w = word_of(i, X_DT); return unpack_float(X[w / 4u][w % 4u], i, X_DT); }
fn ld_w(i: u32) -> u32 { return W[i / 4u][i % 4u]; }

// x[i], x[i + x_col], x[i + 2 x_col], x[i + 3 x_col].
fn ld_x4(i: u32) -> vec4<f32> {
  if (X_VEC) {
    return bitcast<vec4<f32>>(X[i / 4u]);
  }
  return vec4(ld_x(i), ld_x(i + P.x_col), ld_x(i + 2u * P.x_col), ld_x(i + 3u * P.x_col));
}

// W[i .. i + 4].
fn ld_w4(i: u32) -> vec4<u32> {
  if (W_VEC) {
    return W[i / 4u];
  }
  return vec4(ld_w(i), ld_w(i + 1u), ld_w(i + 2u), ld_w(i + 3u));
}

// Thread t's share of step k0: x's quads (rows past M repeat the last one, and are not
// stored) and W's quads with their group's scale and bias (quads past the tile's repeat
// its last one, and are not stored). Loads only, then the caller's stores
// (flash_attention.wgsl says why).
fn load_step(k0: u32, m0: u32, n0: u32, t: u32, xv: ptr<function, array<vec4<f32>, X_LOADS>>,
             wv: ptr<function, array<vec4<u32>, W_LOADS>>, sb: ptr<function, array<vec2<f32>, W_LOADS>>) {
  for (var n = 0u; n < X_LOADS; n++) {
    let e = min(t + n * WG, X_QUADS - 1u);
    let row = min(m0 + e / X_ROW_QUADS, P.M - 1u);
    (*xv)[n] = ld_x4(P.x_off + row * P.x_row + (k0 + (e % X_ROW_QUADS) * 4u) * P.x_col);
  }
  for (var n = 0u; n < W_LOADS; n++) {
    let e = min(t + n * WG, W_QUADS - 1u);
    let o = min(n0 + e / W_ROW_QUADS, P.O - 1u);
    let k = k0 + (e % W_ROW_QUADS) * 4u * PER_WORD;
    let g = k / P.group_size;
    (*wv)[n] = ld_w4(P.w_off + o * P.w_row + k / PER_WORD);
    (*sb)[n] = vec2(ld_scale(P.s_off + o * P.s_row + g), ld_bias(P.b_off + o * P.b_row + g));
  }
}

// Thread t's share of a step into workgroup memory, as f16: x's values, and W's codes
// as code * scale + bias.
fn store_step(t: u32, xv: ptr<function, array<vec4<f32>, X_LOADS>>, wv: ptr<function, array<vec4<u32>, W_LOADS>>,
              sb: ptr<function, array<vec2<f32>, W_LOADS>>) {
  for (var n = 0u; n < X_LOADS; n++) {
    let e = t + n * WG;
    if (e < X_QUADS) {
      let at = (e / X_ROW_QUADS) * XS + (e % X_ROW_QUADS) * 4u;
      for (var i = 0u; i < 4u; i++) {
        xs[at + i] = f16((*xv)[n][i]);
      }
    }
  }
  for (var n = 0u; n < W_LOADS; n++) {
    let e = t + n * WG;
    if (e < W_QUADS) {
      let at = (e / W_ROW_QUADS) * WS + (e % W_ROW_QUADS) * 4u * PER_WORD;
      for (var j = 0u; j < 4u; j++) {
        for (var c = 0u; c < PER_WORD; c++) {
          ws[at + j * PER_WORD + c] = f16(f32(((*wv)[n][j] >> (c * BITS)) & CODE) * (*sb)[n].x + (*sb)[n].y);
        }
      }
    }
  }
}

// Fragment c of subgroup sg, outputs (m.., o..) of y, through workgroup memory to OUT.
fn store_fragment(c: subgroup_matrix_result<f32, F, F>, sg: u32, m: u32, o: u32, lane: u32) {
  subgroupMatrixStore<row_major>(&outs, sg * F * F, c, F);
  workgroupBarrier();
  for (var e = lane; e < F * F; e += SG) {
    if (m + e / F < P.M && o + e % F < P.O) {
      store_out((m + e / F) * P.O + o + e % F, outs[sg * F * F + e]);
    }
  }
  workgroupBarrier();
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32, @builtin(subgroup_id) sg: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
  let n0 = wg.x * BN;
  let m0 = wg.y * BM;
  // This thread's subgroup's block: rows bm.., columns bn.. of the tile.
  let bm = (sg / 4u) * FM * F;
  let bn = (sg % 4u) * 2u * F;
  // Named, not an array: an array of subgroup matrices ran at half the speed (an H200).
  // c2* and c3* only where FM = 4 (the compiler drops them where FM = 2).
  var c00 = subgroup_matrix_result<f32, F, F>();
  var c01 = subgroup_matrix_result<f32, F, F>();
  var c10 = subgroup_matrix_result<f32, F, F>();
  var c11 = subgroup_matrix_result<f32, F, F>();
  var c20 = subgroup_matrix_result<f32, F, F>();
  var c21 = subgroup_matrix_result<f32, F, F>();
  var c30 = subgroup_matrix_result<f32, F, F>();
  var c31 = subgroup_matrix_result<f32, F, F>();
  // Each step's loads are issued before the step before it multiplies, so that they
  // arrive while the matrix units work (the last step loads itself again, unused).
  var xv: array<vec4<f32>, X_LOADS>;
  var wv: array<vec4<u32>, W_LOADS>;
  var sb: array<vec2<f32>, W_LOADS>;  // each W quad's scale and bias
  load_step(0u, m0, n0, t, &xv, &wv, &sb);
  for (var k0 = 0u; k0 < P.K; k0 += BK) {
    workgroupBarrier();  // the last step's fragments are loaded from xs and ws
    store_step(t, &xv, &wv, &sb);
    workgroupBarrier();
    load_step(min(k0 + BK, P.K - BK), m0, n0, t, &xv, &wv, &sb);
    for (var k = 0u; k < BK; k += F) {
      let b0 = subgroupMatrixLoad<subgroup_matrix_right<f16, F, F>, col_major>(&ws, bn * WS + k, WS);
      let b1 = subgroupMatrixLoad<subgroup_matrix_right<f16, F, F>, col_major>(&ws, (bn + F) * WS + k, WS);
      let a0 = subgroupMatrixLoad<subgroup_matrix_left<f16, F, F>, row_major>(&xs, bm * XS + k, XS);
      let a1 = subgroupMatrixLoad<subgroup_matrix_left<f16, F, F>, row_major>(&xs, (bm + F) * XS + k, XS);
      c00 = subgroupMatrixMultiplyAccumulate(a0, b0, c00);
      c01 = subgroupMatrixMultiplyAccumulate(a0, b1, c01);
      c10 = subgroupMatrixMultiplyAccumulate(a1, b0, c10);
      c11 = subgroupMatrixMultiplyAccumulate(a1, b1, c11);
      if (FM == 4u) {
        let a2 = subgroupMatrixLoad<subgroup_matrix_left<f16, F, F>, row_major>(&xs, (bm + 2u * F) * XS + k, XS);
        let a3 = subgroupMatrixLoad<subgroup_matrix_left<f16, F, F>, row_major>(&xs, (bm + 3u * F) * XS + k, XS);
        c20 = subgroupMatrixMultiplyAccumulate(a2, b0, c20);
        c21 = subgroupMatrixMultiplyAccumulate(a2, b1, c21);
        c30 = subgroupMatrixMultiplyAccumulate(a3, b0, c30);
        c31 = subgroupMatrixMultiplyAccumulate(a3, b1, c31);
      }
    }
  }
  store_fragment(c00, sg, m0 + bm, n0 + bn, lane);
  store_fragment(c01, sg, m0 + bm, n0 + bn + F, lane);
  store_fragment(c10, sg, m0 + bm + F, n0 + bn, lane);
  store_fragment(c11, sg, m0 + bm + F, n0 + bn + F, lane);
  if (FM == 4u) {
    store_fragment(c20, sg, m0 + bm + 2u * F, n0 + bn, lane);
    store_fragment(c21, sg, m0 + bm + 2u * F, n0 + bn + F, lane);
    store_fragment(c30, sg, m0 + bm + 3u * F, n0 + bn, lane);
    store_fragment(c31, sg, m0 + bm + 3u * F, n0 + bn + F, lane);
  }
}
