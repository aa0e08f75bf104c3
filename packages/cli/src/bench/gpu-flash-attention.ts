// Week 2's flash attention on the GPU (tiny-llm-ext-ref's WGSL, through the function the
// week 2 model calls), at Qwen2-7B's heads (H_q 28, H_kv 4, D 128), float32 as the
// model's cache holds it. Decode (L = 1) reads the whole cache once: GB/s of K and V
// against the GPU's plain read, at growing S (the split over the keys is what keeps a
// single query row from running on a handful of workgroups). Prefill (L = S = 512,
// causal) is compute: GFLOP/s of its 4 L S D H_q / 2 flops. GPU times on the GPU's own
// clock where it has timestamp queries (a few short launches: subtracting host timings,
// gpuSecondsBehind, printed 0 us or thousands in some runs on the H200), host overhead
// excluded either way (gpu-timing.ts).
import * as mx from "@tiny-llm/array";
import { flashAttention } from "@tiny-llm/tiny-llm-week2-ref";

import { gpuSecondsOfLaunches, type BusyWork } from "./gpu-timing";
import { gbps, ratioText } from "./table";

const HQ = 28, HKV = 4, D = 128;

/** q (1 x H_q x L x D), k and v (1 x H_kv x S x D), float32, random, on the GPU. */
function inputs(L: number, S: number): mx.array[] {
  const normal = (shape: number[], seed: number) => mx.random.normal(shape, { key: mx.random.key(seed) }).toDevice("gpu");
  return [normal([1, HQ, L, D], 1), normal([1, HKV, S, D], 2), normal([1, HKV, S, D], 3)];
}

/** Rows: case, shape, figure, GPU time per call, ratio to the read (decode). */
export async function benchGpuFlashAttention(busy: BusyWork, readBandwidth: number, rounds: number, decodeKeys: number[], prefill: number): Promise<string[][]> {
  const rows: string[][] = [];
  const scale = 1 / Math.sqrt(D);
  /** GPU seconds a call of `record` (both passes of a split decode), `calls` calls a round. */
  const secondsPerCall = (record: () => void, calls: number) => gpuSecondsOfLaunches(record, calls, "flashAttention", busy, rounds);
  for (const S of decodeKeys) {
    try {
      const [q, k, v] = inputs(1, S);
      const seconds = await secondsPerCall(() => mx.tidy(() => void flashAttention(q, k, v, { scale })), 16);
      const bytes = k.nbytes + v.nbytes;
      rows.push([`decode, S = ${S}`, `1 x ${HQ}/${HKV} x 1 x ${S} x ${D}`, gbps(bytes, seconds), `${(seconds * 1e6).toFixed(1)} us`, ratioText(bytes / seconds / readBandwidth)]);
      [q, k, v].forEach((a) => mx.dispose(a));
    } catch (e) {
      rows.push([`decode, S = ${S}`, "", `error: ${(e as Error).message.split("\n")[0]}`]);
    }
  }
  try {
    const [q, k, v] = inputs(prefill, prefill);
    const seconds = await secondsPerCall(() => mx.tidy(() => void flashAttention(q, k, v, { scale, mask: "causal" })), 4);
    const flops = (4 * prefill * prefill * D * HQ) / 2;
    rows.push([`prefill, causal`, `1 x ${HQ}/${HKV} x ${prefill} x ${prefill} x ${D}`, `${(flops / seconds / 1e9).toFixed(0)} GFLOP/s`, `${(seconds * 1e6).toFixed(1)} us`, "-"]);
    [q, k, v].forEach((a) => mx.dispose(a));
  } catch (e) {
    rows.push(["prefill, causal", "", `error: ${(e as Error).message.split("\n")[0]}`]);
  }
  return rows;
}
