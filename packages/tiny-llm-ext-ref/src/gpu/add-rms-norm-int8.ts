// addRmsNormInt8 on the GPU (add-rms-norm-int8.ts): one workgroup per row of x, float32.
//
//   inputs [x (M x K), residual? (M x K), weight (K)]
//   outputs [h (M x K; one element, not written, without a residual), XQ (M x K/4 uint32), XS (M x K/GROUP x 2)]
//
// Each thread takes 8 inputs of every THREADS * 8 (PASSES of them; THREADS, a power of
// two, compiled per row length, so that a decode row of Qwen2-7B's 3,584 takes one pass
// of 512 threads) and loads all of them, with their weights, before it uses any. It keeps
// h = x + residual in registers, writes h and sums its squares over the row (a subgroup's
// sum at once where the GPU has subgroups, then a tree over the subgroups' sums in
// workgroup memory); then, pass by pass, its 8 values v = h * inv * weight, inv =
// 1 / sqrt(mean(h^2) + eps), as the array package's rmsNorm computes them, quantized as
// quantize_activations.wgsl quantizes x (the GROUP / 8 threads of a group exchange its
// max and sum by subgroup shuffles where its threads share a subgroup, else through
// workgroup memory; the same layout of XQ and XS; the prelude's code_of, whose division
// rounds as the CPU's does). The CPU's int8 path sums inv in another order, so a value
// near k + 1/2 may still take the other code there.
//
// In a Qwen2-7B int8 decode step on an H200 the 57 launches of this kernel cost 0.40 ms of
// a 2.80 ms step (the step without them, timed alike) when it ran 256 threads over two
// passes with every sum through workgroup memory: 18 barriers in a row on the critical
// path of a launch that moves 43 KB. As now (six barriers) the step took 2.74-2.76 ms
// against 2.86-2.88 with the old layout, alternated in one process.
import * as mx from "@tiny-llm/array";

import type { AddRmsNormInt8Params } from "../add-rms-norm-int8";
import { Launches, prelude } from "./prelude";

const PER_THREAD = 8; // inputs a thread quantizes per pass (two words of XQ)

const WGSL = /* wgsl */ `
// From the prelude: BITS, GROUP, RESIDUAL, W_DT, THREADS, PASSES, SG, unpack_float,
// word_of, div_rn, code_of, pack_x, lanes_sum; group_max, group_sum (below).
const PER_THREAD: u32 = ${PER_THREAD}u;
const PASS: u32 = THREADS * PER_THREAD;  // inputs a pass
const PER_GROUP: u32 = GROUP / PER_THREAD;  // threads a group
const SUMS: u32 = THREADS / SG;  // the sums of squares the tree adds up: a subgroup's each (SG = 1 without subgroups)
struct Params {
  K: u32, eps: f32,
  x_off: u32, r_off: u32, w_off: u32, h_off: u32,  // rows of x, residual and h are K apart
}
@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> R: array<f32>;  // X again without a residual
@group(0) @binding(3) var<storage, read> NW: array<u32>;
@group(0) @binding(4) var<storage, read_write> H: array<f32>;
@group(0) @binding(5) var<storage, read_write> XQ: array<u32>;
@group(0) @binding(6) var<storage, read_write> XS: array<vec2<f32>>;

var<workgroup> part: array<f32, THREADS>;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  let row = wg.x * P.K;
  // Every load first: the thread's PER_THREAD inputs of each pass and their weights, h = x
  // + residual kept in registers for the second half (loads that wait for the work before
  // them go one round trip to memory at a time). Past the row's end: valid loads, not used.
  var hs = array<f32, PER_THREAD * PASSES>();
  var ws = array<f32, PER_THREAD * PASSES>();
  for (var p = 0u; p < PASSES; p++) {
    let k0 = min(p * PASS + t * PER_THREAD, P.K - PER_THREAD);
    for (var i = 0u; i < PER_THREAD; i++) {
      let e = P.w_off + k0 + i;
      hs[p * PER_THREAD + i] = X[P.x_off + row + k0 + i];
      ws[p * PER_THREAD + i] = unpack_float(NW[word_of(e, W_DT)], e, W_DT);
    }
    if (RESIDUAL) {
      for (var i = 0u; i < PER_THREAD; i++) {
        hs[p * PER_THREAD + i] += R[P.r_off + row + k0 + i];
      }
    }
  }
  var s = 0.0;
  for (var p = 0u; p < PASSES; p++) {
    let k0 = p * PASS + t * PER_THREAD;
    if (k0 < P.K) {  // K is a multiple of GROUP: a thread's inputs are valid or not as a whole
      for (var i = 0u; i < PER_THREAD; i++) {
        let h = hs[p * PER_THREAD + i];
        if (RESIDUAL) {
          H[P.h_off + row + k0 + i] = h;
        }
        s += h * h;
      }
    }
  }
  if (SG > 1u) {
    s = lanes_sum(s);  // the subgroup's sum, on each of its threads
  }
  if (t % SG == 0u) {
    part[t / SG] = s;
  }
  workgroupBarrier();
  for (var w = SUMS / 2u; w > 0u; w >>= 1u) {
    if (t < w) {
      part[t] += part[t + w];
    }
    workgroupBarrier();
  }
  let inv = 1.0 / sqrt(part[0] / f32(P.K) + P.eps);
  workgroupBarrier();  // part[0] read by all before part is reused

  let first = t - t % PER_GROUP;  // the group's first thread
  for (var p = 0u; p < PASSES; p++) {
    let k0 = p * PASS + t * PER_THREAD;
    let valid = k0 < P.K;  // K is a multiple of GROUP: a group is valid or not as a whole
    var v = array<f32, PER_THREAD>();
    var amax = 0.0;
    if (valid) {
      for (var i = 0u; i < PER_THREAD; i++) {
        v[i] = hs[p * PER_THREAD + i] * inv * ws[p * PER_THREAD + i];
        amax = max(amax, abs(v[i]));
      }
    }
    let sx = div_rn(group_max(t, first, amax), 127.0);
    var q = array<f32, PER_THREAD>();
    var sum = 0.0;
    for (var i = 0u; i < PER_THREAD; i++) {
      q[i] = code_of(v[i], sx);
      sum += q[i];
    }
    let total = group_sum(t, first, sum);
    if (valid) {
      let words = pack_x(q);
      XQ[(row + k0) / 4u] = words.x;
      XQ[(row + k0) / 4u + 1u] = words.y;
      if (t == first) {
        XS[(row + k0) / GROUP] = vec2<f32>(sx, sx * total);
      }
    }
  }
}`;

/** A group's max and sum over its PER_GROUP threads, by subgroup shuffles (every thread, in uniform control flow): the group's threads are lanes of one subgroup. */
const GROUP_BY_SHUFFLES = /* wgsl */ `
fn group_max(t: u32, first: u32, v: f32) -> f32 {
  var m = v;
  for (var o = 1u; o < PER_GROUP; o <<= 1u) {
    m = max(m, subgroupShuffleXor(m, o));
  }
  return m;
}
fn group_sum(t: u32, first: u32, v: f32) -> f32 {
  var s = v;
  for (var o = 1u; o < PER_GROUP; o <<= 1u) {
    s += subgroupShuffleXor(s, o);
  }
  return s;
}
`;

/** The same through workgroup memory (every thread, in uniform control flow): its first thread's sum in the order the threads hold them. */
const GROUP_IN_MEMORY = /* wgsl */ `
fn group_max(t: u32, first: u32, v: f32) -> f32 {
  part[t] = v;
  workgroupBarrier();
  var m = v;
  for (var i = 0u; i < PER_GROUP; i++) {
    m = max(m, part[first + i]);
  }
  workgroupBarrier();
  return m;
}
fn group_sum(t: u32, first: u32, v: f32) -> f32 {
  part[t] = v;
  workgroupBarrier();
  var s = 0.0;
  for (var i = 0u; i < PER_GROUP; i++) {
    s += part[first + i];
  }
  workgroupBarrier();
  return s;
}
`;

const launches = new Launches("addRmsNormInt8");

/** The kernel's `gpu` implementation. */
export const addRmsNormInt8Gpu: mx.KernelImpl<AddRmsNormInt8Params> = (inputs, outputs, { groupSize, bits, eps, residual, portable }) => {
  const [x, r, weight] = residual ? inputs : [inputs[0], inputs[0], inputs[1]];
  const [h, xq, xs] = outputs;
  const [M, K] = x.shape;
  const launch = launches.get(`${groupSize}|${bits}|${residual}|${weight.dtype}|${K}`, portable, () => {
    const most = 2 ** Math.floor(Math.log2(mx.gpu.info().maxComputeInvocationsPerWorkgroup));
    const threads = Math.min(most, Math.max(32, 2 ** Math.ceil(Math.log2(K / PER_THREAD))));
    // Sums by subgroups of SG threads, unless portable or the GPU has none of one size (SG = 1).
    const sg = Math.min(portable ? 1 : mx.gpu.info().subgroupSize || 1, threads);
    return { BITS: bits, GROUP: groupSize, RESIDUAL: residual, W_DT: weight.dtype, THREADS: threads, PASSES: Math.ceil(K / (threads * PER_THREAD)), SG: sg, SHUFFLE: sg >= groupSize / PER_THREAD };
  });
  const params = new Uint32Array([K, 0, x.offset, r.offset, weight.offset, h.offset]);
  new Float32Array(params.buffer, 4, 1)[0] = eps;
  mx.gpu.dispatch({
    label: "addRmsNormInt8",
    key: launch.key,
    wgsl: () => prelude(launch.constants, portable) + WGSL + (launch.constants.SHUFFLE ? GROUP_BY_SHUFFLES : GROUP_IN_MEMORY),
    arrays: [x, r, weight, h, xq, xs],
    params,
    workgroups: [M],
  });
};
