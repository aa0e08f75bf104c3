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
  let o0 = (wg.x + wg.y * nwg.x) * ROWS;
  var acc: array<f32, M_MAX * ROWS>;  // acc[m * ROWS + r]: this thread's part of y[m, o0 + r]
  let words = P.K / PER_WORD;
  for (var w = t; w < words; w += WG) {
    let k0 = w * PER_WORD;
    let g = k0 / P.group_size;
    var q: array<u32, ROWS>;
    var s: array<f32, ROWS>;
    var b: array<f32, ROWS>;
    for (var r = 0u; r < ROWS; r++) {
      let o = min(o0 + r, P.O - 1u);  // rows past O repeat the last one and are not stored
      q[r] = W[P.w_off + o * P.w_row + w];
      s[r] = ld_scale(P.s_off + o * P.s_row + g);
      b[r] = ld_bias(P.b_off + o * P.b_row + g);
    }
    for (var m = 0u; m < P.M; m++) {
      var dot = array<f32, ROWS>();  // zeros, written out: lavapipe did not re-zero a bare declaration in a loop
      var sx = 0.0;
      for (var c = 0u; c < PER_WORD; c++) {
        let xv = ld_x(P.x_off + m * P.x_row + (k0 + c) * P.x_col);
        sx += xv;
        for (var r = 0u; r < ROWS; r++) {
          dot[r] += xv * f32((q[r] >> (c * BITS)) & CODE);
        }
      }
      for (var r = 0u; r < ROWS; r++) {
        acc[m * ROWS + r] += s[r] * dot[r] + b[r] * sx;
      }
    }
  }

  let leader = lanes_leader();
  for (var v = 0u; v < P.M * ROWS; v++) {
    let sum = lanes_sum(acc[v]);
    red[t][v] = select(0.0, sum, leader);
  }
  workgroupBarrier();
  if (t < P.M * ROWS) {
    let o = o0 + t % ROWS;
    if (o < P.O) {
      var y = 0.0;
      for (var i = 0u; i < WG; i++) {
        y += red[i][t];
      }
      store_out((t / ROWS) * P.O + o, y);
    }
  }
}
