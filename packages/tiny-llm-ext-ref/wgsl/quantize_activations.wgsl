// x quantized to int8 per group of GROUP inputs, for the int8 decode kernel (week 2,
// day 3, task 3; book: week2-03-quantized-matmul-gpu.md), as day 2's int8 activations:
//   sx = max|x| / 127,  X = round(x / sx) (half to even; 0 where sx = 0),  x̂ = sx * X
//
//   x: M x K (X_DT)  ->  XQ: M x K/4 words of four int8 X each,  XS: M x K/GROUP (sx, sx * sum of the group's X)
//
// With BITS = 4 the X of each 8 inputs (one word of codes) go in two words, evens first:
// X0 X2 X4 X6 | X1 X3 X5 X7, the order of a word's codes once the int8 kernel splits it
// into low nibbles and high nibbles (w & 0x0f0f0f0f, (w >> 4) & 0x0f0f0f0f). With 8 bits
// they stay in order.
//
// A thread quantizes 8 inputs (so a group is GROUP / 8 threads); the group's max and sum
// are gathered in workgroup memory. Both divisions are rounded as the CPU rounds them
// (div_rn): a GPU may divide to within a few ulps, and a quotient one ulp off of k + 1/2
// rounds to the other integer.
//
// From the prelude (src/gpu/prelude.ts): BITS, GROUP, X_DT, unpack_float, word_of, div_rn, byte_of.

struct Params {
  K: u32,
  x_off: u32, x_row: u32, x_col: u32,  // element (m, k) of x is X[x_off + m * x_row + k * x_col]
}

@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> X: array<u32>;
@group(0) @binding(2) var<storage, read_write> XQ: array<u32>;
@group(0) @binding(3) var<storage, read_write> XS: array<vec2<f32>>;

const WG: u32 = 64u;
const PER_THREAD: u32 = 8u;
const THREADS: u32 = GROUP / PER_THREAD;  // threads per group

var<workgroup> part: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  let m = wg.y;
  let k0 = (wg.x * WG + t) * PER_THREAD;
  let valid = k0 < P.K;  // K is a multiple of GROUP: a group is valid or not as a whole
  var x = array<f32, PER_THREAD>();
  var amax = 0.0;
  if (valid) {
    for (var i = 0u; i < PER_THREAD; i++) {
      let e = P.x_off + m * P.x_row + (k0 + i) * P.x_col;
      x[i] = unpack_float(X[word_of(e, X_DT)], e, X_DT);
      amax = max(amax, abs(x[i]));
    }
  }
  let first = t - t % THREADS;  // the group's first thread
  part[t] = amax;
  workgroupBarrier();
  for (var i = 0u; i < THREADS; i++) {
    amax = max(amax, part[first + i]);
  }
  workgroupBarrier();  // every max read before part is reused for sums

  let sx = div_rn(amax, 127.0);
  var q = array<f32, PER_THREAD>();
  var sum = 0.0;
  for (var i = 0u; i < PER_THREAD; i++) {
    q[i] = select(0.0, round(div_rn(x[i], sx)), sx > 0.0);
    sum += q[i];
  }
  part[t] = sum;
  workgroupBarrier();
  if (!valid) {
    return;
  }
  let w0 = (m * P.K + k0) / 4u;
  if (BITS == 4u) {
    XQ[w0] = byte_of(q[0]) | (byte_of(q[2]) << 8u) | (byte_of(q[4]) << 16u) | (byte_of(q[6]) << 24u);
    XQ[w0 + 1u] = byte_of(q[1]) | (byte_of(q[3]) << 8u) | (byte_of(q[5]) << 16u) | (byte_of(q[7]) << 24u);
  } else {
    XQ[w0] = byte_of(q[0]) | (byte_of(q[1]) << 8u) | (byte_of(q[2]) << 16u) | (byte_of(q[3]) << 24u);
    XQ[w0 + 1u] = byte_of(q[4]) | (byte_of(q[5]) << 8u) | (byte_of(q[6]) << 16u) | (byte_of(q[7]) << 24u);
  }
  if (t == first) {
    var total = 0.0;
    for (var i = 0u; i < THREADS; i++) {
      total += part[first + i];
    }
    XS[(m * P.K + k0) / GROUP] = vec2<f32>(sx, sx * total);
  }
}
