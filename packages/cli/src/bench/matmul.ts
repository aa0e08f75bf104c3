// Matmul cases: square f32 GEMM against OpenBLAS, the bf16 GEMV against the memory
// read bandwidth, and the Qwen2 linear-layer shapes (y = x @ W.T, W [out x in]).
import * as mx from "@tiny-llm/array";

import type { Sgemm } from "./openblas";
import { compare } from "./stats";
import { barText, gbps, gflops, ratioText, type Row } from "./table";

export interface MatmulBenchResult {
  rows: Row[];
  /** Checked bars: name, measured ratio, minimum. */
  bars: { name: string; ratio: number | null; min: number }[];
}

/**
 * Normal(0, scale) samples as an array of `dtype`. A small xorshift generator in
 * JS: the benchmark needs hundreds of millions of values quickly, and their exact
 * distribution does not matter for timing.
 */
function randn(shape: number[], seed: number, scale = 1, dtype: mx.Dtype = "float32"): mx.array {
  const n = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    // Sum of 4 uniforms, centred and scaled: close enough to a normal.
    let u = 0;
    for (let j = 0; j < 4; j++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      u += (s >>> 0) / 4294967296;
    }
    out[i] = (u - 2) * 1.7320508 * scale;
  }
  const a = mx.fromTypedArray(out, shape);
  return dtype === "float32" ? a : a.astype(dtype);
}

function f32Copy(a: mx.array): Float32Array {
  return a.astype("float32").toTypedArray() as Float32Array;
}

/** C = A @ B for square f32 matrices, ours vs OpenBLAS. */
export function benchGemm(n: number, blas: Sgemm | null, out: MatmulBenchResult): void {
  const a = randn([n, n], 1);
  const b = randn([n, n], 2);
  const fa = blas ? f32Copy(a) : null, fb = blas ? f32Copy(b) : null, fc = new Float32Array(n * n);
  const t = compare(() => void mx.matmul(a, b), blas ? () => blas.sgemm(n, n, n, fa!, fb!, false, fc) : null);
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
 * x @ W.T with bf16 weights W [out x in] (a transposed view, no copy) for M = 1
 * (decode: memory-bound, compared with the read bandwidth `readBw` in bytes/s) and
 * M = 128 (prefill: compute-bound, compared with OpenBLAS on float32 weights).
 * `gemvBar` marks the one shape whose M = 1 ratio is a checked bar.
 */
export function benchLinear(l: Linear, ms: number[], readBw: number, blas: Sgemm | null, out: MatmulBenchResult, gemvBar = false): void {
  const K = l.in, N = l.out;
  const w = randn([N, K], 3, 0.02, "bfloat16");
  const wT = w.T;
  const wf = blas && ms.some((m) => m > 1) ? f32Copy(w) : null;
  for (const M of ms) {
    const x = randn([M, K], 4);
    const label = `${l.model} ${l.name} bf16 W`;
    if (M === 1) {
      const t = compare(() => void mx.matmul(x, wT), null);
      const bytes = N * K * 2;
      const ratio = bytes / t.ours / readBw;
      const inCache = bytes < 32 * 2 ** 20;
      out.rows.push({
        kase: `${label}${gemvBar ? " (GEMV bar)" : ""}`,
        shape: `${M} x ${N} x ${K}`,
        ours: gbps(bytes, t.ours),
        reference: `read ${gbps(readBw, 1)}${inCache ? " (W may sit in cache)" : ""}`,
        ratio: ratioText(ratio),
        bar: gemvBar ? barText(ratio, 0.8) : "",
      });
      if (gemvBar) out.bars.push({ name: `GEMV bf16 ${N}x${K} vs read bandwidth`, ratio, min: 0.8 });
    } else {
      const fx = wf ? f32Copy(x) : null, fc = new Float32Array(M * N);
      const t = compare(() => void mx.matmul(x, wT), wf ? () => blas!.sgemm(M, N, K, fx!, wf, true, fc) : null, 3, 0.6);
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
