// addRmsNormInt8 on the GPU (add-rms-norm-int8.ts): one workgroup per row of x, float32.
//
//   inputs [x (M x K), residual? (M x K), weight (K)]
//   outputs [h (M x K; one element, not written, without a residual), XQ (M x K/4 uint32), XS (M x K/GROUP x 2)]
//
// Each thread takes 8 inputs of every 2,048 (PASSES of them, compiled per count), loads
// them all before it uses any and keeps h = x + residual in registers: it writes h and
// sums its squares over the row; then, pass by pass, its 8 values v = h * inv * weight,
// inv = 1 / sqrt(mean(h^2) + eps), as the array package's rmsNorm computes them, quantized
// as quantize_activations.wgsl quantizes x (GROUP / 8 threads a group, its max and sum in
// workgroup memory; the same layout of XQ and XS; the prelude's code_of, whose division
// rounds as the CPU's does). The CPU's int8 path sums inv in another order, so a value
// near k + 1/2 may still take the other code there.
import * as mx from "@tiny-llm/array";

import type { AddRmsNormInt8Params } from "../add-rms-norm-int8";
import { Launches, prelude } from "./prelude";

const THREADS = 256; // a workgroup: one row
const PER_THREAD = 8; // inputs a thread quantizes per pass (two words of XQ)

const WGSL = /* wgsl */ `
// From the prelude: BITS, GROUP, RESIDUAL, W_DT, PASSES, unpack_float, word_of, div_rn, code_of, pack_x.
const THREADS: u32 = ${THREADS}u;
const PER_THREAD: u32 = ${PER_THREAD}u;
const PASS: u32 = THREADS * PER_THREAD;  // inputs a pass
const PER_GROUP: u32 = GROUP / PER_THREAD;  // threads a group
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
  // Every load first: the thread's PER_THREAD inputs of each pass, h = x + residual kept in
  // registers for the second half (loads that wait for the work before them go one round
  // trip to memory at a time). Past the row's end: valid loads, not used.
  var hs = array<f32, PER_THREAD * PASSES>();
  for (var p = 0u; p < PASSES; p++) {
    let k0 = min(p * PASS + t * PER_THREAD, P.K - PER_THREAD);
    for (var i = 0u; i < PER_THREAD; i++) {
      hs[p * PER_THREAD + i] = X[P.x_off + row + k0 + i];
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
  part[t] = s;
  workgroupBarrier();
  for (var w = THREADS / 2u; w > 0u; w >>= 1u) {
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
        let e = P.w_off + k0 + i;
        v[i] = hs[p * PER_THREAD + i] * inv * unpack_float(NW[word_of(e, W_DT)], e, W_DT);
        amax = max(amax, abs(v[i]));
      }
    }
    part[t] = amax;
    workgroupBarrier();
    for (var i = 0u; i < PER_GROUP; i++) {
      amax = max(amax, part[first + i]);
    }
    workgroupBarrier();
    let sx = div_rn(amax, 127.0);
    var q = array<f32, PER_THREAD>();
    var sum = 0.0;
    for (var i = 0u; i < PER_THREAD; i++) {
      q[i] = code_of(v[i], sx);
      sum += q[i];
    }
    part[t] = sum;
    workgroupBarrier();
    if (valid) {
      let words = pack_x(q);
      XQ[(row + k0) / 4u] = words.x;
      XQ[(row + k0) / 4u + 1u] = words.y;
      if (t == first) {
        var total = 0.0;
        for (var i = 0u; i < PER_GROUP; i++) {
          total += part[first + i];
        }
        XS[(row + k0) / GROUP] = vec2<f32>(sx, sx * total);
      }
    }
    workgroupBarrier();  // every sum read before part is reused
  }
}`;

const launches = new Launches("addRmsNormInt8");

/** The kernel's `gpu` implementation. */
export const addRmsNormInt8Gpu: mx.KernelImpl<AddRmsNormInt8Params> = (inputs, outputs, { groupSize, bits, eps, residual }) => {
  const [x, r, weight] = residual ? inputs : [inputs[0], inputs[0], inputs[1]];
  const [h, xq, xs] = outputs;
  const [M, K] = x.shape;
  const passes = Math.ceil(K / (THREADS * PER_THREAD));
  const launch = launches.get(`${groupSize}|${bits}|${residual}|${weight.dtype}|${passes}`, false, () => ({ BITS: bits, GROUP: groupSize, RESIDUAL: residual, W_DT: weight.dtype, PASSES: passes }));
  const params = new Uint32Array([K, 0, x.offset, r.offset, weight.offset, h.offset]);
  new Float32Array(params.buffer, 4, 1)[0] = eps;
  mx.gpu.dispatch({
    label: "addRmsNormInt8",
    key: launch.key,
    wgsl: () => prelude(launch.constants, false) + WGSL,
    arrays: [x, r, weight, h, xq, xs],
    params,
    workgroups: [M],
  });
};
