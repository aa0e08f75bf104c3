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

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  // Your kernel (week_2_day_3_task_2): until this body holds code, the kernel raises NotImplementedError.
}
