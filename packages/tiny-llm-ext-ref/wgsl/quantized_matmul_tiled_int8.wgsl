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

const X_LOADS: u32 = (BM * BYTES + WG - 1u) / WG;   // words of X a thread loads a step
const W_LOADS: u32 = (BN * W_WORDS + WG - 1u) / WG;  // words of W a thread loads a step

// Thread t's share of step k0, into registers: words of X (rows past M repeat the last
// one, and are not stored) and of W's codes (loads past the tile repeat its last one).
fn load_step(k0: u32, m0: u32, n0: u32, t: u32, xv: ptr<function, array<u32, X_LOADS>>, wv: ptr<function, array<u32, W_LOADS>>) {
  for (var i = 0u; i < X_LOADS; i++) {
    let e = min(t + i * WG, BM * BYTES - 1u);
    let m = min(m0 + e / BYTES, P.M - 1u);
    (*xv)[i] = XQ[m * (P.K / 4u) + k0 / 4u + e % BYTES];
  }
  for (var i = 0u; i < W_LOADS; i++) {
    let e = min(t + i * WG, BN * W_WORDS - 1u);
    let o = min(n0 + e / W_WORDS, P.O - 1u);
    (*wv)[i] = W[P.w_off + o * P.w_row + k0 * BITS / 32u + e % W_WORDS];
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  let n0 = wg.x * BN;
  let m0 = wg.y * BM;
  let tr = t / CS;
  let tc = t % CS;
  let groups = P.K / GROUP;
  var acc = array<f32, TM * TN>();
  var dot = array<i32, TM * TN>();
  // Each step's loads are issued before the step before it multiplies, so that they
  // arrive while the threads multiply (the last step loads itself again, unused).
  var x_step: array<u32, X_LOADS>;
  var w_step: array<u32, W_LOADS>;
  load_step(0u, m0, n0, t, &x_step, &w_step);
  for (var k0 = 0u; k0 < P.K; k0 += BK) {
    let g = k0 / GROUP;
    workgroupBarrier();  // the last step's readers are done
    for (var i = 0u; i < X_LOADS; i++) {
      let e = t + i * WG;
      if (e < BM * BYTES) {
        xs[e / BYTES][e % BYTES] = x_step[i];
      }
    }
    for (var i = 0u; i < W_LOADS; i++) {
      let e = t + i * WG;
      if (e < BN * W_WORDS) {
        if (BITS == 4u) {
          ws[e / W_WORDS][2u * (e % W_WORDS)] = w_step[i] & NIBBLES;
          ws[e / W_WORDS][2u * (e % W_WORDS) + 1u] = (w_step[i] >> 4u) & NIBBLES;
        } else {
          ws[e / W_WORDS][e % W_WORDS] = w_step[i] ^ 0x80808080u;
        }
      }
    }
    if (k0 % GROUP == 0u) {  // a group starts: its factors, kept until its end
      for (var e = t; e < BN; e += WG) {
        let o = min(n0 + e, P.O - 1u);
        sc[e] = ld_scale(P.s_off + o * P.s_row + g);
        bi[e] = ld_bias(P.b_off + o * P.b_row + g) + OFFSET * sc[e];
      }
      for (var e = t; e < BM; e += WG) {
        sx[e] = XS[min(m0 + e, P.M - 1u) * groups + g];
      }
    }
    workgroupBarrier();
    load_step(min(k0 + BK, P.K - BK), m0, n0, t, &x_step, &w_step);
    for (var j = 0u; j < BYTES; j++) {
      var xv = array<u32, TM>();
      for (var i = 0u; i < TM; i++) {
        xv[i] = xs[tr + i * RS][j];
      }
      for (var c = 0u; c < TN; c++) {
        let wv = ws[tc + c * CS][j];
        for (var i = 0u; i < TM; i++) {
          dot[i * TN + c] += dot4I8Packed(wv, xv[i]);
        }
      }
    }
    if ((k0 + BK) % GROUP == 0u) {  // the group ends: its sums become floats
      for (var i = 0u; i < TM; i++) {
        let f = sx[tr + i * RS];
        for (var c = 0u; c < TN; c++) {
          let v = i * TN + c;
          acc[v] += sc[tc + c * CS] * f.x * f32(dot[v]) + bi[tc + c * CS] * f.y;
          dot[v] = 0;
        }
      }
    }
  }
  for (var i = 0u; i < TM; i++) {
    let m = m0 + tr + i * RS;
    for (var c = 0u; c < TN; c++) {
      let o = n0 + tc + c * CS;
      if (m < P.M && o < P.O) {
        store_out(m * P.O + o, acc[i * TN + c]);
      }
    }
  }
}
