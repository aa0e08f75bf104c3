// Flash decoding's second pass: combines the key chunks that flash_attention.wgsl left
// in PART (week 2, day 5, task 2; book: week2-05-flash-attention-gpu.md).
//
//   PART: (N.. * H_kv) x tiles x chunks x BR rows x (m, l, acc[D])    ->  OUT: N.. x H_q x L x D
//
// Chunk c of a row saw its keys with running max m_c, sum l_c and accumulator acc_c.
// With M the largest m_c, each chunk's share is rescaled to M, as the online softmax
// rescales a tile:  out = sum_c e^(m_c - M) acc_c / sum_c e^(m_c - M) l_c,
// and a row that no chunk saw a key for (M = HIDDEN) gives zeros.
// Workgroup (tile, batch * H_kv + kv head): BR rows, TEAM threads per row.
//
// From the prelude (src/gpu/prelude.ts): D, OUT_DT, HIDDEN, store_out.

struct Params { Hq: u32, Hkv: u32, L: u32, tiles: u32, chunks: u32 }

@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> PART: array<f32>;
@group(0) @binding(2) var<storage, read_write> OUT: array<atomic<u32>>;

const BR: u32 = 16u;   // as in flash_attention.wgsl
const TEAM: u32 = 4u;
const DT: u32 = (D + TEAM - 1u) / TEAM;  // output dims per thread

@compute @workgroup_size(BR * TEAM)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  let G = P.Hq / P.Hkv;
  let rr = wg.x * BR + t / TEAM;
  if (rr >= G * P.L) {
    return;
  }
  let u = t % TEAM;
  let stride = BR * (D + 2u);  // from one chunk of a row to the next
  let first = ((wg.y * P.tiles + wg.x) * P.chunks * BR + t / TEAM) * (D + 2u);
  var M = HIDDEN;
  for (var c = 0u; c < P.chunks; c++) {
    M = max(M, PART[first + c * stride]);
  }
  let b = wg.y / P.Hkv;
  let h = (wg.y % P.Hkv) * G + rr % G;
  let out = ((b * P.Hq + h) * P.L + rr / G) * D;
  // Chunk by chunk, this thread's DT dims at once: a chunk's loads are all on their way
  // together (dims inside, chunks outside: one memory latency a chunk, not one a value).
  var l = 0.0;
  var acc: array<f32, DT>;
  if (M > HIDDEN) {
    for (var c = 0u; c < P.chunks; c++) {
      let at = first + c * stride;
      let w = select(exp(PART[at] - M), 0.0, PART[at] <= HIDDEN);
      l += w * PART[at + 1u];
      for (var dd = 0u; dd < DT; dd++) {
        acc[dd] += w * PART[at + 2u + min(u + dd * TEAM, D - 1u)];
      }
    }
  }
  for (var dd = 0u; dd < DT; dd++) {
    let d = u + dd * TEAM;
    if (d < D) { store_out(out + d, select(acc[dd] / l, 0.0, l == 0.0)); }
  }
}
