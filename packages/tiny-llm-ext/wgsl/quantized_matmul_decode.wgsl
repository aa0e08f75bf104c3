// Quantized matmul for few rows of x (decode: M <= 8): y = x @ W.T with W read packed
// (week 2, day 3, task 1; book: week2-03-quantized-matmul-gpu.md).
//
//   x: M x K (X_DT)   W: O x K*BITS/128 chunks (vec4<u32>)   scales, biases: O x K/GROUP (S_DT)   ->  OUT: M x O (OUT_DT)
//
// Reading W is the whole cost, and the GPU reads memory fast only with many bytes on
// their way at once (about bandwidth x latency, megabytes over the whole chip). So W is
// read in chunks of 16 bytes (a vec4<u32>: CODES = 128/BITS codes, all of one group,
// since 32 divides every group size), and each thread puts ROWS x STEPS of them in
// flight before it uses any. A workgroup owns ROWS rows of W; thread t reads chunks
// t, t + WG, ... of each (neighbouring threads on neighbouring chunks: a subgroup's
// loads coalesce into long runs of one row). For each chunk it loads the CODES values of
// x once, for all ROWS rows, and uses day 2's identity per group, with scale s, bias b:
//   sum_k x[k] * (q[k] s + b) = s * sum_k x[k] q[k] + b * sum_k x[k].
// A code becomes an f32 without an integer conversion (slow on some GPUs): OR-ed into
// the mantissa of 2^23 it gives the float 2^23 + q, and one subtraction leaves q.
// At the end the partial sums of the workgroup's threads are added up: lanes_sum adds
// a subgroup's in registers, and one thread of each subgroup leaves the sum in red.
//
// quantized-matmul.ts sends here only a W whose chunks are aligned (offset and row
// stride multiples of 4 words; any other W goes to the tiled kernel), and sets X_VEC4
// when x is contiguous along K with each chunk's values starting a vec4 of words: then
// x is read 16 bytes a load (4 float32 or 8 16-bit values), as W is, else element by
// element. That matters more than it seems: the threads of a subgroup read x 128 bytes
// apart (one chunk each), so every load instruction touches as many cache lines as the
// subgroup has threads: with 4-byte loads of x the kernel took 2.5x as long (H200).
//
// From the prelude (src/gpu/prelude.ts): BITS, M, X_VEC4, X_DT, S_DT, OUT_DT,
// unpack_float, word_of, f16_to_f32, ld_scale, ld_bias, store_out, lanes_sum, lanes_leader.

struct Params {
  K: u32, O: u32, group_size: u32,
  x_off: u32, x_row: u32, x_col: u32,  // element (m, k) of x is X[x_off + m * x_row + k * x_col]
  w_off: u32, w_row: u32,              // chunk c of row o is W[w_off + o * w_row + c]
  s_off: u32, s_row: u32,              // scale (o, g) is SC[s_off + o * s_row + g]
  b_off: u32, b_row: u32,              // bias (o, g) is BI[b_off + o * b_row + g]
}

@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> X: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> W: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> SC: array<u32>;
@group(0) @binding(4) var<storage, read> BI: array<u32>;
@group(0) @binding(5) var<storage, read_write> OUT: array<atomic<u32>>;

const WG: u32 = 64u;                // threads per workgroup, all on the same ROWS rows
const ROWS: u32 = 4u;               // rows of W (outputs) per workgroup
const STEPS: u32 = 2u;              // chunks per row a thread loads at once, WG apart
const CODES: u32 = 128u / BITS;     // codes per chunk (16 bytes)
const PER_WORD: u32 = 32u / BITS;   // codes per u32 word
const CODE: u32 = (1u << BITS) - 1u;
const TWO_23: u32 = 0x4b000000u;    // 2^23 as f32 bits
const X_PER_WORD: u32 = select(2u, 1u, X_DT == 0u);  // values of x in a u32 word

var<workgroup> red: array<array<f32, M * ROWS>, WG>;

fn ld_x(i: u32) -> f32 {
  let w = word_of(i, X_DT);
  return unpack_float(X[w / 4u][w % 4u], i, X_DT);
}

// Code c of a word, as f32.
fn code_f32(word: u32, c: u32) -> f32 {
  return bitcast<f32>(((word >> (c * BITS)) & CODE) | TWO_23) - 8388608.0;
}

// x[m, k0 .. k0 + CODES] as f32.
fn ld_xs(m: u32, k0: u32) -> array<f32, CODES> {
  var xs = array<f32, CODES>();
  let i0 = P.x_off + m * P.x_row + k0 * P.x_col;
  if (X_VEC4) {
    let v0 = word_of(i0, X_DT) / 4u;  // the chunk's first 16 bytes
    for (var j = 0u; j < CODES / (4u * X_PER_WORD); j++) {
      let v = X[v0 + j];
      for (var e = 0u; e < 4u; e++) {
        for (var h = 0u; h < X_PER_WORD; h++) {  // 16-bit values: low half first
          xs[(4u * j + e) * X_PER_WORD + h] = unpack_float(v[e], h, X_DT);
        }
      }
    }
  } else {
    for (var i = 0u; i < CODES; i++) {
      xs[i] = ld_x(i0 + i * P.x_col);
    }
  }
  return xs;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) t: u32) {
  // Your kernel (week_2_day_3_task_1): until this body holds code, the kernel raises NotImplementedError.
}
