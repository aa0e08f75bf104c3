// Matmul cases: square f32 GEMM against OpenBLAS, the bf16 GEMV against the memory
// read bandwidth, and the Qwen2 linear-layer shapes (y = x @ W.T, W [out x in]).
import * as mx from "@tiny-llm/array";

import type { Sgemm } from "./openblas";
import { plainRead } from "./memory";
import { compare } from "./stats";
import { barText, gbps, gflops, ratioText, type Row } from "./table";

/** How long OpenBLAS's spinning workers get to go idle before ours run again. */
const OPENBLAS_SETTLE_MS = 150;

export interface MatmulBenchResult {
  rows: Row[];
  /** Checked bars: name, measured ratio, minimum. */
  bars: { name: string; ratio: number | null; min: number }[];
}

/** Normal(0, scale) samples in `dtype`, and their float32 values for OpenBLAS. */
function randn(shape: number[], seed: number, scale = 1, dtype: mx.Dtype = "float32"): { a: mx.array; f32: Float32Array } {
  const a = mx.random.normal(shape, { scale, dtype, key: mx.random.key(seed) });
  return { a, f32: a.toTypedArray() as Float32Array };
}

/** C = A @ B for square f32 matrices, ours vs OpenBLAS; returns our FLOP/s. */
export function benchGemm(n: number, blas: Sgemm | null, out: MatmulBenchResult): number {
  const { a, f32: fa } = randn([n, n], 1);
  const { a: b, f32: fb } = randn([n, n], 2);
  const fc = new Float32Array(n * n);
  const t = compare(() => void mx.matmul(a, b), blas ? () => blas.sgemm(n, n, n, fa, fb, false, fc) : null, 5, 0.4, OPENBLAS_SETTLE_MS);
  const flops = 2 * n * n * n;
  const ratio = t.ref === null ? null : t.ref / t.ours;
  out.rows.push({
    kase: "GEMM f32 A @ B",
    shape: `${n} x ${n} x ${n}`,
    ours: gflops(flops, t.ours),
    reference: t.ref === null ? "-" : `OpenBLAS ${gflops(flops, t.ref)}`,
    ratio: ratioText(ratio),
    bar: barText(ratio, 1.0),
  });
  out.bars.push({ name: `GEMM f32 ${n}^3 vs OpenBLAS`, ratio, min: 1.0 });
  return flops / t.ours;
}

interface Linear {
  model: string;
  name: string;
  out: number;
  in: number;
}

/** The distinct linear-layer weight shapes of Qwen2-0.5B and Qwen2-7B. */
export const QWEN2_LINEARS: Linear[] = [
  { model: "0.5B", name: "q/o_proj", out: 896, in: 896 },
  { model: "0.5B", name: "k/v_proj", out: 128, in: 896 },
  { model: "0.5B", name: "gate/up_proj", out: 4864, in: 896 },
  { model: "0.5B", name: "down_proj", out: 896, in: 4864 },
  { model: "7B", name: "q/o_proj", out: 3584, in: 3584 },
  { model: "7B", name: "k/v_proj", out: 512, in: 3584 },
  { model: "7B", name: "gate/up_proj", out: 18944, in: 3584 },
  { model: "7B", name: "down_proj", out: 3584, in: 18944 },
];

/**
 * x @ W.T with W [out x in] (a transposed view, no copy) in `wDtype`, for each M in
 * `ms`. M = 1 is decode: memory-bound, reported in GB/s of weights read against a
 * plain read of as many bytes, timed alternately with it. M > 1 is prefill:
 * compute-bound, reported in GFLOP/s against OpenBLAS sgemm on the same values in
 * float32. `gemvBar` marks the one shape whose M = 1 ratio is a checked bar.
 */
export function benchLinear(
  l: Linear, wDtype: "float32" | "bfloat16", ms: number[], blas: Sgemm | null, out: MatmulBenchResult, gemvBar = false,
): void {
  const K = l.in, N = l.out;
  const { a: w, f32: wf } = randn([N, K], 3, 0.02, wDtype);
  const wT = w.T;
  const label = `${l.model} ${l.name} ${wDtype === "float32" ? "f32" : "bf16"} W`;
  for (const M of ms) {
    const { a: x, f32: fx } = randn([M, K], 4);
    if (M === 1) {
      const bytes = N * K * w.itemsize;
      const t = compare(() => void mx.matmul(x, wT), plainRead(bytes));
      const ratio = t.ref! / t.ours;
      out.rows.push({
        kase: `${label}${gemvBar ? " (GEMV bar)" : ""}`,
        shape: `${M} x ${N} x ${K}`,
        ours: gbps(bytes, t.ours),
        reference: `read ${gbps(bytes, t.ref!)}${bytes < 32 * 2 ** 20 ? " (fits in L3)" : ""}`,
        ratio: ratioText(ratio),
        bar: gemvBar ? barText(ratio, 0.8) : "",
      });
      if (gemvBar) out.bars.push({ name: `GEMV bf16 ${N}x${K} vs read bandwidth`, ratio, min: 0.8 });
    } else {
      const fc = new Float32Array(M * N);
      const sgemm = blas ? () => blas.sgemm(M, N, K, fx, wf, true, fc) : null;
      const t = compare(() => void mx.matmul(x, wT), sgemm, 3, 0.6, OPENBLAS_SETTLE_MS);
      const flops = 2 * M * N * K;
      const ratio = t.ref === null ? null : t.ref / t.ours;
      out.rows.push({
        kase: label,
        shape: `${M} x ${N} x ${K}`,
        ours: gflops(flops, t.ours),
        reference: t.ref === null ? "-" : `OpenBLAS f32 ${gflops(flops, t.ref)}`,
        ratio: ratioText(ratio),
        bar: "",
      });
    }
  }
}
