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
// Reference only, not part of task 3: with SWIGLU (quantizedSwiGLU) or ROPE
// (quantizedQkvRope), as in the float kernel, whose prelude helpers (w_row, store_row,
// store_pairs) store the outputs here too. And a long row is read by SPLIT teams, not one
// (the launcher's choice; the task's kernel reads every row with one team, SPLIT = 1):
// their lanes walk its chunks together, LANES apart, and the teams' sums meet in
// workgroup memory. Qwen2-7B's down_proj (592 chunks a row: 4.6 rounds of one team's
// loads) took 15.0 us a call on an H200 with two teams against 18.6-19.4 with one; three
// teams, or two loading 5, 6 or 8 chunks at once, were slower.
//
// From the prelude (src/gpu/prelude.ts): BITS, M, GROUP, S_DT, OUT_DT, TEAM, TEAM_SUBGROUP,
// SPLIT, SWIGLU, ROPE, RopeParams, OUTS, unpack_float, word_of, ld_scale, ld_bias, store_out,
// w_row, store_row, store_pairs, lanes_sum.

struct Params {
  K: u32, O: u32,
  w_off: u32, w_row: u32,  // chunk c of row o is W[w_off + o * w_row + c]
  s_off: u32, s_row: u32,  // scale (o, g) is SC[s_off + o * s_row + g]
  b_off: u32, b_row: u32,  // bias (o, g) is BI[b_off + o * b_row + g]
  rope: RopeParams,        // with ROPE (reference only): the prelude's
}

@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> XQ: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> XS: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> W: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> SC: array<u32>;
@group(0) @binding(5) var<storage, read> BI: array<u32>;
@group(0) @binding(6) var<storage, read_write> OUT: array<atomic<u32>>;

const ROWS: u32 = 8u;                // rows of W (outputs) per workgroup, SPLIT teams each
const LANES: u32 = TEAM * SPLIT;     // threads a row
const WG: u32 = ROWS * LANES;        // threads per workgroup
const STEPS: u32 = 4u;               // chunks a thread loads at once, LANES apart
const CODES: u32 = 128u / BITS;      // codes per chunk (16 bytes)
const X_VECS: u32 = CODES / 16u;     // vec4 words of X per chunk
const CHUNKS_PER_GROUP: u32 = GROUP / CODES;
const NIBBLES: u32 = 0x0f0f0f0fu;
const OFFSET: f32 = select(0.0, 128.0, BITS == 8u);  // what an 8-bit code loses as a signed byte

var<workgroup> red: array<f32, WG>;  // without TEAM_SUBGROUP: the teams' sums
var<workgroup> split_sum: array<f32, ROWS * SPLIT * M>;  // with SPLIT > 1: each team's sums

// sum over the chunk's codes of X times code: w is the chunk, xs its X.
fn chunk_dot(w: vec4<u32>, xs: array<vec4<u32>, X_VECS>) -> i32 {
  var d = 0;
  if (BITS == 4u) {
    for (var j = 0u; j < 4u; j++) {
      let xv = xs[j / 2u];
      let e = (j % 2u) * 2u;  // X of word j: evens in xv[e], odds in xv[e + 1]
      d += dot4I8Packed(w[j] & NIBBLES, xv[e]) + dot4I8Packed((w[j] >> 4u) & NIBBLES, xv[e + 1u]);
    }
  } else {
    for (var j = 0u; j < 4u; j++) {
      d += dot4I8Packed(w[j] ^ 0x80808080u, xs[0][j]);
    }
  }
  return d;
}

// The sum of v over thread t's team (every thread, in uniform control flow).
fn team_sum(t: u32, v: f32) -> f32 {
  if (TEAM_SUBGROUP) {
    return lanes_sum(v);
  }
  red[t] = v;
  workgroupBarrier();
  for (var h = TEAM / 2u; h > 0u; h >>= 1u) {
    if (t % TEAM < h) {
      red[t] += red[t + h];
    }
    workgroupBarrier();
  }
  let sum = red[t - t % TEAM];
  workgroupBarrier();
  return sum;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) t: u32) {
  let r = t / LANES;  // the workgroup's row the thread reads
  let lane = t % LANES;
  let o0 = (wg.x + wg.y * nwg.x) * OUTS;
  let o = w_row(o0, r);
  let chunks = P.K / CODES;  // per row of W
  let groups = P.K / GROUP;
  var acc = array<f32, M>();  // acc[m]: this thread's part of x[m] . W[o]
  for (var c0 = lane; c0 < chunks; c0 += LANES * STEPS) {
    // Every load of W first (STEPS chunks, 16 bytes each), with scales and biases.
    var q = array<vec4<u32>, STEPS>();  // q[u]: chunk c0 + u * LANES
    var s = array<f32, STEPS>();
    var b = array<f32, STEPS>();
    for (var u = 0u; u < STEPS; u++) {
      let c = min(c0 + u * LANES, chunks - 1u);  // past the row's end: a valid chunk, not used
      let g = c / CHUNKS_PER_GROUP;
      q[u] = W[P.w_off + o * P.w_row + c];
      s[u] = ld_scale(P.s_off + o * P.s_row + g);
      b[u] = ld_bias(P.b_off + o * P.b_row + g);
    }
    for (var u = 0u; u < STEPS; u++) {
      let c = c0 + u * LANES;
      if (c >= chunks) {
        break;
      }
      let g = c / CHUNKS_PER_GROUP;
      let opens = c % CHUNKS_PER_GROUP == 0u;  // this thread adds the group's bias term
      for (var m = 0u; m < M; m++) {
        var xs = array<vec4<u32>, X_VECS>();
        for (var j = 0u; j < X_VECS; j++) {
          xs[j] = XQ[(m * chunks + c) * X_VECS + j];
        }
        let xg = XS[m * groups + g];  // (sx, sx * sum X)
        let d = f32(chunk_dot(q[u], xs));
        let bias = select(0.0, (b[u] + OFFSET * s[u]) * xg.y, opens);
        acc[m] += s[u] * xg.x * d + bias;
      }
    }
  }

  for (var m = 0u; m < M; m++) {
    let y = team_sum(t, acc[m]);
    if (SPLIT == 1u) {
      if (lane == 0u) {
        store_row(m * ROWS + r, o0, y);
      }
    } else if (lane % TEAM == 0u) {
      split_sum[(m * ROWS + r) * SPLIT + lane / TEAM] = y;
    }
  }
  if (SPLIT > 1u) {
    workgroupBarrier();
    if (lane == 0u) {
      for (var m = 0u; m < M; m++) {
        var y = 0.0;
        for (var i = 0u; i < SPLIT; i++) {
          y += split_sum[(m * ROWS + r) * SPLIT + i];
        }
        store_row(m * ROWS + r, o0, y);
      }
    }
  }
  store_pairs(t, o0);
}
