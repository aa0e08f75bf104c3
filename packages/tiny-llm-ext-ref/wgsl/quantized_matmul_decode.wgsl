// Quantized matmul for few rows of x (decode: M <= 8): y = x @ W.T with W read packed
// (week 2, day 3, task 1; book: week2-03-quantized-matmul-gpu.md).
//
//   x: M x K (X_DT)   W: O x K*BITS/64 chunks (vec2<u32>)   scales, biases: O x K/GROUP (S_DT)   ->  OUT: M x O (OUT_DT)
//
// Reading W is the whole cost, and the GPU reads memory fast only with many bytes on
// their way at once (about bandwidth x latency, megabytes over the whole chip). So W is
// read in chunks of 8 bytes (a vec2<u32>: CODES = 64/BITS codes, all of one group,
// since 32 divides every group size), and each thread puts ROWS x STEPS of them in
// flight before it uses any. A workgroup owns ROWS rows of W; thread t reads chunks
// t, t + WG, ... of each (neighbouring threads on neighbouring chunks: a subgroup's
// loads coalesce into long runs of one row). For each chunk it loads the CODES values of
// x once, for all ROWS rows, and uses day 2's identity per group, with scale s, bias b:
//   sum_k x[k] * (q[k] s + b) = s * sum_k x[k] q[k] + b * sum_k x[k].
// A code becomes an f32 without an integer conversion (slow on some GPUs): moved to the
// top of the mantissa of 1.0 it gives the float 1 + q / 2^BITS, exactly. So the dot
// product the thread sums is sum x (1 + q / 2^BITS) = sum x + sum x q / 2^BITS, and
//   s * sum x q + b * sum x = (s 2^BITS) * that + (b - s 2^BITS) * sum x,
// one multiply-add per chunk instead of a subtraction per code.
// At the end the partial sums of the workgroup's threads are added up: lanes_sum adds
// a subgroup's in registers, and one thread of each subgroup leaves the sum in a row of
// red that it takes with an atomic counter, so that each output's thread adds as many
// rows as there are subgroups (4 with 32 lanes each), not one per thread (128).
//
// quantized-matmul.ts sends here only a W whose chunks are aligned (offset and row
// stride multiples of 2 words; any other W goes to the tiled kernel), and sets X_VEC4
// when x is contiguous along K with each chunk's values starting a vec4 of words: then
// x is read 16 bytes a load (4 float32 or 8 16-bit values), else element by element.
// How x is read sets the chunk's size. The threads of a subgroup read x a chunk's
// values apart, so each load instruction touches cache lines all over x: with 4-byte
// loads of x the kernel took 2.5x as long (H200), and with chunks of 16 bytes (32
// float32 values of x, 128 bytes apart between threads) 1.2-1.35x as long as with 8.
//
// Reference only, not part of task 1: with SWIGLU (quantizedSwiGLU, the GPU model's MLP),
// W is [W_gate; W_up], 2I rows, and OUT is M x I: a workgroup owns ROWS / 2 outputs i,
// reads rows i of W_gate and I + i of W_up, and writes silu(gate) * up. The gate/up
// product and the SwiGLU that follows it are then one launch instead of two. With ROPE
// (quantizedQkvRope, the attention's q/k/v product) a workgroup owns ROWS / 2 RoPE pairs
// and stores them turned, q into OUT and the keys and values into the cache, as
// ropeIntoCache would after the product. The prelude's w_row, store_row and store_pairs
// do it (the int8 kernel takes them too); your kernel stores its outputs itself.
//
// From the prelude (src/gpu/prelude.ts): BITS, M, X_VEC4, X_DT, S_DT, OUT_DT, SWIGLU, ROPE,
// RopeParams, OUTS, unpack_float, word_of, f16_to_f32, ld_scale, ld_bias, store_out, w_row,
// store_row, store_pairs, lanes_sum, lanes_leader.

struct Params {
  K: u32, O: u32, group_size: u32,
  x_off: u32, x_row: u32, x_col: u32,  // element (m, k) of x is X[x_off + m * x_row + k * x_col]
  w_off: u32, w_row: u32,              // chunk c of row o is W[w_off + o * w_row + c]
  s_off: u32, s_row: u32,              // scale (o, g) is SC[s_off + o * s_row + g]
  b_off: u32, b_row: u32,              // bias (o, g) is BI[b_off + o * b_row + g]
  rope: RopeParams,                    // with ROPE (reference only): the prelude's
}

@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> X: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> W: array<vec2<u32>>;
@group(0) @binding(3) var<storage, read> SC: array<u32>;
@group(0) @binding(4) var<storage, read> BI: array<u32>;
@group(0) @binding(5) var<storage, read_write> OUT: array<atomic<u32>>;

const WG: u32 = 128u;               // threads per workgroup, all on the same ROWS rows
const ROWS: u32 = 4u;               // rows of W (outputs) per workgroup
const STEPS: u32 = 2u;              // chunks per row a thread loads at once, WG apart
const CODES: u32 = 64u / BITS;      // codes per chunk (8 bytes)
const PER_WORD: u32 = 32u / BITS;   // codes per u32 word
const TOP: u32 = 23u - BITS;        // where a code's lowest bit goes: its highest at the mantissa's top
const MANTISSA_TOP: u32 = ((1u << BITS) - 1u) << TOP;
const ONE: u32 = 0x3f800000u;       // 1.0 as f32 bits
const SCALE: f32 = f32(1u << BITS); // 2^BITS
const X_PER_WORD: u32 = select(2u, 1u, X_DT == 0u);  // values of x in a u32 word

var<workgroup> red: array<array<f32, M * ROWS>, WG>;
var<workgroup> red_rows: atomic<u32>;  // rows of red taken (workgroup memory starts undefined: thread 0 zeroes it)

fn ld_x(i: u32) -> f32 {
  let w = word_of(i, X_DT);
  return unpack_float(X[w / 4u][w % 4u], i, X_DT);
}

// Code c of a word as 1 + q / 2^BITS (c is a constant once the loops unroll: one shift).
fn code_f32(word: u32, c: u32) -> f32 {
  let low = c * BITS;
  let moved = select(word >> (low - TOP), word << (TOP - low), low <= TOP);
  return bitcast<f32>((moved & MANTISSA_TOP) | ONE);
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
  if (t == 0u) {
    atomicStore(&red_rows, 0u);
  }
  let o0 = (wg.x + wg.y * nwg.x) * OUTS;
  let chunks = P.K / CODES;  // per row of W
  var acc = array<f32, M * ROWS>();  // acc[m * ROWS + r]: this thread's part of x[m] . W[w_row(o0, r)]
  for (var c0 = t; c0 < chunks; c0 += WG * STEPS) {
    // Every load of W first (STEPS x ROWS chunks, 8 bytes each), with scales and biases.
    var q = array<vec2<u32>, STEPS * ROWS>();  // q[u * ROWS + r]: chunk c0 + u * WG of row w_row(o0, r)
    var s = array<f32, STEPS * ROWS>();
    var b = array<f32, STEPS * ROWS>();
    for (var u = 0u; u < STEPS; u++) {
      let c = min(c0 + u * WG, chunks - 1u);  // past the row's end: a valid chunk, not used
      let g = c * CODES / P.group_size;
      for (var r = 0u; r < ROWS; r++) {
        let o = w_row(o0, r);
        q[u * ROWS + r] = W[P.w_off + o * P.w_row + c];
        s[u * ROWS + r] = ld_scale(P.s_off + o * P.s_row + g);
        b[u * ROWS + r] = ld_bias(P.b_off + o * P.b_row + g);
      }
    }
    for (var u = 0u; u < STEPS; u++) {
      let c = c0 + u * WG;
      if (c >= chunks) {
        break;
      }
      for (var m = 0u; m < M; m++) {
        let xs = ld_xs(m, c * CODES);
        var sx = 0.0;
        for (var i = 0u; i < CODES; i++) {
          sx += xs[i];
        }
        var dot = array<f32, ROWS>();  // zeros, written out: lavapipe did not re-zero a bare declaration in a loop
        for (var r = 0u; r < ROWS; r++) {
          let qr = q[u * ROWS + r];
          for (var j = 0u; j < 2u; j++) {
            for (var i = 0u; i < PER_WORD; i++) {
              dot[r] += xs[j * PER_WORD + i] * code_f32(qr[j], i);
            }
          }
          let sc = s[u * ROWS + r] * SCALE;
          acc[m * ROWS + r] += sc * dot[r] + (b[u * ROWS + r] - sc) * sx;
        }
      }
    }
  }

  var sums = array<f32, M * ROWS>();
  for (var v = 0u; v < M * ROWS; v++) {
    sums[v] = lanes_sum(acc[v]);
  }
  workgroupBarrier();  // red_rows zeroed
  if (lanes_leader()) {
    let row = atomicAdd(&red_rows, 1u);
    for (var v = 0u; v < M * ROWS; v++) {
      red[row][v] = sums[v];
    }
  }
  workgroupBarrier();
  if (t < M * ROWS) {
    let rows = atomicLoad(&red_rows);
    var y = 0.0;
    for (var i = 0u; i < rows; i++) {
      y += red[i][t];
    }
    store_row(t, o0, y);
  }
  store_pairs(t, o0);
}
