// x quantized to int8 per group of GROUP inputs, for the int8 decode kernel (week 2,
// day 3, task 3; book: week2-03-quantized-matmul-gpu.md), as day 2's int8 activations:
//   sx = max|x| / 127,  X = round(x / sx) (half to even; 0 where sx = 0),  x̂ = sx * X
//
//   x: M x K (X_DT)  ->  XQ: M x K/4 words of four int8 X each,  XS: M x K/GROUP (sx, sx * sum of the group's X)
//
// With BITS = 4 the X of each 8 inputs (one word of codes) go in two words, evens first:
// X0 X2 X4 X6 | X1 X3 X5 X7, the order of a word's codes once the int8 kernel splits it
// into low nibbles and high nibbles (w & 0x0f0f0f0f, (w >> 4) & 0x0f0f0f0f). With 8 bits
// they stay in order.
//
// A thread quantizes 8 inputs (so a group is GROUP / 8 threads); the group's max and sum
// are gathered in workgroup memory. Both divisions are rounded as the CPU rounds them
// (div_rn): a GPU may divide to within a few ulps, and a quotient one ulp off of k + 1/2
// rounds to the other integer.
//
// From the prelude (src/gpu/prelude.ts): BITS, GROUP, X_DT, unpack_float, word_of, div_rn, byte_of.

struct Params {
  K: u32,
  x_off: u32, x_row: u32, x_col: u32,  // element (m, k) of x is X[x_off + m * x_row + k * x_col]
}

@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> XQ: array<u32>;
@group(0) @binding(3) var<storage, read_write> XS: array<vec2<f32>>;

const WG: u32 = 64u;
const PER_THREAD: u32 = 8u;
const THREADS: u32 = GROUP / PER_THREAD;  // threads per group

var<workgroup> part: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  // Your kernel (week_2_day_3_task_3): until this body holds code, the kernel raises NotImplementedError.
}
