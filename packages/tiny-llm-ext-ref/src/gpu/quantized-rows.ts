// quantizedRows on the GPU (quantized-rows.ts): one thread per word of the gathered codes,
// which unpacks its 32 / BITS codes with the scale and bias of its row and group.
//
//   inputs [codes (T x words uint32, contiguous: rows `ids` of W, from mx.take), ids (T int32), scales, biases (V x K/groupSize)]
//   outputs [rows (T x K float32)]
//
// Each value is code * scale + bias in float32, rounded to the scales' dtype and widened
// back, as dequantizeLinear then astype("float32") give it on the CPU (a 4-bit code times
// a bf16 or f16 scale is exact in float32, so a fused multiply-add changes nothing).
import * as mx from "@tiny-llm/array";

import type { QuantizedRowsParams } from "../quantized-rows";
import { Launches, prelude } from "./prelude";

const THREADS = 256; // a workgroup

/** The kernel, whose values are rounded to the scales' dtype `sdt`. */
const wgsl = (sdt: mx.Dtype) => /* wgsl */ `
// From the prelude: BITS, S_DT, ld_scale, ld_bias, f32_to_f16, f16_to_f32, f32_to_bf16.
const THREADS: u32 = ${THREADS}u;
const PER_WORD: u32 = 32u / BITS;
const MASK: u32 = (1u << BITS) - 1u;
struct Params {
  T: u32, words: u32, group_size: u32, V: u32,
  c_off: u32,                   // codes (t, w) is CODES[c_off + t * words + w]
  ids_off: u32, ids_step: u32,  // id t is IDS[ids_off + t * ids_step]
  s_off: u32, s_row: u32, b_off: u32, b_row: u32,
}
@group(0) @binding(0) var<storage, read> P: Params;
@group(0) @binding(1) var<storage, read> CODES: array<u32>;
@group(0) @binding(2) var<storage, read> IDS: array<i32>;
@group(0) @binding(3) var<storage, read> SC: array<u32>;
@group(0) @binding(4) var<storage, read> BI: array<u32>;
@group(0) @binding(5) var<storage, read_write> OUT: array<f32>;

@compute @workgroup_size(THREADS)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = gid.x + gid.y * nwg.x * THREADS;  // the grid folded past 65535 workgroups (mx.gpu.foldedGrid)
  if (id >= P.T * P.words) { return; }
  let t = id / P.words;
  let w = id % P.words;
  // An id out of range was recorded by mx.take, which gathered the codes (its error comes
  // at the next read back); clamped here, it reads a row that exists.
  let row = u32(clamp(IDS[P.ids_off + t * P.ids_step], 0, i32(P.V) - 1));
  let word = CODES[P.c_off + id];
  let k0 = w * PER_WORD;
  let g = k0 / P.group_size;  // a word's codes share a group: 32 / BITS divides every group size
  let s = ld_scale(P.s_off + row * P.s_row + g);
  let b = ld_bias(P.b_off + row * P.b_row + g);
  for (var i = 0u; i < PER_WORD; i++) {
    OUT[t * P.words * PER_WORD + k0 + i] = ${mx.gpu.wgslRoundedTo(sdt, "f32((word >> (i * BITS)) & MASK) * s + b")};
  }
}`;

const launches = new Launches("tiny-llm-ext-ref/quantizedRows");

/** The kernel's `gpu` implementation. */
export const quantizedRowsGpu: mx.KernelImpl<QuantizedRowsParams> = ([codes, ids, scales, biases], [rows], { groupSize, bits, vocab }) => {
  const [T, words] = codes.shape;
  const launch = launches.get(`${bits}|${scales.dtype}`, false, () => ({ BITS: bits, S_DT: scales.dtype }));
  mx.gpu.dispatch({
    label: "quantizedRows",
    key: launch.key,
    wgsl: () => prelude(launch.constants, true) + wgsl(mx.DtypeCode[scales.dtype] as mx.Dtype),
    arrays: [codes, ids, scales, biases, rows],
    params: new Uint32Array([T, words, groupSize, vocab, codes.offset, ids.offset, ids.strides[0], scales.offset, scales.strides[0], biases.offset, biases.strides[0]]),
    workgroups: mx.gpu.foldedGrid(Math.ceil((T * words) / THREADS)),
  });
};
