// Flash attention (see flash_attention.h).
//
// Work is cut into items (batch, kv head, tile of query rows, chunk of keys). The rows of a
// kv head are its G query heads at L positions, position-major (row = i * G + g), so a tile
// holds every query head that reads the same keys and values: K and V are streamed once per
// tile, not once per query head. A tile walks the keys of its chunk in tiles of kKeyTile:
//   scores^T = K_tile @ Q^T (scaled), masked, online softmax, acc += P @ V_tile
// (see flash_attention_product.h for why scores are kept transposed).
// Prefill has many row tiles and one chunk (the whole key range). Decode (L small, S long)
// has too few row tiles to keep the threads busy, so the keys are split into chunks too
// (flash decoding): each chunk leaves its rows' max, sum and unnormalised accumulator, and a
// second pass combines the chunks. Threads take items from a shared counter, longest first.
#include "flash_attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "flash_attention_exp.h"
#include "flash_attention_product.h"
#include "tiny-llm/aligned.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/thread_pool.h"

namespace tl {
namespace {

using flash::exp_nonpositive;
using flash::ivec;
using flash::kLanes;
using flash::load;
using flash::store;
using flash::vec;

constexpr int64_t kKeyTile = 64;          // keys per tile
constexpr int64_t kMaxRows = 4 * kLanes;  // query rows per tile
constexpr int64_t kMinChunkKeys = 256;    // fewest keys a split-K chunk gets
constexpr double kParallelMacs = 65536;   // below this, the calling thread does it all

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

struct Plan {
  int64_t batches;    // the product of N..
  int64_t G;          // query heads per kv head
  int64_t rows;       // G * L rows per (batch, kv head)
  int64_t tile_rows;  // rows per tile (the last tile may have fewer)
  int64_t tiles;
  int64_t chunk_keys;  // keys per chunk, a multiple of kKeyTile
  int64_t chunks;
  int64_t groups;  // batches * heads_kv * tiles: the work items when chunks == 1
  int64_t items;   // groups * chunks
  bool parallel;
};

Plan make_plan(const FlashAttentionArgs &a, int64_t batches) {
  Plan p;
  p.batches = batches;
  p.G = a.heads_q / a.heads_kv;
  p.rows = p.G * a.L;
  p.tile_rows = std::min(p.rows, kMaxRows);
  p.tiles = ceil_div(p.rows, p.tile_rows);
  p.groups = batches * a.heads_kv * p.tiles;
  const int threads = num_threads();
  p.parallel = threads > 1 && 2.0 * double(batches * a.heads_q * a.L) * double(a.S * a.D) >= kParallelMacs;
  int64_t chunks = 1;
  if (p.parallel && p.groups < 2 * threads)
    chunks = std::min(ceil_div(2 * threads, p.groups), std::max<int64_t>(1, a.S / kMinChunkKeys));
  p.chunk_keys = ceil_div(ceil_div(a.S, chunks), kKeyTile) * kKeyTile;
  p.chunks = ceil_div(a.S, p.chunk_keys);
  p.items = p.groups * p.chunks;
  return p;
}

struct Item {
  int64_t b, kvh, tile, chunk;
};

// Item index -> its coordinates. The last row tiles (the longest under a causal mask) come
// first, so that the shared counter hands out the long items early and the short ones
// fill in at the end.
Item item_at(const FlashAttentionArgs &a, const Plan &p, int64_t idx) {
  Item it;
  it.chunk = idx % p.chunks;
  idx /= p.chunks;
  it.kvh = idx % a.heads_kv;
  idx /= a.heads_kv;
  it.b = idx % p.batches;
  it.tile = p.tiles - 1 - idx / p.batches;
  return it;
}

// Element offsets of batch b (a flat index over N..) in each operand.
struct Offsets {
  int64_t q, k, v, mask, out;
};

Offsets offsets_of(const FlashAttentionArgs &a, int64_t b) {
  Offsets o{a.q.off, a.k.off, a.v.off, a.mask.off, b * a.heads_q * a.L * a.D};
  for (int d = int(a.batch.size()) - 1; d >= 0; --d) {
    const int64_t i = b % a.batch[d];
    b /= a.batch[d];
    o.q += i * a.q.batch[d];
    o.k += i * a.k.batch[d];
    o.v += i * a.v.batch[d];
    if (a.has_mask) o.mask += i * a.mask.batch[d];
  }
  return o;
}

// One thread's buffers and the row tile it works on: query rows transposed (D x lanes),
// scores and probabilities transposed (keys x lanes), the accumulator (rows x Dp, D padded
// to whole vectors), and per row the running max m and sum l of the online softmax.
// The tile's rows lie on the lanes of V-float vectors in scores^T = K @ Q^T and the
// softmax: V is kLanes, or half of it for a tile of at most that many rows (decode: a kv
// head's G query heads), where a full vector would be over half padding: the same number
// of instructions, and on CPUs that run 512-bit vectors as two halves (Zen 4) half the
// time. The scores of a decode tile go key by key instead (flash::scores_by_key, D on the
// lanes) where scores_by_key_pays: on x86 with D of 8 vectors or more, whatever the rows
// (their lane sums batched: 1.5B's 6 query heads a kv head at D = 128 took 30% less time
// from L3 than on the lanes), elsewhere up to 2 or 3 rows (Qwen3's 2 query heads a kv
// head). P @ V has D on the lanes and always takes full vectors.
template <int V>
class TileWorker {
 public:
  TileWorker(const FlashAttentionArgs &a, const Plan &p)
      : a_(a),
        p_(p),
        D_(a.D),
        Dp_(ceil_div(a.D, kLanes) * kLanes),
        cap_(ceil_div(p.tile_rows, V) * V),
        scores_(a.portable ? flash::product_portable : flash::product_tiled<V>),
        product_(a.portable ? flash::product_portable : flash::product_tiled<kLanes>),
        qt_(size_t(D_ * cap_)),
        st_(size_t(kKeyTile * cap_)),
        acc_(size_t(cap_ * Dp_)),
        kbuf_(direct(a.k) ? 0 : size_t(kKeyTile * D_)),
        vbuf_(direct(a.v) && Dp_ == D_ ? 0 : size_t(kKeyTile * Dp_)),  // padding columns stay 0
        row_(size_t(D_)),
        mt_(a.has_mask ? size_t(cap_ * kKeyTile) : 0),
        m_(size_t(cap_)),
        l_(size_t(cap_)),
        alpha_(size_t(cap_)),
        pos_(size_t(cap_)),
        mask_off_(size_t(cap_)),
        out_off_(size_t(cap_)) {}

  // Runs item idx: writes its rows of the output, or (split keys) its partial state
  // into partial: per row m, l, acc[0..D).
  void run(int64_t idx, float *partial) {
    const Item it = item_at(a_, p_, idx);
    const Offsets o = offsets_of(a_, it.b);
    load_rows(it, o);
    int64_t k0 = it.chunk * p_.chunk_keys, k1 = std::min(a_.S, k0 + p_.chunk_keys);
    if (a_.causal) k1 = std::min(k1, pos_[size_t(rows_ - 1)] + 1);  // the last row sees the most keys
    const int64_t kbase = o.k + it.kvh * a_.k.head, vbase = o.v + it.kvh * a_.v.head;
    for (int64_t j0 = k0; j0 < k1; j0 += kKeyTile) visit(j0, std::min(kKeyTile, k1 - j0), k1, kbase, vbase);
    if (p_.chunks == 1) {
      write_rows();
    } else {
      float *part = partial + idx * p_.tile_rows * (D_ + 2);
      for (int64_t r = 0; r < rows_; ++r, part += D_ + 2) {
        part[0] = m_[size_t(r)];
        part[1] = l_[size_t(r)];
        std::copy_n(&acc_[size_t(r * Dp_)], D_, part + 2);
      }
    }
  }

 private:
  static bool direct(const AttentionOperand &op) { return op.dt == F32 && op.col_stride == 1; }

  // The tile's query rows (scaled, transposed), positions, mask and output offsets; resets
  // the softmax state.
  void load_rows(const Item &it, const Offsets &o) {
    const int64_t r0 = it.tile * p_.tile_rows;
    rows_ = std::min(p_.tile_rows, p_.rows - r0);
    lanes_ = ceil_div(rows_, V) * V;
    by_key_ = !a_.portable && flash::scores_by_key_pays(rows_, D_, lanes_);
    std::fill(qt_.begin(), qt_.begin() + D_ * lanes_, 0.0f);
    for (int64_t r = 0; r < lanes_; ++r) {
      const int64_t rr = r0 + std::min(r, rows_ - 1);  // padding lanes repeat the last row
      const int64_t i = rr / p_.G, h = it.kvh * p_.G + rr % p_.G;
      pos_[size_t(r)] = a_.S - a_.L + i;
      mask_off_[size_t(r)] = o.mask + h * a_.mask.head + i * a_.mask.row_stride;
      out_off_[size_t(r)] = o.out + (h * a_.L + i) * D_;
      if (r >= rows_) continue;
      load_f32(a_.q.data, a_.q.dt, o.q + h * a_.q.head + i * a_.q.row_stride, a_.q.col_stride, D_, row_.data());
      for (int64_t d = 0; d < D_; ++d) qt_[size_t(by_key_ ? r * D_ + d : d * lanes_ + r)] = row_[size_t(d)] * a_.scale;
    }
    // A mask broadcast over heads (a batch's, N x 1 x L x S) gives a decode tile's rows one mask row.
    mask_shared_ = a_.has_mask && std::all_of(mask_off_.begin(), mask_off_.begin() + lanes_, [&](int64_t m) { return m == mask_off_[0]; });
    std::fill(m_.begin(), m_.end(), -INFINITY);
    std::fill(l_.begin(), l_.end(), 0.0f);
    std::fill(acc_.begin(), acc_.begin() + rows_ * Dp_, 0.0f);
  }

  // Rows j0 .. j0+n of K or V as float32 with unit column stride: in place when they are
  // already (and no padding is asked for), else converted into buf with row stride `width`.
  // Sets *stride to the row stride. bfloat16 rows of unit stride (a bfloat16 KV cache)
  // convert in a loop here rather than through load_f32, whose call and dtype switch per
  // row of 64 made a decode call at 2,048 keys 12% slower (97 against 111 us a layer,
  // Qwen2-0.5B's heads, Zen 5; float16's conversion costs as much either way).
  const float *rows_f32(const AttentionOperand &op, int64_t base, int64_t j0, int64_t n, CacheLineVector<float> &buf,
                        int64_t width, int64_t *stride) const {
    if (buf.empty()) {
      *stride = op.row_stride;
      return static_cast<const float *>(op.data) + base + j0 * op.row_stride;
    }
    if (op.col_stride == 1 && op.dt == BF16) {
      const uint16_t *src = static_cast<const uint16_t *>(op.data) + base + j0 * op.row_stride;
      for (int64_t j = 0; j < n; ++j, src += op.row_stride) {
        float *dst = buf.data() + j * width;
        for (int64_t d = 0; d < D_; ++d) dst[d] = bf16_to_f32(src[d]);
      }
    } else {
      for (int64_t j = 0; j < n; ++j)
        load_f32(op.data, op.dt, base + (j0 + j) * op.row_stride, op.col_stride, D_, buf.data() + j * width);
    }
    *stride = width;
    return buf.data();
  }

  // What the scores of keys j0.. ask the memory for (flash::ScoresPrefetch): the keys' V
  // rows, and K's rows 16 keys on where the scores read K in place (a tile on was 10% slower
  // at 1.5B's heads), else (a bfloat16 cache, converted into kbuf_ a tile at a time) the
  // next tile's: at 2,048 keys 272-281 to 233-239 us a call from memory, one thread.
  flash::ScoresPrefetch scores_prefetch(int64_t j0, int64_t kbase, int64_t vbase) const {
    return {rows_from(a_.v, vbase, j0), rows_from(a_.k, kbase, j0 + (kbuf_.empty() ? 16 : kKeyTile))};
  }

  // op's rows from key j on (none where a row is not contiguous).
  static flash::RowStream rows_from(const AttentionOperand &op, int64_t base, int64_t j) {
    const int64_t item = itemsize(op.dt);
    if (op.col_stride != 1) return flash::RowStream{};
    return flash::RowStream{static_cast<const char *>(op.data) + (base + j * op.row_stride) * item, op.row_stride * item, item};
  }

  // The next tile's K and V rows (keys j0 + kKeyTile .. j1), asked for into L2 while
  // online_softmax walks this tile's keys (a K row in its max pass, a V row in its exp
  // pass), where the scores go rows-on-lanes; scores_by_key asks for its own. Empty (n = 0)
  // after the last tile or for rows that are not contiguous. Until then each tile waited on
  // its rows: from memory, Qwen2-0.5B's heads (D = 64), two threads, processes alternated,
  // one sequence at 2,048 keys 160-236 -> 133-138 us a call, at 8,192 517-904 -> 481-577,
  // a batch of 8 at 448 keys 310 -> 268.
  struct NextTile {
    flash::RowStream k, v;
    int64_t n = 0;
  };
  NextTile next_tile(int64_t j0, int64_t j1, int64_t kbase, int64_t vbase) const {
    if (by_key_ || a_.k.col_stride != 1 || a_.v.col_stride != 1 || j0 + kKeyTile >= j1) return {};
    const int64_t next = j0 + kKeyTile;
    return {rows_from(a_.k, kbase, next), rows_from(a_.v, vbase, next), std::min(kKeyTile, j1 - next)};
  }

  // Keys j0 .. j0+n against the tile's rows; j1: the end of the item's keys.
  void visit(int64_t j0, int64_t n, int64_t j1, int64_t kbase, int64_t vbase) {
    // A tile whose keys the mask hides from every row adds nothing: skipped unread. A
    // batch's rows are padded to its longest one (BatchingKvCache), so a short request
    // would otherwise pay for the long one's keys.
    if (a_.has_mask && !load_mask(j0, n)) return;
    const int64_t W = lanes_;
    int64_t ks, vs;
    const float *k = rows_f32(a_.k, kbase, j0, n, kbuf_, D_, &ks);
    if (by_key_)
      flash::scores_by_key_rows(rows_, n, D_, k, ks, qt_.data(), st_.data(), W, scores_prefetch(j0, kbase, vbase));
    else
      scores_(n, W, D_, k, ks, 1, qt_.data(), W, st_.data(), W, false);  // scores^T: n x W
    if (a_.has_mask) add_mask(n);
    if (a_.causal && j0 + n - 1 > pos_[0]) {  // some key is past some row's position
      for (int64_t j = 0; j < n; ++j)
        for (int64_t r = 0; r < W; ++r)
          if (j0 + j > pos_[size_t(r)]) st_[size_t(j * W + r)] = -INFINITY;
    }
    online_softmax(n, next_tile(j0, j1, kbase, vbase));
    const float *v = rows_f32(a_.v, vbase, j0, n, vbuf_, Dp_, &vs);
    product_(rows_, Dp_, n, st_.data(), 1, W, v, vs, acc_.data(), Dp_, true);  // acc += P @ V
  }

  // The mask of keys j0 .. j0+n for the tile's rows into mt_ (row r at r * kKeyTile; one
  // row when they share it); false when all of it is -inf.
  bool load_mask(int64_t j0, int64_t n) {
    const AttentionOperand &mk = a_.mask;
    bool seen = false;
    for (int64_t r = 0; r < (mask_shared_ ? 1 : rows_); ++r) {
      float *row = mt_.data() + r * kKeyTile;
      load_f32(mk.data, mk.dt, mask_off_[size_t(r)] + j0 * mk.col_stride, mk.col_stride, n, row);
      for (int64_t j = 0; j < n && !seen; ++j) seen = row[j] != -INFINITY;
    }
    return seen;
  }

  void add_mask(int64_t n) {
    const int64_t W = lanes_;
    if (mask_shared_) {  // one value a key for every lane
      for (int64_t j = 0; j < n; ++j)
        for (int64_t r0 = 0; r0 < W; r0 += V) store<V>(st_.data() + j * W + r0, load<V>(st_.data() + j * W + r0) + mt_[size_t(j)]);
      return;
    }
    for (int64_t r = 0; r < rows_; ++r)
      for (int64_t j = 0; j < n; ++j) st_[size_t(j * W + r)] += mt_[size_t(r * kKeyTile + j)];
  }

  // Scores -> probabilities against the new running max; rescales l and acc by
  // alpha = exp(m_old - m_new). A row whose max is still -inf has p = 0 everywhere.
  // One vector of rows at a time, kept in registers while walking the keys.
  void online_softmax(int64_t n, const NextTile &next) {
    const int64_t W = lanes_, kb = D_ * next.k.item, vb = D_ * next.v.item;
    bool grew = false;
    for (int64_t r0 = 0; r0 < W; r0 += V) {
      float *st = st_.data() + r0;
      const vec<V> m = load<V>(m_.data() + r0);
      vec<V> mx = m;
      for (int64_t j = 0; j < n; ++j) {
        // Written out, not as a helper: GCC deletes a call that does nothing but prefetch.
        if (r0 == 0 && j < next.n)
          for (int64_t b = 0; b < kb; b += 64) __builtin_prefetch(next.k.p + j * next.k.stride + b, 0, 2);
        mx = flash::max<V>(mx, load<V>(st + j * W));
      }
      const ivec<V> same = mx == m;
      for (int r = 0; r < V; ++r) grew = grew || !same[r];
      const vec<V> alpha = flash::select<V>(same, vec<V>{} + 1.0f, exp_nonpositive<V>(m - mx));
      const vec<V> base = flash::select<V>(mx == -INFINITY, vec<V>{}, mx);
      vec<V> sum{};
      for (int64_t j = 0; j < n; ++j) {
        if (r0 == 0 && j < next.n)
          for (int64_t b = 0; b < vb; b += 64) __builtin_prefetch(next.v.p + j * next.v.stride + b, 0, 2);
        const vec<V> e = exp_nonpositive<V>(load<V>(st + j * W) - base);
        store<V>(st + j * W, e);
        sum += e;
      }
      store<V>(m_.data() + r0, mx);
      store<V>(alpha_.data() + r0, alpha);
      store<V>(l_.data() + r0, load<V>(l_.data() + r0) * alpha + sum);
    }
    if (grew)
      for (int64_t r = 0; r < rows_; ++r)
        for (int64_t d = 0; d < D_; ++d) acc_[size_t(r * Dp_ + d)] *= alpha_[size_t(r)];
  }

  void write_rows() {
    for (int64_t r = 0; r < rows_; ++r) {
      const float l = l_[size_t(r)], inv = l == 0.0f ? 0.0f : 1.0f / l;
      for (int64_t d = 0; d < D_; ++d) row_[size_t(d)] = acc_[size_t(r * Dp_ + d)] * inv;
      store_f32(row_.data(), D_, a_.out, a_.out_dt, out_off_[size_t(r)], 1);
    }
  }

  const FlashAttentionArgs &a_;
  const Plan &p_;
  const int64_t D_, Dp_, cap_;
  using Product = void (*)(int64_t, int64_t, int64_t, const float *, int64_t, int64_t, const float *, int64_t,
                           float *, int64_t, bool);
  const Product scores_, product_;
  // On cache lines: the tiles are loaded and stored in whole vectors.
  CacheLineVector<float> qt_, st_, acc_, kbuf_, vbuf_, row_, mt_, m_, l_, alpha_;
  std::vector<int64_t> pos_, mask_off_, out_off_;
  int64_t rows_ = 0, lanes_ = 0;
  bool mask_shared_ = false;  // every lane reads the same mask row
  bool by_key_ = false;       // scores key by key (scores_by_key), qt_ holding the rows untransposed
};

// Combines the key chunks of one (batch, kv head, row tile): with M the largest chunk max,
// out = sum_c e^(m_c - M) acc_c / sum_c e^(m_c - M) l_c (zeros when no chunk saw a key).
void combine(const FlashAttentionArgs &a, const Plan &p, int64_t group, const float *partial) {
  const Item it = item_at(a, p, group * p.chunks);
  const Offsets o = offsets_of(a, it.b);
  const int64_t D = a.D, r0 = it.tile * p.tile_rows, rows = std::min(p.tile_rows, p.rows - r0);
  const int64_t item_stride = p.tile_rows * (D + 2);
  std::vector<float> row(static_cast<size_t>(D));
  for (int64_t r = 0; r < rows; ++r) {
    const float *first = partial + group * p.chunks * item_stride + r * (D + 2);
    float M = -INFINITY;
    for (int64_t c = 0; c < p.chunks; ++c) M = std::max(M, first[c * item_stride]);
    std::fill(row.begin(), row.end(), 0.0f);
    float l = 0.0f;
    if (M != -INFINITY) {
      for (int64_t c = 0; c < p.chunks; ++c) {
        const float *part = first + c * item_stride;
        const float w = exp_nonpositive(part[0] - M);
        l += w * part[1];
        for (int64_t d = 0; d < D; ++d) row[size_t(d)] += w * part[2 + d];
      }
    }
    const float inv = l == 0.0f ? 0.0f : 1.0f / l;
    for (int64_t d = 0; d < D; ++d) row[size_t(d)] *= inv;
    const int64_t rr = r0 + r, i = rr / p.G, h = it.kvh * p.G + rr % p.G;
    store_f32(row.data(), D, a.out, a.out_dt, o.out + (h * a.L + i) * D, 1);
  }
}

// Every item of the plan, taken from a shared counter by each thread's worker.
template <class Worker>
void run_items(const FlashAttentionArgs &a, const Plan &p, float *partial) {
  std::atomic<int64_t> next{0};
  auto work = [&](int, int) {
    Worker worker(a, p);
    for (int64_t i = next.fetch_add(1); i < p.items; i = next.fetch_add(1)) worker.run(i, partial);
  };
  if (p.parallel)
    parallel_threads(work);
  else
    work(0, 1);
}

}  // namespace

void flash_attention(const FlashAttentionArgs &a) {
  int64_t batches = 1;
  for (int64_t n : a.batch) batches *= n;
  if (batches == 0 || a.heads_q == 0 || a.L == 0 || a.D == 0) return;
  if (a.S == 0) {  // no keys: every row sees nothing
    std::memset(a.out, 0, size_t(batches * a.heads_q * a.L * a.D * itemsize(a.out_dt)));
    return;
  }
  const Plan p = make_plan(a, batches);
  std::vector<float> partial(p.chunks > 1 ? size_t(p.items * p.tile_rows * (a.D + 2)) : 0);
  if (p.tile_rows <= kLanes / 2)
    run_items<TileWorker<kLanes / 2>>(a, p, partial.data());
  else
    run_items<TileWorker<kLanes>>(a, p, partial.data());
  if (p.chunks > 1)
    parallel_for(p.groups, p.parallel ? 1 : p.groups, [&](int64_t g0, int64_t g1) {
      for (int64_t g = g0; g < g1; ++g) combine(a, p, g, partial.data());
    });
}

}  // namespace tl
