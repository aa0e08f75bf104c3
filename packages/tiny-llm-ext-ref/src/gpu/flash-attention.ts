// Flash attention on the GPU (week 2, day 5): the `gpu` implementation of the
// flashAttention custom kernel, running this package's WGSL (or the learner's).
//
//   inputs [q (N.. x H_q x L x D), k, v (N.. x H_kv x S x D), mask? (N.. x H_q x L x S,
//   broadcast strides)], outputs [out (N.. x H_q x L x D, contiguous)], and with `quantize`
//   (flashAttentionInt8) [xq (N.. * L x H_q * D / 4), xs (N.. * L x H_q * D / GROUP x 2)] after it
//
// as flash-attention.ts checked them. flash_attention.wgsl runs one workgroup per
// (row tile, batch and kv head, key chunk). A decode step (L = 1) has few row tiles, so
// its keys are split into chunks (flash decoding) whose partial results
// flash_attention_combine.wgsl then combines.
import * as mx from "@tiny-llm/array";

import type { FlashAttentionParams } from "../flash-attention";
import { Launches, prelude, scratch, type WgslConstants } from "./prelude";
import type { WgslSource } from "./wgsl-source";

/**
 * Query rows per workgroup (BR) and threads per row (TEAM) of flash_attention.wgsl for a
 * kv head's `rows` rows, keys of `D` floats in tiles of `BC`: 8 rows of BC threads when a
 * kv head has at most 8 rows (a decode step's G query heads: 7 at Qwen2's shapes), so that
 * a workgroup does not score rows that repeat the last, and a thread scores one key of
 * the tile (KT = 1): with 8 threads a row, each scored two keys and summed 16 dims of
 * P @ V, one after another from workgroup memory, and a 7B decode step took 2.99 ms on an
 * H200 against 2.88 (int8 x; float32 x 4.42 against 4.29). Else 32 x 4 where the GPU's
 * workgroup memory holds that tile, 16 x 4 where it does not. At Qwen2-7B's prefill (512
 * tokens, H200) 32 x 4 took 288 us a layer against 539 us for 16 x 4 (and 300-580 us for
 * 24-48 rows of 2-8 threads, or 32-key tiles).
 */
function rowTile(rows: number, D: number, BC: number): { BR: number; TEAM: number } {
  if (rows <= 8) return { BR: 8, TEAM: BC };
  const bytes = (BR: number) => 4 * (BR * (D + 1) + BC * (D + 1) + BC * D + BR * (BC + 1)); // qs, ks, vs, sc
  return { BR: bytes(32) <= mx.gpu.info().maxComputeWorkgroupStorageSize ? 32 : 16, TEAM: 4 };
}
const MAX_D = 128; // qs, ks, vs of BR and BC rows of D floats fit 32 KiB of workgroup memory
const MAX_BATCH_DIMS = 8;
/** A decode step is split over the cache length when it has more keys than this (week 2, day 5, task 2). */
export const SPLIT_MIN_KEYS = 64;

/** Whether L query rows against S keys split the keys into chunks, combined by flash_attention_combine.wgsl. */
export const splitsKeys = (L: number, S: number): boolean => L === 1 && S > SPLIT_MIN_KEYS;
const MAX_CHUNKS = 128; // per (batch, kv head): enough workgroups to fill a large GPU; the combine kernel sizes its arrays by it

/** Keys per tile: as many as keep ks and vs within 16 KiB. */
const keyTile = (D: number) => (D <= 64 ? 32 : 16);

const OPERAND_WORDS = 4 + MAX_BATCH_DIMS;
/** Params: nb, shape[8], Hq, Hkv, L, S, scale, causal, has_mask, tiles, chunks, chunk_keys, then 4 Operands. */
const HEAD_WORDS = 1 + MAX_BATCH_DIMS + 10;

/** Writes an operand's element offset and strides at `at` of `params`, as flash_attention.wgsl's Operand (12 x i32). */
function putOperand(params: Int32Array, at: number, a: mx.KernelArray, nb: number): void {
  params[at] = a.offset;
  for (let d = 0; d < 3; d++) params[at + 1 + d] = a.strides[nb + d];
  for (let d = 0; d < nb; d++) params[at + 4 + d] = a.strides[d]; // batch strides; the rest stay 0
}

/** The kernel's `gpu` implementation over `wgsl`. */
export function flashAttentionGpu(wgsl: WgslSource): mx.KernelImpl<FlashAttentionParams> {
  const launches = new Launches(`${wgsl.folder}/flash_attention`);
  return (inputs, [out, xq, xs], { scale, causal, portable, quantize }) => {
    const [q, k, v, mask] = inputs;
    const nb = q.shape.length - 3;
    const [Hq, L, D] = q.shape.slice(nb);
    const [Hkv, S] = k.shape.slice(nb);
    if (D > MAX_D) throw new Error(`flashAttention: the GPU kernel takes D <= ${MAX_D}, got D = ${D}`);
    if (nb > MAX_BATCH_DIMS) throw new Error(`flashAttention: the GPU kernel takes at most ${MAX_BATCH_DIMS} batch dims, got ${nb}`);
    const lead = q.shape.slice(0, nb);
    const batches = lead.reduce((a, b) => a * b, 1);
    const BC = keyTile(D);
    const rows = (Hq / Hkv) * L; // per kv head
    const { BR, TEAM } = rowTile(rows, D, BC);
    const tiles = Math.ceil(rows / BR);
    const split = splitsKeys(L, S);
    if (quantize && !split) throw new Error("flashAttention: the output is quantized by the combine, which only a split decode step runs (flashAttentionInt8 checks this first)");
    // A split decode is task 2's: the learner's combine stub speaks first, before task 1's.
    if (split) wgsl("flash_attention_combine");
    // The chunks' partial results, room for MAX_CHUNKS whatever this call's chunks: as a
    // decode's cache grows, its chunk count grows by one every chunkKeys steps, and a
    // scratch of that size would be a new buffer each time, so every layer's two launches
    // a new bind group (3 a 7B step on average, each a Dawn call of tens of microseconds).
    const part = scratch([split ? batches * Hkv * tiles * MAX_CHUNKS * BR * (D + 2) : 0]);

    const m = mask ?? q;
    const launch = launches.get(`${D}|${BR}|${q.dtype}|${k.dtype}|${v.dtype}|${m.dtype}|${out.dtype}`, portable, () => ({ D, BC, BR, TEAM, Q_DT: q.dtype, K_DT: k.dtype, V_DT: v.dtype, M_DT: m.dtype, OUT_DT: out.dtype }));
    // Keys in a chunk: whole tiles, as few as one, since a workgroup's tiles run one after
    // another (a 7B decode step's ~520 keys in chunks of 64 made 36 workgroups for 132
    // compute units); unsplit, all of them.
    const chunkKeysOf = (keys: number) => (split ? Math.ceil(keys / MAX_CHUNKS / BC) * BC : Math.max(keys, 1));
    const chunksOf = (keys: number) => Math.ceil(keys / chunkKeysOf(keys)) || 1;
    // flash_attention.wgsl's parameters and grid, and the combine's (a workgroup per row),
    // made once against S keys and moved in place to a graph's later step (mx.gpu.graphOf;
    // a replay advances both to the same step before it records either): only the key
    // count, the chunks and their keys change, and a replay allocates nothing for them.
    // Written word by word: spreading arrays into one took ~7 us a call on an H200 host.
    const flashParams = new Int32Array(HEAD_WORDS + 4 * OPERAND_WORDS);
    flashParams[0] = nb;
    for (let d = 0; d < nb; d++) flashParams[1 + d] = lead[d];
    flashParams.set([Hq, Hkv, L, S, 0, +causal, +(mask !== undefined), tiles, chunksOf(S), chunkKeysOf(S)], 1 + MAX_BATCH_DIMS);
    new Float32Array(flashParams.buffer)[1 + MAX_BATCH_DIMS + 4] = scale; // the 0 after S
    [q, k, v, m].forEach((a, i) => putOperand(flashParams, HEAD_WORDS + i * OPERAND_WORDS, a, nb));
    const flash = { params: flashParams, workgroups: [tiles, batches * Hkv, chunksOf(S)] as [number, number, number] };
    const combine = { params: new Uint32Array([Hq, Hkv, L, tiles, chunksOf(S)]), workgroups: [rows, batches * Hkv] as [number, number] };
    /** Both launches' parameters and grids moved to `keys` keys. */
    const moveTo = (keys: number) => {
      const chunks = chunksOf(keys);
      flashParams[1 + MAX_BATCH_DIMS + 3] = keys;
      flashParams[1 + MAX_BATCH_DIMS + 8] = chunks;
      flashParams[1 + MAX_BATCH_DIMS + 9] = chunkKeysOf(keys);
      flash.workgroups[2] = chunks;
      combine.params[4] = chunks;
    };
    // A graph's later step has L more keys a step, read from the same buffers; a mask's
    // shape would change, and so would the launches where the split does.
    const later = <T>(launch: T) => (steps: number) => {
      if (mask !== undefined || splitsKeys(L, S + steps * L) !== split) return null;
      moveTo(S + steps * L);
      return launch;
    };
    mx.gpu.dispatch({
      label: "flashAttention (flash_attention.wgsl)",
      key: launch.key,
      wgsl: () => prelude(launch.constants, portable) + wgsl("flash_attention"),
      arrays: [q, k, v, m, out, part],
      ...flash,
      advance: later(flash),
    });
    if (!split) return;
    const quant: WgslConstants = quantize ? { QUANT: true, GROUP: quantize.groupSize, BITS: quantize.bits } : { QUANT: false };
    mx.gpu.dispatch({
      label: "flashAttention (flash_attention_combine.wgsl)",
      key: `${wgsl.folder}/flash_attention_combine|${D}|${BR}|${out.dtype}|${portable}|${quantize ? `${quantize.groupSize}|${quantize.bits}` : ""}`,
      wgsl: () => prelude({ D, BR, MAX_CHUNKS, OUT_DT: out.dtype, ...quant }, portable) + wgsl("flash_attention_combine"),
      arrays: quantize ? [part, out, xq, xs] : [part, out],
      ...combine,
      advance: later(combine),
    });
  };
}
