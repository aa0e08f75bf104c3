// Quantized matmul (the reference kernel of tiny-llm-ext-ref, as week2_ref exports it)
// at the Qwen2-0.5B and Qwen2-7B projection shapes, y = x @ W.T with W in MLX's affine
// layout (4-bit, group 64, bfloat16 scales and biases, as mlx-community checkpoints
// hold them; 8-bit for the largest shape too):
//   decode, M = 1: memory-bound, in GB/s of packed bytes (codes + scales + biases),
//     against a plain read of as many bytes, timed alternately with it (4-bit: also
//     with int8 activations, QuantizedWeights.activations);
//   a batch's decode step (M = 8) and a prefill (M = 128): compute-bound, in GFLOP/s,
//     against our float32 GEMM on a float32 W of the same shape (the dequantized matrix;
//     its values do not change the timing); 4-bit also with int8 activations.
import * as mx from "@tiny-llm/array";
import type { QuantizedWeights } from "@tiny-llm/tiny-llm-week2-ref";

import { loadSolution } from "../solution";
import { QWEN2_LINEARS } from "./matmul";
import { plainRead } from "./memory";
import { compare } from "./stats";
import { gbps, gflops, printColumns, ratioText } from "./table";

type QuantizedMatmul = (x: mx.array, w: QuantizedWeights) => mx.array;

export const GROUP = 64;
const PREFILL_M = 128;
const BATCH_M = 8;

/** Random packed codes, scales and biases of an O x K matrix in MLX's affine layout (`bits` bits, groups of GROUP), on the CPU. */
export function randomQuantized(O: number, K: number, bits: number): QuantizedWeights {
  const key = (seed: number) => mx.random.key(seed);
  return {
    weight: mx.random.bits([O, (K * bits) / 32], { key: key(1) }),
    scales: mx.random.uniform([O, K / GROUP], { low: 0.001, high: 0.01, dtype: "bfloat16", key: key(2) }),
    biases: mx.random.normal([O, K / GROUP], { scale: 0.01, dtype: "bfloat16", key: key(3) }),
    groupSize: GROUP,
    bits,
  };
}

/** Prints the quantized matmul table. */
export async function benchQuantizedMatmul(): Promise<void> {
  const { quantizedMatmul } = (await loadSolution("week2_ref")) as unknown as { quantizedMatmul: QuantizedMatmul };
  const rows: string[][] = [];
  const cases = QWEN2_LINEARS.map((l) => ({ l, bits: 4 }));
  cases.push({ l: QWEN2_LINEARS.find((l) => l.model === "7B" && l.name === "gate/up_proj")!, bits: 8 });
  for (const { l, bits } of cases) {
    const O = l.out, K = l.in;
    const w = randomQuantized(O, K, bits);
    const label = `${l.model} ${l.name} ${bits}-bit`;
    const bytes = w.weight.nbytes + w.scales.nbytes + w.biases.nbytes;
    const x1 = mx.random.normal([1, K], { key: mx.random.key(4) });
    // 4-bit decode also with int8 activations: the x86 kernel multiplies bytes by bytes.
    for (const activations of bits === 4 ? (["float32", "int8"] as const) : (["float32"] as const)) {
      const t1 = compare(() => void quantizedMatmul(x1, { ...w, activations }), plainRead(bytes));
      rows.push([
        `${label}, decode${activations === "int8" ? ", int8 x" : ""}`, `1 x ${O} x ${K}`, gbps(bytes, t1.ours),
        `read ${gbps(bytes, t1.ref!)}${bytes < 32 * 2 ** 20 ? " (fits in L3)" : ""}`, ratioText(t1.ref! / t1.ours),
      ]);
    }
    const wf = mx.random.normal([O, K], { scale: 0.02, key: mx.random.key(6) }).T;
    // A batch's decode step and a prefill; 4-bit also with int8 activations (bytes times bytes).
    for (const [M, what] of [[BATCH_M, "batch"], [PREFILL_M, "prefill"]] as const) {
      const x = mx.random.normal([M, K], { key: mx.random.key(5) });
      for (const activations of bits === 4 ? (["float32", "int8"] as const) : (["float32"] as const)) {
        const t = compare(() => void quantizedMatmul(x, { ...w, activations }), () => void mx.matmul(x, wf), 3, 0.6);
        const flops = 2 * M * O * K;
        rows.push([
          `${label}, ${what}${activations === "int8" ? ", int8 x" : ""}`, `${M} x ${O} x ${K}`, gflops(flops, t.ours),
          `f32 GEMM ${gflops(flops, t.ref!)}`, ratioText(t.ref! / t.ours),
        ]);
      }
    }
  }
  console.log(`\nquantized matmul (tiny-llm-ext-ref), MLX affine group ${GROUP}, bf16 scales; ratio = ours / reference speed`);
  printColumns(["case", "M x O x K", "ours", "reference", "ratio"], rows);
}
