// reduce: one value per outer index over the inner elements (native.ts:
// NativeCore.reduce, ReduceOp codes). Two kernels share the lane ops of
// reduce_ops.h:
// - rows: each output walks its own inner elements in kChunk pieces, 16 lanes wide;
//   a reduction with fewer outputs than threads splits its inner rows across threads.
// - columns: when the inner elements are strided but neighbouring outputs are
//   neighbours in memory (a reduction over a leading axis), a block of kChunk
//   outputs is reduced together, one lane each, reading contiguous rows.
// Float sources (and mean / logsumexp) compute in float32 with double sums; integer
// sources in int64. logsumexp is max-subtracted: max first, then sum exp(x - max).
#include <algorithm>
#include <cmath>
#include <limits>

#include "tiny-llm/napi_args.h"
#include "ops.h"
#include "reduce_ops.h"
#include "tiny-llm/strided.h"
#include "tiny-llm/vmath.h"

namespace tl {
namespace {

using namespace reduce_ops;
enum Op { SUM, MEAN, PROD, MAX, MIN, ARGMAX, ARGMIN, LSE, ANY, ALL };
constexpr int kLanes = 16;

struct Ctx {
  const uint8_t *data;
  int dt;
  int64_t li, si;                  // innermost inner length and stride
  std::vector<int64_t> inner_rows;  // offset of each inner row, in flat order
  int64_t count;                   // number of inner elements
};

template <typename T>
const T *load_row(const Ctx &c, int64_t off, int64_t stride, int64_t n, T *buf) {
  if constexpr (std::is_same<T, float>::value) return row_f32(c.data, c.dt, off, stride, n, buf);
  else return load_i64(c.data, c.dt, off, stride, n, buf), buf;
}

// Folds the inner elements [kb, ke) (flat order) of the output at `base` into one
// lane (a, i). With `shift` set (logsumexp's second pass) elements become
// exp(x - *shift) first.
template <typename T, typename O>
void reduce_rows(const Ctx &c, int64_t base, int64_t kb, int64_t ke, const float *shift, typename O::A &a, int64_t &i) {
  typename O::A acc[kLanes];
  int64_t idx[kLanes];
  for (int j = 0; j < kLanes; ++j) acc[j] = O::init(), idx[j] = -1;
  T buf[kChunk];
  float ebuf[kChunk];
  for (int64_t k0 = kb; k0 < ke;) {
    const int64_t r = k0 / c.li, c0 = k0 % c.li, n = std::min({kChunk, c.li - c0, ke - k0});
    const T *x = load_row<T>(c, base + c.inner_rows[r] + c0 * c.si, c.si, n, buf);
    if constexpr (std::is_same<T, float>::value) {
      if (shift != nullptr) {
        for (int64_t e = 0; e < n; ++e) ebuf[e] = exp_f(x[e] - *shift);
        x = ebuf;
      }
    }
    int64_t e = 0;
    for (; e + kLanes <= n; e += kLanes)
      for (int j = 0; j < kLanes; ++j) O::step(acc[j], idx[j], x[e + j], k0 + e + j);
    for (int j = 0; e < n; ++e, ++j) O::step(acc[j], idx[j], x[e], k0 + e);
    k0 += n;
  }
  for (int j = 1; j < kLanes; ++j) O::merge(acc[0], idx[0], acc[j], idx[j]);
  a = acc[0], i = idx[0];
}

// Row kernel over outputs with source offsets `outs`, one thread per output or,
// when there are fewer outputs than threads, the inner elements split across threads.
template <typename T, typename O>
void rows_all(const Ctx &c, const std::vector<int64_t> &outs, const std::vector<float> *shifts, std::vector<typename O::A> &acc, std::vector<int64_t> &idx) {
  const int64_t nout = int64_t(outs.size()), cnt = c.count;
  const int nt = num_threads();
  if (nout < nt && cnt >= 4 * kGrain) {
    for (int64_t o = 0; o < nout; ++o) {
      std::vector<typename O::A> pa(nt, O::init());
      std::vector<int64_t> pi(nt, -1);
      const float *sh = shifts ? &(*shifts)[o] : nullptr;
      parallel_threads([&](int t, int n) {
        reduce_rows<T, O>(c, outs[o], cnt * t / n, cnt * (t + 1) / n, sh, pa[t], pi[t]);
      });
      for (int t = 1; t < nt; ++t) O::merge(pa[0], pi[0], pa[t], pi[t]);
      acc[o] = pa[0], idx[o] = pi[0];
    }
    return;
  }
  parallel_for(nout, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, c.count)), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o)
      reduce_rows<T, O>(c, outs[o], 0, cnt, shifts ? &(*shifts)[o] : nullptr, acc[o], idx[o]);
  });
}

// Column kernel: outputs [o0, o0 + n) sit at source offsets base + j * so.
template <typename T, typename O>
void reduce_cols(const Ctx &c, int64_t base, int64_t so, int64_t n, const float *shift, typename O::A *acc, int64_t *idx) {
  for (int64_t j = 0; j < n; ++j) acc[j] = O::init(), idx[j] = -1;
  T buf[kChunk];
  float ebuf[kChunk];
  for (int64_t r = 0; r < int64_t(c.inner_rows.size()); ++r) {
    for (int64_t q = 0; q < c.li; ++q) {
      const int64_t k = r * c.li + q;
      const T *x = load_row<T>(c, base + c.inner_rows[r] + q * c.si, so, n, buf);
      if constexpr (std::is_same<T, float>::value) {
        if (shift != nullptr) {
          for (int64_t j = 0; j < n; ++j) ebuf[j] = exp_f(x[j] - shift[j]);
          x = ebuf;
        }
      }
      for (int64_t j = 0; j < n; ++j) O::step(acc[j], idx[j], x[j], k);
    }
  }
}

template <typename T, typename O>
void cols_all(const Ctx &c, const std::vector<int64_t> &outs, int64_t lo, int64_t so, const std::vector<float> *shifts, std::vector<typename O::A> &acc, std::vector<int64_t> &idx) {
  const int64_t nblk = (lo + kChunk - 1) / kChunk, units = int64_t(outs.size()) / lo * nblk;
  const int64_t unit_work = std::max<int64_t>(1, c.count * std::min(lo, kChunk));
  parallel_for(units, std::max<int64_t>(1, kGrain / unit_work), [&](int64_t b, int64_t e) {
    for (int64_t u = b; u < e; ++u) {
      const int64_t o = (u / nblk) * lo + (u % nblk) * kChunk, n = std::min(kChunk, lo - (u % nblk) * kChunk);
      reduce_cols<T, O>(c, outs[o], so, n, shifts ? &(*shifts)[o] : nullptr, &acc[o], &idx[o]);
    }
  });
}

struct Plan {
  Ctx c;
  std::vector<int64_t> outs;  // source offset of every output
  bool columns;
  int64_t lo, so;             // outputs per column block row, and their source stride
};

template <typename T, typename O>
void run(const Plan &p, const std::vector<float> *shifts, std::vector<typename O::A> &acc, std::vector<int64_t> &idx) {
  acc.resize(p.outs.size());
  idx.resize(p.outs.size());
  if (p.columns) cols_all<T, O>(p.c, p.outs, p.lo, p.so, shifts, acc, idx);
  else rows_all<T, O>(p.c, p.outs, shifts, acc, idx);
}

// Runs op O and stores its results into dst.
template <typename T, typename O>
void reduce_store(const Plan &p, uint8_t *dst, int ddt) {
  std::vector<typename O::A> acc;
  std::vector<int64_t> idx;
  run<T, O>(p, nullptr, acc, idx);
  const int64_t n = int64_t(acc.size());
  using R = typename O::R;
  std::vector<R> res(n);
  for (int64_t o = 0; o < n; ++o) res[o] = O::result(acc[o], idx[o], p.c.count);
  if constexpr (std::is_same<R, double>::value) {
    std::vector<float> f(res.begin(), res.end());
    store_f32(f.data(), n, dst, ddt, 0, 1);
  } else {
    store_i64(res.data(), n, dst, ddt, 0, 1);
  }
}

void logsumexp(const Plan &p, uint8_t *dst, int ddt) {
  std::vector<float> m;
  std::vector<int64_t> idx;
  run<float, Extreme<float, true>>(p, nullptr, m, idx);
  std::vector<float> shift(m.size());  // a non-finite max is the answer itself
  for (size_t o = 0; o < m.size(); ++o) shift[o] = std::isfinite(m[o]) ? m[o] : 0.0f;
  std::vector<double> s;
  run<float, Sum<float>>(p, &shift, s, idx);
  for (size_t o = 0; o < m.size(); ++o) m[o] = std::isfinite(m[o]) ? float(m[o] + std::log(s[o])) : m[o];
  store_f32(m.data(), int64_t(m.size()), dst, ddt, 0, 1);
}

}  // namespace

Napi::Value Reduce(const Napi::CallbackInfo &info) {
  const int op = int(int_arg(info[0]));
  uint8_t *src = buffer_data(info[1]);
  const int64_t soff = int_arg(info[2]);
  const int sdt = int(int_arg(info[3]));
  std::vector<int64_t> oshape = dims_arg(info[4]), ostr = dims_arg(info[5]);
  std::vector<int64_t> ishape = dims_arg(info[6]), istr = dims_arg(info[7]);
  uint8_t *dst = buffer_data(info[8]);
  const int ddt = int(int_arg(info[9]));
  if (op < SUM || op > ALL) {
    Napi::Error::New(info.Env(), "reduce: unknown op").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  Layout<1> ol = collapse<1>(oshape, {&ostr}), il = collapse<1>(ishape, {&istr});
  if (ol.size == 0) return info.Env().Undefined();

  Plan p;
  p.c.data = src, p.c.dt = sdt, p.c.count = il.size;
  const int ni = int(il.shape.size()), no = int(ol.shape.size());
  p.c.li = il.size == 0 ? 0 : il.shape[ni - 1];
  p.c.si = il.strides[ni - 1][0];
  p.c.inner_rows.assign(il.size == 0 ? 0 : size_t(il.size / p.c.li), 0);
  for (int64_t r = 0, rem; r < int64_t(p.c.inner_rows.size()); ++r) {
    rem = r;
    for (int d = ni - 2; d >= 0; --d) p.c.inner_rows[r] += (rem % il.shape[d]) * il.strides[d][0], rem /= il.shape[d];
  }
  p.outs.assign(size_t(ol.size), soff);
  for (int64_t o = 0, rem; o < ol.size; ++o) {
    rem = o;
    for (int d = no - 1; d >= 0; --d) p.outs[o] += (rem % ol.shape[d]) * ol.strides[d][0], rem /= ol.shape[d];
  }
  p.lo = ol.shape[no - 1], p.so = ol.strides[no - 1][0];
  p.columns = p.c.si != 1 && p.c.count > 1 && p.so == 1 && p.lo >= 8;

  const bool fl = is_float(sdt) || op == MEAN || op == LSE;
  switch (op) {
    case SUM: fl ? reduce_store<float, Sum<float>>(p, dst, ddt) : reduce_store<int64_t, Sum<int64_t>>(p, dst, ddt); break;
    case MEAN: reduce_store<float, Mean<float>>(p, dst, ddt); break;
    case PROD: fl ? reduce_store<float, Prod<float>>(p, dst, ddt) : reduce_store<int64_t, Prod<int64_t>>(p, dst, ddt); break;
    case MAX: fl ? reduce_store<float, Extreme<float, true>>(p, dst, ddt) : reduce_store<int64_t, Extreme<int64_t, true>>(p, dst, ddt); break;
    case MIN: fl ? reduce_store<float, Extreme<float, false>>(p, dst, ddt) : reduce_store<int64_t, Extreme<int64_t, false>>(p, dst, ddt); break;
    case ARGMAX: fl ? reduce_store<float, Arg<float, true>>(p, dst, ddt) : reduce_store<int64_t, Arg<int64_t, true>>(p, dst, ddt); break;
    case ARGMIN: fl ? reduce_store<float, Arg<float, false>>(p, dst, ddt) : reduce_store<int64_t, Arg<int64_t, false>>(p, dst, ddt); break;
    case LSE: logsumexp(p, dst, ddt); break;
    case ANY: fl ? reduce_store<float, AnyAll<float, true>>(p, dst, ddt) : reduce_store<int64_t, AnyAll<int64_t, true>>(p, dst, ddt); break;
    case ALL: fl ? reduce_store<float, AnyAll<float, false>>(p, dst, ddt) : reduce_store<int64_t, AnyAll<int64_t, false>>(p, dst, ddt); break;
  }
  return info.Env().Undefined();
}

}  // namespace tl
