// Flash decoding's second pass: combines the key chunks that flash_attention.wgsl left
// in PART (week 2, day 5, task 2; book: week2-05-flash-attention-gpu.md).
//
//   PART: (N.. * H_kv) x tiles x chunks x BR rows x (m, l, acc[D])    ->  OUT: N.. x H_q x L x D
//
// Chunk c of a row saw its keys with running max m_c, sum l_c and accumulator acc_c.
// With M the largest m_c, each chunk's share is rescaled to M, as the online softmax
// rescales a tile:  out = sum_c e^(m_c - M) acc_c / sum_c e^(m_c - M) l_c,
// and a row that no chunk saw a key for (M = HIDDEN) gives zeros.
//
// Workgroup (row, batch * H_kv + kv head), a thread per dim: the chunks' weights
// e^(m_c - M) are made once, in workgroup memory, and each thread then reads its dim of
// every chunk, LOADS of them on their way at once, the first LOADS with m and l. (Four
// threads per row, each walking the chunks one after another, took 40 us a call at
// Qwen2-7B's shapes on an H200, for 9 chunks.)
//
// Reference only, not part of task 2: with QUANT (flashAttentionInt8, the GPU model's
// attention with int8 activations), the outputs are also quantized to int8 for o_proj, the
// product after them, by the prelude's quantize_dims: a row of o_proj's input is the
// query heads' outputs side by side, so a workgroup's D outputs are whole groups of it,
// and the quantization that o_proj would launch comes in this launch. Your kernel stores
// its outputs with store_out only.
//
// From the prelude (src/gpu/prelude.ts): D, BR (rows per tile, as flash_attention.wgsl's),
// MAX_CHUNKS (the most chunks a row is split into), OUT_DT, HIDDEN, store_out, quantize_dims.

struct Params { Hq: u32, Hkv: u32, L: u32, tiles: u32, chunks: u32 }

@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> PART: array<f32>;
@group(0) @binding(2) var<storage, read_write> OUT: array<atomic<u32>>;

const LOADS: u32 = 64u;

var<workgroup> ms: array<f32, MAX_CHUNKS>;  // m_c
var<workgroup> ls: array<f32, MAX_CHUNKS>;  // l_c
var<workgroup> ws: array<f32, MAX_CHUNKS>;  // e^(m_c - M)

// Element `at` of chunks c0 .. c0 + LOADS - 1 (`stride` apart), the last chunk's again past it.
fn load_parts(at: u32, stride: u32, c0: u32) -> array<f32, LOADS> {
  var part: array<f32, LOADS>;
  for (var i = 0u; i < LOADS; i++) {
    part[i] = PART[at + min(c0 + i, P.chunks - 1u) * stride];
  }
  return part;
}

@compute @workgroup_size(D)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  let G = P.Hq / P.Hkv;
  let rr = wg.x;  // the row among the kv head's G * L
  let stride = BR * (D + 2u);  // from one chunk of a row to the next
  let first = ((wg.y * P.tiles + rr / BR) * P.chunks * BR + rr % BR) * (D + 2u);
  // The first LOADS chunks' values are loaded with m and l, before the barrier: none waits
  // for another, so they take one round trip to memory, not two (a load that the sum waits
  // for goes one round trip per chunk).
  var part = load_parts(first + 2u + t, stride, 0u);
  for (var c = t; c < P.chunks; c += D) {
    ms[c] = PART[first + c * stride];
    ls[c] = PART[first + c * stride + 1u];
  }
  workgroupBarrier();
  var M = HIDDEN;
  for (var c = 0u; c < P.chunks; c++) {
    M = max(M, ms[c]);
  }
  for (var c = t; c < P.chunks; c += D) {
    ws[c] = select(exp(ms[c] - M), 0.0, ms[c] <= HIDDEN);
  }
  workgroupBarrier();
  var l = 0.0;
  var acc = 0.0;
  for (var c0 = 0u; c0 < P.chunks; c0 += LOADS) {
    if (c0 > 0u) {
      part = load_parts(first + 2u + t, stride, c0);
    }
    // Every slot, with a weight of 0 past the last chunk: a loop bound that the compiler
    // knows keeps part in registers.
    for (var i = 0u; i < LOADS; i++) {
      let c = min(c0 + i, P.chunks - 1u);
      let w = select(0.0, ws[c], c0 + i < P.chunks);
      l += w * ls[c];
      acc += w * part[i];
    }
  }
  let b = wg.y / P.Hkv;
  let h = (wg.y % P.Hkv) * G + rr % G;
  let y = select(acc / l, 0.0, l == 0.0);
  store_out(((b * P.Hq + h) * P.L + rr / G) * D + t, y);
  quantize_dims(t, b * P.L + rr / G, P.Hq * D, h * D, y);  // row (b, i) of o_proj's input: the heads side by side
}
