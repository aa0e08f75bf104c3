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
  // Your kernel (week_2_day_5_task_1): until this body holds code, the kernel raises NotImplementedError.
}
