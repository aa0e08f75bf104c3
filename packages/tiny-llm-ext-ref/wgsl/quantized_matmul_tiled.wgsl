// Quantized matmul for many rows of x (prefill: M > 8): y = x @ W.T, W dequantized a
// tile at a time into workgroup memory, never as a whole
// (week 2, day 3, task 2; book: week2-03-quantized-matmul-gpu.md).
//
//   x: M x K (X_DT)   W: O x K*BITS/32 u32 words   scales, biases: O x K/GROUP (S_DT)   ->  OUT: M x O (OUT_DT)
//
// A workgroup computes a BM x BN tile of y. It walks K in steps of BK: its threads load
// the BM x BK tile of x (as f32) and the BN x BK tile of W (unpacked, code * scale +
// bias: BK divides every group size, so a tile row has one scale and one bias) into
// workgroup memory, then each thread multiplies them into its TM x TN outputs. Each
// value loaded from memory is used BM (or BN) times from workgroup memory, which is what
// makes a matmul with many rows compute-bound instead of bandwidth-bound.
//
// From the prelude (src/gpu/prelude.ts): BITS, X_DT, S_DT, OUT_DT, BM, BN, BK, TM, TN,
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

// The tile, from the prelude (the wrapper picks one by M): BM rows of x by BN rows of W
// (outputs) per workgroup, BK inputs per step (it divides every group size), and TM x TN
// outputs per thread, strided by BM / TM and BN / TN.
const WG: u32 = (BM / TM) * (BN / TN);
const PER_WORD: u32 = 32u / BITS;
const WORDS: u32 = BK / PER_WORD;  // words of a W row per step
const CODE: u32 = (1u << BITS) - 1u;

var<workgroup> xs: array<array<f32, BM>, BK>;  // xs[k][m]
var<workgroup> ws: array<array<f32, BN>, BK>;  // ws[k][n]

fn ld_x(i: u32) -> f32 { return unpack_float(X[word_of(i, X_DT)], i, X_DT); }

const X_LOADS: u32 = (BM * BK + WG - 1u) / WG;   // values of x a thread loads a step
const W_LOADS: u32 = (BN * WORDS + WG - 1u) / WG;  // words of W a thread loads a step

// Thread t's share of step k0, into registers: x's values (rows past M repeat the last
// one, and are not stored) and W's words with their group's scale and bias (loads past
// the tile repeat its last one, and are not stored).
fn load_step(k0: u32, m0: u32, n0: u32, t: u32, xv: ptr<function, array<f32, X_LOADS>>, wv: ptr<function, array<vec3<u32>, W_LOADS>>) {
  for (var i = 0u; i < X_LOADS; i++) {
    let e = min(t + i * WG, BM * BK - 1u);
    let row = min(m0 + e / BK, P.M - 1u);
    (*xv)[i] = ld_x(P.x_off + row * P.x_row + (k0 + e % BK) * P.x_col);
  }
  let g = k0 / P.group_size;
  for (var i = 0u; i < W_LOADS; i++) {
    let e = min(t + i * WG, BN * WORDS - 1u);
    let o = min(n0 + e / WORDS, P.O - 1u);
    let q = W[P.w_off + o * P.w_row + k0 / PER_WORD + e % WORDS];
    (*wv)[i] = vec3(q, bitcast<u32>(ld_scale(P.s_off + o * P.s_row + g)), bitcast<u32>(ld_bias(P.b_off + o * P.b_row + g)));
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  let n0 = wg.x * BN;
  let m0 = wg.y * BM;
  let tn = t % (BN / TN);
  let tm = t / (BN / TN);
  var acc: array<array<f32, TN>, TM>;
  // Each step's loads are issued before the step before it multiplies, so that they
  // arrive while the threads multiply (the last step loads itself again, unused).
  var xv: array<f32, X_LOADS>;
  var wv: array<vec3<u32>, W_LOADS>;  // word, scale's bits, bias's bits
  load_step(0u, m0, n0, t, &xv, &wv);
  for (var k0 = 0u; k0 < P.K; k0 += BK) {
    workgroupBarrier();  // the last step's products have read xs and ws
    for (var i = 0u; i < X_LOADS; i++) {
      let e = t + i * WG;
      if (e < BM * BK) {
        xs[e % BK][e / BK] = xv[i];
      }
    }
    for (var i = 0u; i < W_LOADS; i++) {
      let e = t + i * WG;
      if (e < BN * WORDS) {
        let s = bitcast<f32>(wv[i].y);
        let b = bitcast<f32>(wv[i].z);
        for (var c = 0u; c < PER_WORD; c++) {
          ws[(e % WORDS) * PER_WORD + c][e / WORDS] = f32((wv[i].x >> (c * BITS)) & CODE) * s + b;
        }
      }
    }
    workgroupBarrier();
    load_step(min(k0 + BK, P.K - BK), m0, n0, t, &xv, &wv);
    for (var k = 0u; k < BK; k++) {
      var a: array<f32, TM>;
      for (var i = 0u; i < TM; i++) {
        a[i] = xs[k][tm + i * (BM / TM)];
      }
      for (var j = 0u; j < TN; j++) {
        let b = ws[k][tn + j * (BN / TN)];
        for (var i = 0u; i < TM; i++) {
          acc[i][j] += a[i] * b;
        }
      }
    }
  }
  for (var i = 0u; i < TM; i++) {
    let m = m0 + tm + i * (BM / TM);
    for (var j = 0u; j < TN; j++) {
      let o = n0 + tn + j * (BN / TN);
      if (m < P.M && o < P.O) {
        store_out(m * P.O + o, acc[i][j]);
      }
    }
  }
}
