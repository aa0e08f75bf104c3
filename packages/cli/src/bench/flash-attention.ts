// Flash attention (the reference kernel of tiny-llm-ext-ref, as week2_ref exports it) at
// Qwen2-0.5B's attention shape: 14 query heads over 2 key/value heads, D = 64 (and decode
// at Qwen2-1.5B's too: 12 over 2, D = 128, whose scores take another path on x86).
//   decode, L = 1 against a cache of S keys: memory-bound, reported in ms per call and in
//     GB/s of K and V read, against the memory read bandwidth measured in the same run. As
//     in a decode step, each call reads another layer's K and V (as many layers as the
//     model has), so that they come from memory rather than from the previous call's caches;
//   causal prefill, L = S: compute-bound, reported in GFLOP/s of the visible query-key
//     pairs (4 * H_q * D FLOPs each), against week 1's plain attention through
//     @tiny-llm/array (matmul, softmax, matmul over the whole L x S matrix).
import * as mx from "@tiny-llm/array";
import { scaledDotProductAttentionGrouped } from "@tiny-llm/tiny-llm-week1-ref";

import { loadSolution } from "../solution";
import { QWEN2_1_5B_CONFIG, shapesOf } from "./qwen2-shapes";
import { compare } from "./stats";
import { gbps, gflops, printColumns, ratioText } from "./table";

type FlashAttention = (q: mx.array, k: mx.array, v: mx.array, opts?: { mask?: "causal" }) => mx.array;

const HQ = 14, HKV = 2, D = 64, LAYERS = 24;
const DECODE_S = [16, 512, 2048, 8192];
/** Decode at Qwen2-1.5B's heads (and as many layers' caches), float32 cache, at these S. */
const DECODE_S_1_5B = [512, 2048];
const PREFILL_L = [128, 512];

const randn = (shape: number[], seed: number, dtype: mx.Dtype) => mx.random.normal(shape, { key: mx.random.key(seed), dtype });

/** Prints the flash attention table; `readBw`: the memory read bandwidth, bytes/s. */
export async function benchFlashAttention(readBw: number): Promise<void> {
  const { flashAttention } = (await loadSolution("week2_ref")) as unknown as { flashAttention: FlashAttention };
  const rows: string[][] = [];
  /** A decode row: each of `layers` caches of S keys in turn, per call. */
  const decodeRow = (label: string, Hq: number, Hkv: number, D: number, layerCount: number, S: number, dtype: mx.Dtype) => {
    const q = randn([1, Hq, 1, D], 1, "float32");
    const layers = Array.from({ length: layerCount }, (_, i) => [2, 3].map((s) => randn([1, Hkv, S, D], 2 * i + s, dtype)));
    const step = () => { for (const [k, v] of layers) flashAttention(q, k, v, { mask: "causal" }); };
    const perCall = compare(step, null).ours / layerCount;
    const bytes = 2 * Hkv * S * D * mx.zeros([1], dtype).itemsize;
    rows.push([label, `L 1, S ${S}`, `${(perCall * 1e3).toFixed(3)} ms, ${gbps(bytes, perCall)}`, `read ${(readBw / 1e9).toFixed(1)} GB/s`, ratioText(bytes / perCall / readBw)]);
  };
  for (const dtype of ["float32", "bfloat16"] as const) for (const S of DECODE_S) decodeRow(`decode, K/V ${dtype}`, HQ, HKV, D, LAYERS, S, dtype);
  const b = shapesOf(QWEN2_1_5B_CONFIG);
  for (const S of DECODE_S_1_5B) decodeRow(`decode, 1.5B heads (${b.heads}/${b.kvHeads}, D ${b.headDim}), K/V float32`, b.heads, b.kvHeads, b.headDim, b.layers, S, "float32");
  for (const L of PREFILL_L) {
    const q = randn([1, HQ, L, D], 4, "float32");
    const [k, v] = [5, 6].map((seed) => randn([1, HKV, L, D], seed, "float32"));
    const flops = 4 * HQ * D * ((L * (L + 1)) / 2);
    const t = compare(
      () => void flashAttention(q, k, v, { mask: "causal" }),
      () => void scaledDotProductAttentionGrouped(q, k, v, { mask: "causal" }),
      3, 0.6,
    );
    rows.push([
      "prefill, causal, f32",
      `L = S = ${L}`,
      gflops(flops, t.ours),
      `plain attention ${gflops(flops, t.ref!)}`,
      ratioText(t.ref! / t.ours),
    ]);
  }
  console.log(`\nflash attention (tiny-llm-ext-ref), Qwen2-0.5B heads: H_q ${HQ}, H_kv ${HKV}, D ${D}`);
  printColumns(["case", "shape", "ours", "reference", "ratio"], rows);
}
