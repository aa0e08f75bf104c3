// The attention's q/k/v product and ropeIntoCache's work after it in one launch (GPU): the
// decode kernels (quantized_matmul_decode.wgsl, and quantized_matmul_decode_int8.wgsl for
// int8 activations, with ROPE) give each workgroup both rows of its RoPE pairs, (i,
// i + D/2) of a head, so a pair's two products end in one workgroup, which adds their
// biases, turns them and writes them where ropeIntoCache would: q, or the cache's key and
// value slots. A decode step on the GPU is bound by the host's recording of its launches
// (about 10 us each on an H200's host, book: week2-05); this is one launch fewer a layer.
// Elsewhere (the CPU, more rows) the product, then ropeIntoCache. Reference only: the
// learner's model takes the product, then the other ops.
import * as mx from "@tiny-llm/array";

import { ArgumentError } from "./checks";
import { decodes } from "./gpu/quantized-matmul";
import type { Int8Matmul } from "./int8-matmul";
import { checkInt8Product, checkQuantizedMatmul, type Int8Activations, matmulParams, packed, type QuantizedMatmulParams, type QuantizedWeights } from "./quantized-matmul";
import { checkRopeIntoCache, type RopeIntoCache, type RopeIntoCacheOptions } from "./rope-into-cache";

/** Storage buffers the fused launch binds: the parameters, the int8 kernel's 6 arrays, then the bias, the tables and the slots. */
const FUSED_BINDINGS = 12;

/**
 * ropeIntoCache(x @ qkv.T, ...) for `qkv` = [W_q; W_k; W_v] ((H_q + 2 H_kv) * D x E)
 * quantized: q returned, the keys and values written into `keySlots` and `valueSlots`. On
 * the GPU, for float32 x of few rows (N * L <= 8), one launch (with int8 activations, one
 * more before it: x's quantization, none when x comes quantized: Int8Activations); else
 * `quantizedMatmul` (int8Matmul for Int8Activations), then ropeIntoCache (the same result,
 * to float32 rounding).
 *
 *   x: N x L x E (or its Int8Activations)    qkv: QuantizedWeights    bias: (H_q + 2 H_kv) * D, or undefined
 *   cos, sin: L x D/2    keySlots, valueSlots: N x H_kv x L x D (written)   ->  q: N x L x H_q x D
 */
export type QuantizedQkvRope = (
  x: mx.array | Int8Activations, qkv: QuantizedWeights, bias: mx.array | undefined, cos: mx.array, sin: mx.array, keySlots: mx.array, valueSlots: mx.array, opts: RopeIntoCacheOptions,
) => mx.array;

/** quantizedQkvRope over `quantizedMatmul`, `int8Matmul`, `ropeIntoCache` and `gpu`, the quantized matmul's GPU implementation (quantizedMatmulGpu, over this package's WGSL). */
export function bindQuantizedQkvRope(
  quantizedMatmul: (x: mx.array, w: QuantizedWeights) => mx.array, int8Matmul: Int8Matmul, ropeIntoCache: RopeIntoCache, gpu: mx.KernelImpl<QuantizedMatmulParams>,
): QuantizedQkvRope {
  const kernel: mx.CustomKernel<QuantizedMatmulParams> = { name: "quantizedQkvRope", implementations: { gpu } };
  return (x, qkv, bias, cos, sin, keySlots, valueSlots, opts) => {
    const fn = "quantizedQkvRope";
    const quantized = !(x instanceof mx.NDArray);
    const { K, O, activations } = quantized ? { ...checkInt8Product(fn, x, qkv, "qkv"), activations: "int8" as const } : checkQuantizedMatmul(fn, x, qkv, "qkv");
    if (x.shape.length !== 3) throw new ArgumentError(fn, `x must be N x L x E, got shape [${x.shape}]`);
    const [N, L] = x.shape;
    const H = opts.heads + 2 * opts.kvHeads;
    if (!(O % H === 0)) throw new ArgumentError(fn, `qkv has ${O} rows, expected (H_q + 2 H_kv) * D with H_q + 2 H_kv = ${opts.heads} + 2 x ${opts.kvHeads}`);
    const D = O / H;
    checkRopeIntoCache(fn, "the product", [N, L, H, D], bias, cos, sin, keySlots, valueSlots, opts);
    const M = N * L;
    const w = packed(qkv);
    const onGpu = quantized || (x.device === "gpu" && x.dtype === "float32");
    if (!onGpu || !decodes(M, w[0], activations) || mx.gpu.info().maxStorageBuffersPerShaderStage < FUSED_BINDINGS) {
      const y = quantized ? int8Matmul(x, qkv) : quantizedMatmul(x, qkv);
      return ropeIntoCache(y.reshape([N, L, H, D]), bias, cos, sin, keySlots, valueSlots, opts);
    }
    const inputs = [...(quantized ? [x.xq, x.xs] : [x.reshape([M, K])]), ...w, bias ?? cos, cos, sin];
    const params = { ...matmulParams(qkv, activations, false, quantized), rope: { ...opts, hasBias: bias !== undefined } };
    const [q] = mx.runKernel(kernel, inputs, [{ shape: [N, L, opts.heads, D], dtype: "float32" }, keySlots, valueSlots], params);
    return q;
  };
}
