// The attention's inputs of one decode step in one kernel call: the q/k/v biases, RoPE
// on q's and k's heads, and the new keys and values written straight into the KV cache's
// slots, where the model otherwise makes a bias add, RoPE and one copy each for keys and
// values, besides the views between them. Each is host work a decode step pays once per
// layer for a few hundred values: about 10-15 us of recording a launch on the GPU (book:
// week2-05, "Four launches in one"), a few us a call on the CPU (book: week2-01). The
// reference model uses it on both; the learner's model takes the separate ops
// (qwen2-week2.ts). C++ (native/src/rope_into_cache.cc) on the CPU, WGSL on the GPU.
import * as mx from "@tiny-llm/array";

import { ArgumentError, checkArray, checkShape } from "./checks";
import { ropeIntoCacheGpu } from "./gpu/rope-into-cache";
import type { AddonLoader } from "./native";

export interface RopeIntoCacheOptions {
  /** H_q and H_kv: qkv holds H_q query heads, then H_kv key heads, then H_kv value heads. */
  heads: number;
  kvHeads: number;
  /** RoPE's pairs: (2i, 2i + 1) when traditional, else (i, i + D/2) (week 1, day 2). */
  traditional: boolean;
}

/** The kernel's parameters (src/gpu/rope-into-cache.ts). */
export interface RopeIntoCacheParams extends RopeIntoCacheOptions {
  hasBias: boolean;
}

const FLOAT32: readonly mx.Dtype[] = ["float32"];

/** Asserts a unit stride along D (the last axis) and no negative strides: the kernel's addressing. */
function checkLayout(fn: string, arg: string, a: mx.array): void {
  if (a.strides.some((s) => s < 0) || (a.shape[a.ndim - 1] > 1 && a.strides[a.ndim - 1] !== 1)) {
    throw new ArgumentError(fn, `${arg} must be laid out with a unit stride along D and no reversed axis, got strides [${a.strides}]`);
  }
}

/**
 * q of one projection's output, with the keys and values written into the cache: the
 * biases added to every head, RoPE at the tokens' positions (the rows of `cos` and `sin`)
 * on the query and key heads, the key heads written into `keySlots` and the value heads
 * into `valueSlots` (views of the cache's buffers at the tokens' positions, written in
 * place). Float32 throughout.
 *
 *   qkv: N x L x (H_q + 2 H_kv) x D    bias: (H_q + 2 H_kv) * D, or undefined
 *   cos, sin: L x D/2    keySlots, valueSlots: N x H_kv x L x D (written)   ->  q: N x L x H_q x D
 */
export type RopeIntoCache = (qkv: mx.array, bias: mx.array | undefined, cos: mx.array, sin: mx.array, keySlots: mx.array, valueSlots: mx.array, opts: RopeIntoCacheOptions) => mx.array;

/** ropeIntoCache over this package's addon (`addon`, its reference-only ropeIntoCache) on the CPU and its WGSL on the GPU. */
export function bindRopeIntoCache(addon: AddonLoader): RopeIntoCache {
  const kernel: mx.CustomKernel<RopeIntoCacheParams> = {
    name: "ropeIntoCache",
    implementations: { cpu: (inputs, outputs, p) => addon().ropeIntoCache!(inputs, outputs, p.hasBias, p.heads, p.kvHeads, p.traditional), gpu: ropeIntoCacheGpu },
  };
  return (qkv, bias, cos, sin, keySlots, valueSlots, opts) => {
    const fn = "ropeIntoCache";
    checkArray(fn, "qkv", qkv, "N x L x (H_q + 2 H_kv) x D", { ndim: 4 }, FLOAT32);
    checkRopeIntoCache(fn, "qkv", qkv.shape, bias, cos, sin, keySlots, valueSlots, opts);
    checkLayout(fn, "qkv", qkv);
    const [N, L, , D] = qkv.shape;
    const inputs = [qkv, ...(bias === undefined ? [] : [bias]), cos, sin];
    const [q] = mx.runKernel(kernel, inputs, [{ shape: [N, L, opts.heads, D], dtype: "float32" }, keySlots, valueSlots], { ...opts, hasBias: bias !== undefined });
    return q;
  };
}

/**
 * ropeIntoCache's checks of all but qkv's own dtype and layout: its shape (`qkv`, N x L x
 * (H_q + 2 H_kv) x D, named `what` in errors), the heads, the bias, the tables and the slots.
 */
export function checkRopeIntoCache(fn: string, what: string, qkv: readonly number[], bias: mx.array | undefined, cos: mx.array, sin: mx.array, keySlots: mx.array, valueSlots: mx.array, opts: RopeIntoCacheOptions): void {
  const { heads: Hq, kvHeads: Hkv } = opts;
  const [N, L, H, D] = qkv;
  if (!(Number.isInteger(Hq) && Number.isInteger(Hkv) && Hq > 0 && Hkv > 0 && Hq + 2 * Hkv === H) || D % 2 !== 0) {
    throw new ArgumentError(fn, `${what} has shape [${qkv}], expected H_q + 2 H_kv = ${Hq} + 2 x ${Hkv} heads of an even D`);
  }
  if (bias !== undefined) {
    checkArray(fn, "bias", bias, "(H_q + 2 H_kv) * D", { ndim: 1 }, FLOAT32);
    checkShape(fn, "bias", bias, [H * D], "(H_q + 2 H_kv) * D");
    checkLayout(fn, "bias", bias);
  }
  for (const [arg, t] of [["cos", cos], ["sin", sin]] as const) {
    checkArray(fn, arg, t, "L x D/2", { ndim: 2 }, FLOAT32);
    checkShape(fn, arg, t, [L, D / 2], "L x D/2");
    if (!t.isContiguous) throw new ArgumentError(fn, `${arg} must be contiguous (rows of a RoPE table), got strides [${t.strides}]`);
  }
  for (const [arg, slots] of [["keySlots", keySlots], ["valueSlots", valueSlots]] as const) {
    checkArray(fn, arg, slots, "N x H_kv x L x D", { ndim: 4 }, FLOAT32);
    checkShape(fn, arg, slots, [N, Hkv, L, D], "N x H_kv x L x D");
    checkLayout(fn, arg, slots);
  }
}
