// The reductions of reduce.cc as lane operations: a lane holds an accumulator (and
// for argmax / argmin the flat index it came from); step() folds one element into a
// lane, merge() folds lane b into lane a, result() turns the final lane into the
// output value. Every merge is order-independent (ties go to the lower index), so
// lanes may see any interleaving of the elements: the row kernel keeps 16 lanes for
// instruction-level parallelism, the column kernel one lane per output, and large
// reductions one set of lanes per thread.
#pragma once
#include <cstdint>
#include <limits>
#include <type_traits>

namespace tl {
namespace reduce_ops {

// T is the compute type (float or int64_t). Sums and products of floats accumulate
// in double.
template <typename T>
using Wide = std::conditional_t<std::is_same<T, float>::value, double, int64_t>;
template <typename T>
using FloatOrInt = std::conditional_t<std::is_same<T, float>::value, double, int64_t>;

template <typename T>
struct Sum {
  using A = Wide<T>;
  using R = FloatOrInt<T>;
  static A init() { return 0; }
  static void step(A &a, int64_t &, T x, int64_t) { a += A(x); }
  static void merge(A &a, int64_t &, A b, int64_t) { a += b; }
  static R result(A a, int64_t, int64_t) { return R(a); }
};

template <typename T>
struct Mean : Sum<T> {
  using R = double;
  static R result(typename Sum<T>::A a, int64_t, int64_t count) { return double(a) / double(count); }
};

template <typename T>
struct Prod {
  using A = Wide<T>;
  using R = FloatOrInt<T>;
  static A init() { return 1; }
  static void step(A &a, int64_t &, T x, int64_t) {
    if constexpr (std::is_same<T, float>::value) a *= A(x);
    else a = A(uint64_t(a) * uint64_t(x));  // wraps like numpy's integer product
  }
  static void merge(A &a, int64_t &i, A b, int64_t j) { step(a, i, T(b), j); }
  static R result(A a, int64_t, int64_t) { return R(a); }
};

// NaN propagates: once a lane holds NaN it keeps it.
template <typename T, bool kMax>
struct Extreme {
  using A = T;
  using R = FloatOrInt<T>;
  static A init() {
    if constexpr (std::is_same<T, float>::value) return kMax ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    else return kMax ? std::numeric_limits<A>::lowest() : std::numeric_limits<A>::max();
  }
  static void step(A &a, int64_t &, T x, int64_t) { a = ((kMax ? x > a : x < a) || x != x) ? x : a; }
  static void merge(A &a, int64_t &i, A b, int64_t j) { step(a, i, b, j); }
  static R result(A a, int64_t, int64_t) { return R(a); }
};

// First index of the extreme value; the first NaN wins over everything. A lane
// that has seen nothing has index -1.
template <typename T, bool kMax>
struct Arg {
  using A = T;
  using R = int64_t;
  static A init() { return T(0); }
  static bool better(A b, A a) { return kMax ? b > a : b < a; }
  static void step(A &a, int64_t &i, T x, int64_t k) {
    const bool take = i < 0 || better(x, a) || (x != x && a == a);
    a = take ? x : a;
    i = take ? k : i;
  }
  static void merge(A &a, int64_t &i, A b, int64_t j) {
    if (j < 0) return;
    bool take;
    if (i < 0) take = true;
    else if (a != a) take = b != b && j < i;
    else take = b != b || better(b, a) || (b == a && j < i);
    if (take) a = b, i = j;
  }
  static R result(A, int64_t i, int64_t) { return i < 0 ? 0 : i; }
};

template <typename T, bool kAny>
struct AnyAll {
  using A = int64_t;
  using R = FloatOrInt<T>;
  static A init() { return kAny ? 0 : 1; }
  static void step(A &a, int64_t &, T x, int64_t) { a = kAny ? (a | A(x != T(0))) : (a & A(x != T(0))); }
  static void merge(A &a, int64_t &, A b, int64_t) { a = kAny ? (a | b) : (a & b); }
  static R result(A a, int64_t, int64_t) { return R(a); }
};

}  // namespace reduce_ops
}  // namespace tl
