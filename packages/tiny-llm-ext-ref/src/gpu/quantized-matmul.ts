// Quantized matmul on the GPU (week 2, day 3): the `gpu` implementation of the
// quantizedMatmul custom kernel, running this package's WGSL (or the learner's).
//
//   inputs [x (M x K), w (O x K*bits/32 uint32), scales, biases (O x K/groupSize)], outputs [y (M x O)]
//
// as quantized-matmul.ts checked them (unit inner strides for w, scales and biases).
// Few rows of x (decode) take quantized_matmul_decode.wgsl, which streams W once;
// more take quantized_matmul_tiled.wgsl, which reuses each dequantized tile of W.
import * as mx from "@tiny-llm/array";

import type { QuantizedMatmulParams } from "../quantized-matmul";
import { prelude } from "./prelude";
import type { WgslSource } from "./wgsl-source";

/** The most rows of x the decode kernel takes (its partial sums live in registers). */
export const DECODE_MAX_ROWS = 8;
const DECODE_ROWS_PER_WORKGROUP = 4; // ROWS in quantized_matmul_decode.wgsl
const TILE = 32; // BM and BN in quantized_matmul_tiled.wgsl
const MAX_GROUPS = 65535;

/** The kernel's `gpu` implementation over `wgsl`. */
export function quantizedMatmulGpu(wgsl: WgslSource): mx.KernelImpl<QuantizedMatmulParams> {
  return ([x, w, scales, biases], [y], { groupSize, bits, portable }) => {
    const [M, K] = x.shape;
    const O = w.shape[0];
    const decode = M <= DECODE_MAX_ROWS;
    const kernel = decode ? "quantized_matmul_decode" : "quantized_matmul_tiled";
    // Compiled per bits and dtypes (the unpacking is unrolled); sizes are parameters.
    const constants = { BITS: bits, X_DT: x.dtype, S_DT: scales.dtype, OUT_DT: y.dtype };
    const strides = [x.offset, x.strides[0], x.strides[1], w.offset, w.strides[0], scales.offset, scales.strides[0], biases.offset, biases.strides[0]];
    let workgroups: [number, number];
    if (decode) {
      const groups = Math.ceil(O / DECODE_ROWS_PER_WORKGROUP);
      workgroups = [Math.min(groups, MAX_GROUPS), Math.ceil(groups / MAX_GROUPS)];
    } else {
      workgroups = [Math.ceil(O / TILE), Math.ceil(M / TILE)];
    }
    mx.gpu.dispatch({
      label: `quantizedMatmul (${kernel}.wgsl)`,
      // Made and compiled once per key: the learner's folder and ours never share one.
      key: `${wgsl.folder}/${kernel}|${JSON.stringify(constants)}|${portable}`,
      wgsl: () => prelude(constants, portable) + wgsl(kernel),
      arrays: [x, w, scales, biases, y],
      params: new Uint32Array([M, K, O, groupSize, ...strides]),
      workgroups,
    });
  };
}
