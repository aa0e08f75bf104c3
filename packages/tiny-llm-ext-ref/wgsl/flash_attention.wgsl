// Flash attention: softmax(q k^T * scale + mask) v, tile by tile with an online softmax,
// never an L x S matrix (week 2, day 5, task 1; book: week2-05-flash-attention-gpu.md).
//
//   Q: N.. x H_q x L x D    K, V: N.. x H_kv x S x D    MASK: N.. x H_q x L x S    ->  OUT: N.. x H_q x L x D
//
// Every operand is read through its strides (a KV cache's buffer sliced to S) in any
// float dtype; all arithmetic is f32. The rows of a kv head are its G = H_q / H_kv query
// heads at L positions, position-major (row = i * G + g), so that one workgroup's BR rows
// are the query heads that read the same keys: each tile of K and V is loaded once for
// all of them, in place (no repeat). Workgroup (tile, batch * H_kv + kv head, chunk):
//
//   load its BR query rows (scaled) into qs
//   for each tile of BC keys of its chunk:   ks, vs <- K, V     (all threads, one element each)
//     sc[r][j] = qs[r] . ks[j] (+ mask), HIDDEN where masked   (TEAM threads per row, keys split)
//     online softmax, acc += p v                               (TEAM threads per row, dims split)
//
// A row's TEAM threads each keep the row's running max m and sum l (computed alike from
// sc) and a quarter of its accumulator. With one chunk the rows are written out as
// acc / l (zeros for a row that saw no key). With several (decode, split over the cache
// length), each chunk leaves m, l and acc in PART for flash_attention_combine.wgsl
// (week 2, day 5, task 2).
//
// From the prelude (src/gpu/prelude.ts): D, BC, BR, TEAM, Q_DT, K_DT, V_DT, M_DT, OUT_DT, HIDDEN,
// unpack_float, word_of, store_out. Sizes and dtypes are compile-time constants; the
// mask's kind is a parameter (a uniform branch costs little, a compile a lot).

const MAX_BATCH_DIMS: u32 = 8u;

// Element (n.., h, row, col) of an operand is at off + sum n_k batch[k] + h head + row row + col col.
struct Operand { off: i32, head: i32, row: i32, col: i32, batch: array<i32, MAX_BATCH_DIMS> }

struct Params {
  nb: u32, shape: array<u32, MAX_BATCH_DIMS>,  // N..
  Hq: u32, Hkv: u32, L: u32, S: u32,
  scale: f32,
  causal: u32,      // 1: bottom-right aligned causal mask, from positions
  has_mask: u32,    // 1: add MASK
  tiles: u32,       // row tiles per kv head: ceil(G * L / BR)
  chunks: u32,      // key chunks (workgroups along z)
  chunk_keys: u32,  // keys per chunk
  q: Operand, k: Operand, v: Operand, mask: Operand,
}

@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> Q: array<u32>;
@group(0) @binding(2) var<storage, read> K: array<u32>;
@group(0) @binding(3) var<storage, read> V: array<u32>;
@group(0) @binding(4) var<storage, read> MASK: array<u32>;
@group(0) @binding(5) var<storage, read_write> OUT: array<atomic<u32>>;
@group(0) @binding(6) var<storage, read_write> PART: array<f32>;  // per row: m, l, acc[D]

const WG: u32 = BR * TEAM;      // BR query rows per workgroup, TEAM threads per row
const DT: u32 = (D + TEAM - 1u) / TEAM;  // accumulator dims per thread
const KT: u32 = BC / TEAM;               // keys per thread in a tile's scores
const Q_LOADS: u32 = (BR * D + WG - 1u) / WG;   // elements of Q per thread
const KV_LOADS: u32 = (BC * D + WG - 1u) / WG;  // elements of a tile of K (and of V) per thread

// Rows padded by one word: the threads of a subgroup read the same column of different
// rows (8 rows of qs and sc, TEAM keys of ks), and a row of D (or BC) words would put
// them all in one memory bank, served one after another.
var<workgroup> qs: array<array<f32, D + 1u>, BR>;
var<workgroup> ks: array<array<f32, D + 1u>, BC>;
var<workgroup> vs: array<array<f32, D>, BC>;
var<workgroup> sc: array<array<f32, BC + 1u>, BR>;

fn ld_q(i: i32) -> f32 { return unpack_float(Q[word_of(u32(i), Q_DT)], u32(i), Q_DT); }
fn ld_k(i: i32) -> f32 { return unpack_float(K[word_of(u32(i), K_DT)], u32(i), K_DT); }
fn ld_v(i: i32) -> f32 { return unpack_float(V[word_of(u32(i), V_DT)], u32(i), V_DT); }
fn ld_mask(i: i32) -> f32 { return unpack_float(MASK[word_of(u32(i), M_DT)], u32(i), M_DT); }

// A tile of K and V from key j0 on, one element of each per thread and load; keys at k1 or
// past it load key k1 - 1 (stored as zeros).
fn load_tile(kb: i32, vb: i32, j0: u32, k1: u32, t: u32) -> array<vec2<f32>, KV_LOADS> {
  var kv: array<vec2<f32>, KV_LOADS>;
  for (var n = 0u; n < KV_LOADS; n++) {
    let e = min(t + n * WG, BC * D - 1u);
    let key = i32(min(j0 + e / D, max(k1, 1u) - 1u));
    let d = i32(e % D);
    kv[n] = vec2(ld_k(kb + key * P.k.row + d * P.k.col), ld_v(vb + key * P.v.row + d * P.v.col));
  }
  return kv;
}

// The element offset of batch b (a flat index over N..) in operand op, plus its head h.
fn base(op: Operand, b: u32, h: u32) -> i32 {
  var o = op.off + i32(h) * op.head;
  var rest = b;
  for (var d = i32(P.nb) - 1; d >= 0; d--) {
    o += i32(rest % P.shape[d]) * op.batch[d];
    rest /= P.shape[d];
  }
  return o;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  let tile = wg.x;
  let b = wg.y / P.Hkv;
  let kvh = wg.y % P.Hkv;
  let G = P.Hq / P.Hkv;
  let rows = G * P.L;
  let r = t / TEAM;  // this thread's row of the tile
  let u = t % TEAM;  // and its place in the row's team
  let rr = min(tile * BR + r, rows - 1u);  // rows past the last repeat it and are not written
  let i = rr / G;
  let h = kvh * G + rr % G;
  let pos = i32(P.S) - i32(P.L) + i32(i);  // causal: this row sees keys j <= pos

  let kb = base(P.k, b, kvh);
  let vb = base(P.v, b, kvh);
  let mb = base(P.mask, b, h) + i32(i) * P.mask.row;

  let k0 = wg.z * P.chunk_keys;
  var k1 = min(P.S, k0 + P.chunk_keys);
  let causal = P.causal == 1u;
  if (causal) {  // the tile's last row sees the most keys
    let last = min(tile * BR + BR, rows) - 1u;
    k1 = u32(clamp(i32(P.S) - i32(P.L) + i32(last / G) + 1, 0, i32(k1)));
  }

  // Every load of a thread first, then every store (here and for each tile of K and V):
  // loads behind a branch, or between stores, went one at a time, a round trip to memory
  // each. Elements past the end load a valid one and store nothing. The first tile of K
  // and V is loaded with Q, and each next tile while this one is used.
  let qb = base(P.q, b, kvh * G);
  var qv: array<f32, Q_LOADS>;
  for (var n = 0u; n < Q_LOADS; n++) {
    let e = min(t + n * WG, BR * D - 1u);
    let er = min(tile * BR + e / D, rows - 1u);
    qv[n] = ld_q(qb + i32(er % G) * P.q.head + i32(er / G) * P.q.row + i32(e % D) * P.q.col);
  }
  var kv = load_tile(kb, vb, k0, k1, t);
  for (var n = 0u; n < Q_LOADS; n++) {
    let e = t + n * WG;
    if (e < BR * D) {
      qs[e / D][e % D] = qv[n] * P.scale;
    }
  }

  var m = HIDDEN;
  var l = 0.0;
  var acc: array<f32, DT>;
  for (var j0 = k0; j0 < k1; j0 += BC) {
    workgroupBarrier();  // the last tile's readers are done with ks, vs, sc (and qs is loaded)
    for (var n = 0u; n < KV_LOADS; n++) {
      let e = t + n * WG;
      if (e < BC * D) {
        let kept = select(vec2(0.0), kv[n], j0 + e / D < k1);
        ks[e / D][e % D] = kept.x;
        vs[e / D][e % D] = kept.y;
      }
    }
    workgroupBarrier();
    kv = load_tile(kb, vb, j0 + BC, k1, t);  // the next tile's (past the chunk: its last key again)
    // This thread's KT keys (u, u + TEAM, ...) at once: each value of qs read once for all.
    var s = array<f32, KT>();
    for (var d = 0u; d < D; d++) {
      let qd = qs[r][d];
      for (var n = 0u; n < KT; n++) {
        s[n] += qd * ks[u + n * TEAM][d];
      }
    }
    for (var n = 0u; n < KT; n++) {
      let j = u + n * TEAM;
      let key = j0 + j;
      var sj = s[n];
      if (P.has_mask == 1u) {
        sj += ld_mask(mb + i32(key) * P.mask.col);
      }
      let hidden = key >= k1 || (causal && i32(key) > pos) || sj <= HIDDEN;
      sc[r][j] = select(sj, HIDDEN, hidden);
    }
    workgroupBarrier();
    var mt = m;
    for (var j = 0u; j < BC; j++) {
      mt = max(mt, sc[r][j]);
    }
    if (mt > HIDDEN) {  // else the row has seen no key yet: nothing to add
      let alpha = select(exp(m - mt), 0.0, m <= HIDDEN);
      l *= alpha;
      for (var dd = 0u; dd < DT; dd++) {
        acc[dd] *= alpha;
      }
      for (var j = 0u; j < BC; j++) {
        let sj = sc[r][j];
        let p = select(exp(sj - mt), 0.0, sj <= HIDDEN);
        l += p;
        for (var dd = 0u; dd < DT; dd++) {
          acc[dd] += p * vs[j][min(u + dd * TEAM, D - 1u)];
        }
      }
      m = mt;
    }
  }

  if (tile * BR + r >= rows) {
    return;
  }
  if (P.chunks > 1u) {
    let at = (((wg.y * P.tiles + tile) * P.chunks + wg.z) * BR + r) * (D + 2u);
    if (u == 0u) {
      PART[at] = m;
      PART[at + 1u] = l;
    }
    for (var dd = 0u; dd < DT; dd++) {
      let d = u + dd * TEAM;
      if (d < D) { PART[at + 2u + d] = acc[dd]; }
    }
  } else {
    let inv = select(1.0 / l, 0.0, l == 0.0);
    let out = ((b * P.Hq + h) * P.L + i) * D;
    for (var dd = 0u; dd < DT; dd++) {
      let d = u + dd * TEAM;
      if (d < D) { store_out(out + d, acc[dd] * inv); }
    }
  }
}
