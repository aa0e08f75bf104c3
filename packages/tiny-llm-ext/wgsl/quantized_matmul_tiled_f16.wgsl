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
// a 32 x 32 block of the tile as 2 x 2 fragments of 16 x 16 (subgroup_matrix_result),
// 16 inputs at a time. At the end each fragment goes through workgroup
// memory to OUT (a subgroup's matrix has no elements a thread can name).
//
// From the prelude (src/gpu/prelude.ts): BITS, X_DT, S_DT, OUT_DT, SG (the subgroup size),
// unpack_float, word_of, ld_scale, ld_bias, store_out.

struct Params {
  M: u32, K: u32, O: u32, group_size: u32,
  x_off: u32, x_row: u32, x_col: u32,  // element (m, k) of x is X[x_off + m * x_row + k * x_col]
  w_off: u32, w_row: u32,              // word w of row o is W[w_off + o * w_row + w]
  s_off: u32, s_row: u32,              // scale (o, g) is SC[s_off + o * s_row + g]
  b_off: u32, b_row: u32,              // bias (o, g) is BI[b_off + o * b_row + g]
}

@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read> W: array<u32>;
@group(0) @binding(3) var<storage, read> SC: array<u32>;
@group(0) @binding(4) var<storage, read> BI: array<u32>;
@group(0) @binding(5) var<storage, read_write> OUT: array<atomic<u32>>;

const F: u32 = 16u;                // a fragment: 16 x 16 outputs, 16 inputs a product
const BM: u32 = 64u;               // 2 subgroups x 2 fragments
const BN: u32 = 128u;              // 4 subgroups x 2 fragments
const BK: u32 = 32u;               // divides K: every group size does
const WG: u32 = 8u * SG;
const PER_WORD: u32 = 32u / BITS;
const WORDS: u32 = BK / PER_WORD;  // words of a W row per step
const CODE: u32 = (1u << BITS) - 1u;
const X_LOADS: u32 = BM * BK / WG;
const W_LOADS: u32 = BN * WORDS / WG;
// Rows padded by 8 halves (16 bytes): rows of 64 bytes would start in one of two memory
// banks, and a fragment's 16 rows would be read in 8 turns.
const XS: u32 = BK + 8u;
const WS: u32 = BK + 8u;

var<workgroup> xs: array<f16, BM * XS>;   // xs[m * XS + k]
var<workgroup> ws: array<f16, BN * WS>;   // ws[n * WS + k]: column n of the K x N right matrix
var<workgroup> outs: array<f32, 8u * F * F>;  // a fragment per subgroup, on its way out

fn ld_x(i: u32) -> f32 { return unpack_float(X[word_of(i, X_DT)], i, X_DT); }

// Thread t's share of step k0: x's values (rows past M repeat the last one, and are not
// stored) and W's words with their group's scale and bias. Loads only, then the caller's
// stores (flash_attention.wgsl says why).
fn load_step(k0: u32, m0: u32, n0: u32, t: u32, xv: ptr<function, array<f32, X_LOADS>>, wv: ptr<function, array<vec3<u32>, W_LOADS>>) {
  for (var n = 0u; n < X_LOADS; n++) {
    let e = t + n * WG;
    let row = min(m0 + e / BK, P.M - 1u);
    (*xv)[n] = ld_x(P.x_off + row * P.x_row + (k0 + e % BK) * P.x_col);
  }
  for (var n = 0u; n < W_LOADS; n++) {
    let e = t + n * WG;
    let o = min(n0 + e / WORDS, P.O - 1u);
    let k = k0 + (e % WORDS) * PER_WORD;
    let g = k / P.group_size;
    (*wv)[n] = vec3(W[P.w_off + o * P.w_row + k / PER_WORD], bitcast<u32>(ld_scale(P.s_off + o * P.s_row + g)), bitcast<u32>(ld_bias(P.b_off + o * P.b_row + g)));
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
  // Your kernel (week_2_day_3_task_4): until this body holds code, the kernel raises NotImplementedError.
}
