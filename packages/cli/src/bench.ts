// `pnpm bench`: the array core's kernels against their references, on all threads.
//   GEMM: float32 1024^3 against OpenBLAS's cblas_sgemm (bar: ratio >= 1.0).
//   GEMV: x @ W.T with bf16 W [18944 x 3584], M = 1, against the plain memory read
//         bandwidth (bar: >= 0.8 of it).
//   Qwen2-0.5B / 7B linear layers (x @ W.T) at M = 1 and M = 128, with float32 and
//   bf16 weights, for information.
import * as os from "os";

import * as mx from "@tiny-llm/array";

import { QWEN2_LINEARS, benchGemm, benchLinear, type MatmulBenchResult } from "./bench/matmul";
import { readBandwidth } from "./bench/memory";
import { INSTALL_HINT, loadOpenBlas } from "./bench/openblas";
import { printTable } from "./bench/table";

function main(): void {
  const threads = mx.numThreads();
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  console.log(`tiny-llm bench: ${threads} threads (TINY_LLM_NUM_THREADS), ${cpu}, ${os.cpus().length} logical CPUs`);
  const blas = loadOpenBlas(threads);
  if (typeof blas === "string") {
    console.log(`OpenBLAS reference: not available (${blas}).`);
    console.log(`  Install it to compare: ${INSTALL_HINT}`);
  } else {
    console.log(`OpenBLAS reference: ${blas.path} (${threads} threads)`);
  }
  const sgemm = typeof blas === "string" ? null : blas;

  const readBw = readBandwidth();
  console.log(`memory read bandwidth: ${(readBw / 1e9).toFixed(1)} GB/s (256 MiB buffer, ${threads} threads, median of 7)\n`);

  const res: MatmulBenchResult = { rows: [], bars: [] };
  benchGemm(1024, sgemm, res);
  const big = QWEN2_LINEARS.find((l) => l.model === "7B" && l.name === "gate/up_proj")!;
  benchLinear(big, "bfloat16", [1], sgemm, res, true);
  for (const l of QWEN2_LINEARS) benchLinear(l, "float32", [1, 128], sgemm, res);
  for (const l of QWEN2_LINEARS) benchLinear(l, "bfloat16", l === big ? [128] : [1, 128], sgemm, res);
  printTable(res.rows);

  console.log("");
  for (const b of res.bars) {
    const verdict = b.ratio === null ? "not measured (no reference)" : b.ratio >= b.min ? "ok" : "BELOW BAR";
    console.log(`${b.name}: ${b.ratio === null ? "-" : b.ratio.toFixed(2)} (bar ${b.min.toFixed(2)}) ${verdict}`);
  }
}

main();
