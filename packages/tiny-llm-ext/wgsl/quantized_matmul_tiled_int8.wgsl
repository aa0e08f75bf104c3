// Quantized matmul for many rows of x with int8 activations (prefill): y = x̂ @ W.T, x̂ as
// quantize_activations.wgsl left it (week 2, day 3, task 3; book:
// week2-03-quantized-matmul-gpu.md).
//
//   XQ: M x K/4 words of int8 X   XS: M x K/GROUP (sx, sx * sum X)   W: O x K*BITS/32 words
//   scales, biases: O x K/GROUP (S_DT)   ->  OUT: M x O (OUT_DT)
//
// Task 2's tiling with task 3's arithmetic. A workgroup computes a BM x BN tile of y and
// walks K in steps of BK = 32 inputs (inside one group, since 32 divides every group
// size): each step it puts 32 X of each of its BM rows and 32 codes of each of its BN
// rows of W in workgroup memory, the codes already split into signed bytes (low and
// high nibbles of a 4-bit word, in the order quantize_activations wrote X; an 8-bit
// code's top bit flipped, q - 128). Then each thread adds dot4I8Packed products into
// the i32 sums of its TM x TN outputs, and at the end of a group turns them into floats
// with the group's factors (loaded into workgroup memory when the group starts), as the
// decode kernel does:
//   y += (s sx) * sum X q + (b + OFFSET s) * (sx sum X)
// Threads take rows and columns strided by BM / TM and BN / TN, so that the threads of a
// subgroup read neighbouring rows of W's tile (rows padded by a word: other banks).
//
// From the prelude (src/gpu/prelude.ts): BITS, GROUP, BM, BN, TM, TN, S_DT, OUT_DT,
// unpack_float, word_of, ld_scale, ld_bias, store_out.

struct Params {
  M: u32, K: u32, O: u32,
  w_off: u32, w_row: u32,  // word j of row o of W is W[w_off + o * w_row + j]
  s_off: u32, s_row: u32,  // scale (o, g) is SC[s_off + o * s_row + g]
  b_off: u32, b_row: u32,  // bias (o, g) is BI[b_off + o * b_row + g]
}

@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> XQ: array<u32>;
@group(0) @binding(2) var<storage, read> XS: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> W: array<u32>;
@group(0) @binding(4) var<storage, read> SC: array<u32>;
@group(0) @binding(5) var<storage, read> BI: array<u32>;
@group(0) @binding(6) var<storage, read_write> OUT: array<atomic<u32>>;

const BK: u32 = 32u;                 // inputs a step
const BYTES: u32 = BK / 4u;          // words of bytes a row of a step holds (X, and W once split)
const W_WORDS: u32 = BK * BITS / 32u;  // words of W's codes a row of a step
const RS: u32 = BM / TM;             // threads along the tile's rows
const CS: u32 = BN / TN;             // ... and along its columns
const WG: u32 = RS * CS;
const NIBBLES: u32 = 0x0f0f0f0fu;
const OFFSET: f32 = select(0.0, 128.0, BITS == 8u);  // what an 8-bit code loses as a signed byte

var<workgroup> xs: array<array<u32, BYTES + 1u>, BM>;
var<workgroup> ws: array<array<u32, BYTES + 1u>, BN>;
var<workgroup> sc: array<f32, BN>;   // the group's scale of each row of W
var<workgroup> bi: array<f32, BN>;   // ... its bias + OFFSET * scale
var<workgroup> sx: array<vec2<f32>, BM>;  // (sx, sx * sum X) of each row of x

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  // Your kernel (week_2_day_3_task_3): until this body holds code, the kernel raises NotImplementedError.
}
