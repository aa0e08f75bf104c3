// Quantized matmul for few rows of x with int8 activations (decode: M <= 8): y = x̂ @ W.T,
// x̂ = sx * X as quantize_activations.wgsl left it (week 2, day 3, task 3; book:
// week2-03-quantized-matmul-gpu.md).
//
//   XQ: M x K/4 words of int8 X   XS: M x K/GROUP (sx, sx * sum X)   W: O x K*BITS/128 chunks (vec4<u32>)
//   scales, biases: O x K/GROUP (S_DT)   ->  OUT: M x O (OUT_DT)
//
// The float kernel (quantized_matmul_decode.wgsl) spends four instructions on every code
// (shift, mask, subtract, multiply-add): at Qwen2-7B's shapes on an H200 that is as long
// as reading W. Here the codes stay integers: dot4I8Packed multiplies four bytes by four
// bytes and sums them in one instruction (DP4A on NVIDIA). A word of 4-bit codes becomes
// two words of bytes with two masks and a shift, its low nibbles (codes 0, 2, 4, 6) and
// its high ones (1, 3, 5, 7), which quantize_activations put X in the same order for;
// 8-bit codes are bytes already, but unsigned: as signed bytes they read q - 128, and the
// 128 * sum X that this drops comes back with the group's bias. Per group, with W's scale
// s and bias b:
//   sum_k x̂[k] (q[k] s + b) = (s sx) * sum_k X[k] q[k] + b * (sx sum_k X[k])
// The integer sums are exact; each chunk's becomes a float once.
//
// A workgroup owns ROWS rows, each read by a team of TEAM threads: thread `lane` of the
// team reads chunks lane, lane + TEAM, ... of its row, STEPS of them in flight before it
// uses any, and the group's bias term is added by the thread that holds the group's
// first chunk. A team is one subgroup where the GPU has them (TEAM_SUBGROUP: its sum is
// one subgroupAdd, with no workgroup memory and no barrier), else its sum is a tree in
// workgroup memory. On an H200 this ran as fast as the float kernel's layout (all
// threads of a workgroup on all of its rows, their partial sums added in workgroup
// memory): a Qwen2-7B layer's four products 57.3 against 57.5 us. On lavapipe, whose
// workgroups run on CPU threads, it took a half to a third of the time.
//
// From the prelude (src/gpu/prelude.ts): BITS, M, GROUP, S_DT, OUT_DT, TEAM, TEAM_SUBGROUP,
// unpack_float, word_of, ld_scale, ld_bias, store_out, lanes_sum.

struct Params {
  K: u32, O: u32,
  w_off: u32, w_row: u32,  // chunk c of row o is W[w_off + o * w_row + c]
  s_off: u32, s_row: u32,  // scale (o, g) is SC[s_off + o * s_row + g]
  b_off: u32, b_row: u32,  // bias (o, g) is BI[b_off + o * b_row + g]
}

@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> XQ: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> XS: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> W: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> SC: array<u32>;
@group(0) @binding(5) var<storage, read> BI: array<u32>;
@group(0) @binding(6) var<storage, read_write> OUT: array<atomic<u32>>;

const ROWS: u32 = 8u;                // rows of W (outputs) per workgroup, one a team
const WG: u32 = ROWS * TEAM;         // threads per workgroup
const STEPS: u32 = 4u;               // chunks a thread loads at once, TEAM apart
const CODES: u32 = 128u / BITS;      // codes per chunk (16 bytes)
const X_VECS: u32 = CODES / 16u;     // vec4 words of X per chunk
const CHUNKS_PER_GROUP: u32 = GROUP / CODES;
const NIBBLES: u32 = 0x0f0f0f0fu;
const OFFSET: f32 = select(0.0, 128.0, BITS == 8u);  // what an 8-bit code loses as a signed byte

var<workgroup> red: array<f32, WG>;  // without TEAM_SUBGROUP: the teams' sums

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) t: u32) {
  // Your kernel (week_2_day_3_task_3): until this body holds code, the kernel raises NotImplementedError.
}
