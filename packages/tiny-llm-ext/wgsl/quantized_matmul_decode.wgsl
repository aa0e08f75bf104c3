// Quantized matmul for few rows of x (decode: M <= 8): y = x @ W.T with W read packed
// (week 2, day 3, task 1; book: week2-03-quantized-matmul-gpu.md).
//
//   x: M x K (X_DT)   W: O x K*BITS/32 u32 words   scales, biases: O x K/GROUP (S_DT)   ->  OUT: M x O (OUT_DT)
//
// Reading W is the whole cost, so every byte of it is read once, by whole words, with
// neighbouring threads on neighbouring words (one 256-byte run per row per step: the
// loads of a subgroup coalesce). A workgroup owns ROWS rows of W; its WG threads stride
// along K a word at a time, each keeping M x ROWS partial sums in registers, and reuse
// the x values they load for every one of the ROWS rows. Per word, with its group's
// scale s and bias b:  sum_k x[k] * (q[k] s + b) = s * sum_k x[k] q[k] + b * sum_k x[k].
// At the end the partial sums of the workgroup's threads are added up: lanes_sum adds
// a subgroup's in registers, and one thread of each subgroup leaves the sum in red.
//
// From the prelude (src/gpu/prelude.ts): BITS, X_DT, S_DT, OUT_DT, unpack_float,
// word_of, store_out, lanes_sum, lanes_leader.

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

const M_MAX: u32 = 8u;              // rows of x at most
const WG: u32 = 64u;                // threads per workgroup
const ROWS: u32 = 4u;               // rows of W (outputs) per workgroup
const PER_WORD: u32 = 32u / BITS;   // codes per u32 word
const CODE: u32 = (1u << BITS) - 1u;

var<workgroup> red: array<array<f32, M_MAX * ROWS>, WG>;

fn ld_x(i: u32) -> f32 { return unpack_float(X[word_of(i, X_DT)], i, X_DT); }
fn ld_scale(i: u32) -> f32 { return unpack_float(SC[word_of(i, S_DT)], i, S_DT); }
fn ld_bias(i: u32) -> f32 { return unpack_float(BI[word_of(i, S_DT)], i, S_DT); }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) t: u32) {
  // Your kernel (week_2_day_3_task_1): until this body holds code, the kernel raises NotImplementedError.
}
