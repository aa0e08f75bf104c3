// `pnpm bench`: performance figures, never pass/fail. Three parts, in one run:
//
// kernels: the array core's kernels against their references, on all threads.
//   GEMM: float32 1024^3 against OpenBLAS's cblas_sgemm (bar: ratio >= 1.0).
//   GEMV: x @ W.T with bf16 W [18944 x 3584], M = 1, against the plain memory read
//         bandwidth (bar: >= 0.8 of it).
//   Qwen2-0.5B / 7B linear layers (x @ W.T) at M = 1 and M = 128, with float32 and
//   bf16 weights, for information.
//   Quantized matmul (tiny-llm-ext-ref) at the same shapes, MLX 4-bit: M = 1 in GB/s of
//   packed bytes against the read bandwidth, M = 128 against our f32 GEMM.
// model: prefill and decode tokens/s of a solution's week 1 model (default week1_ref)
//   on random bf16 weights in the exact shapes of Qwen2-0.5B (see bench/model.ts), then
//   week 2's model (KV cache) on bf16 and 4-bit weights, against the decode roofline
//   (see bench/model-week2.ts); and the held-out perplexity of the trained tiny model,
//   bf16 against its 4-bit copy: what quantization costs in quality (bench/perplexity.ts).
//
// llama: llama.cpp (node-llama-cpp, installed on first use into ~/.cache/tiny-llm) on
//   random weights in Qwen2-0.5B's shapes, Q4_0 and F16: prefill and decode tokens/s
//   (see bench/llama-cpp.ts); after the model part, week 2's figures beside them.
//
// sizes: week 2's model at Qwen2-1.5B's and Qwen2-7B's shapes, random 4-bit weights,
//   against the decode roofline, and llama.cpp Q4_0 at 1.5B's (see bench/sizes.ts).
//
// spec: speculative decoding and the prefix cache (week 2, days 8 and 9), on their own:
//   a bf16 target with its exact 4-bit copy drafting, against the target alone (see
//   bench/speculative.ts); time to first token of requests sharing a system prompt with
//   a prefix cache (bench/prefix-cache.ts).
//
// serve: many requests at once (week 2, days 6 and 7): N requests with random prompt and
//   reply lengths on random 4-bit weights in Qwen2-0.5B's shapes, served with continuous
//   batching, one at a time, and by llama.cpp with parallel sequences (see bench/serve.ts).
//
// gpu: the WebGPU backend (see bench/gpu-part.ts): a WGSL read's GB/s, week 2's 4-bit decode
//   kernel at Qwen2-7B's projection shapes against it, week 2's model on random 4-bit
//   weights in Qwen2-0.5B's and 7B's shapes (prefill, decode, roofline); cut down on lavapipe.
//
//   pnpm bench [--part kernels|model|llama|sizes|spec|serve|gpu|all] [--solution tiny_llm|week1_ref] [--requests N] [--batch-size B] [--prefill-step P]
import * as os from "os";

import * as mx from "@tiny-llm/array";

import { benchFlashAttention } from "./bench/flash-attention";
import { benchLlamaPart } from "./bench/llama-part";
import type { OursRunners } from "./bench/llama-cpp";
import { benchPerplexity } from "./bench/perplexity";
import { benchQuantizedMatmul } from "./bench/quantized-matmul";
import { benchServe } from "./bench/serve";
import { QWEN2_LINEARS, benchGemm, benchLinear, type MatmulBenchResult } from "./bench/matmul";
import { readBandwidth } from "./bench/memory";
import { benchModel } from "./bench/model";
import { benchModelWeek2, benchQwen3Week2 } from "./bench/model-week2";
import { benchSizes } from "./bench/sizes";
import { benchSpeculative } from "./bench/speculative";
import { QWEN2_0_5B_CONFIG } from "./bench/qwen2-shapes";
import { SharedRandomCheckpoint } from "./bench/random-checkpoint";
import { INSTALL_HINT, loadOpenBlas } from "./bench/openblas";
import { printTable } from "./bench/table";
import { explain, UsageError } from "./main/errors";
import { SOLUTIONS, type SolutionName } from "./solution";
import type { Activations } from "@tiny-llm/tiny-llm-week2-ref";

const PARTS = ["kernels", "model", "llama", "sizes", "spec", "serve", "gpu", "all"] as const;
type Part = (typeof PARTS)[number];

/** The serve part's knobs: --requests, --batch-size, --prefill-step. */
const SERVE_DEFAULTS = { requests: 32, batchSize: 8, prefillStep: 256 };
type ServeKnob = keyof typeof SERVE_DEFAULTS;
const SERVE_FLAGS: Record<string, ServeKnob> = { "--requests": "requests", "--batch-size": "batchSize", "--prefill-step": "prefillStep" };

const USAGE = `usage: pnpm bench [--part kernels|model|llama|sizes|spec|serve|gpu|all] [--solution ${SOLUTIONS.join("|")}]
                  [--requests N] [--batch-size B] [--prefill-step P] [--activations float32|int8]

  --part kernels    matmul / GEMV, quantized matmul and flash attention kernels against
                    OpenBLAS, the memory read bandwidth and plain array ops (~2 min)
  --part model      prefill and decode tokens/s of the week 1 model, then the week 2 model
                    (KV cache; bf16 and 4-bit) against its decode roofline, on random weights
                    in Qwen2-0.5B's shapes; the trained tiny model's held-out perplexity,
                    bf16 and 4-bit (~6 min; writes 1.3 GB of checkpoints to the temp folder)
  --part llama      prefill and decode tokens/s of llama.cpp on random weights in Qwen2-0.5B's
                    shapes, Q4_0 and F16 (~1.5 min; installs node-llama-cpp into
                    ~/.cache/tiny-llm on first use, ~85 MB from npm; writes 1.3 GB of GGUF files
                    to the temp folder)
  --part sizes      week 2's model at Qwen2-1.5B's and Qwen2-7B's shapes, random MLX 4-bit
                    weights: prefill and decode tokens/s against the roofline, and llama.cpp Q4_0
                    in 1.5B's shapes beside it (~8 min; writes 1 and 4.5 GB to the temp folder in
                    turn); not part of all
  --part spec       speculative decoding (Qwen2-0.5B-shaped random bf16 targets, an exact 4-bit
                    copy drafting: decode tokens/s against the target alone, acceptance rate)
                    and the prefix cache (4-bit, requests sharing a 1,000-token system prompt:
                    time to first token) (~6 min; writes 1.6 GB to the temp folder); not part of all
  --part serve      many requests at once: N requests (prompts of 16-512 tokens, replies of
                    16-256, EOS ignored) on random 4-bit weights in Qwen2-0.5B's shapes, served
                    with continuous batching, one at a time, and by llama.cpp with B parallel
                    sequences: output tok/s, time to first token, time between tokens
                    (~25 min at 32 requests on 2 cores; --requests 8, ~6 min); not part of all
  --part gpu        the WebGPU backend: a WGSL read's GB/s, flash attention, the 4-bit decode
                    kernel at Qwen2-7B's projection shapes against the read and its prefill
                    products, week 2's model on random 4-bit weights in Qwen2-0.5B's and 7B's
                    shapes (prefill 512, decode, roofline, GPU timelines); on lavapipe cut
                    down (~3 min); not part of all
  --part all        kernels, model and llama (the default)
  --solution NAME   whose model the model part runs (default week1_ref; week 2 rows: week2_ref
                    unless the solution covers week 2)
  --requests N      the serve part's requests (default ${SERVE_DEFAULTS.requests})
  --batch-size B    the serve part's batch: rows of a decode step, llama.cpp's sequences
                    (default ${SERVE_DEFAULTS.batchSize})
  --prefill-step P  the serve part's prefill chunk, in tokens (default ${SERVE_DEFAULTS.prefillStep})
  --activations A   what the serve part's 4-bit weights multiply: x itself (float32, the
                    default) or x rounded to int8 per group, as llama.cpp's Q8 activations
Threads: TINY_LLM_NUM_THREADS (default: one per core).`;

interface BenchOptions extends Record<ServeKnob, number> {
  part: Part;
  solution: SolutionName;
  activations: Activations;
  help: boolean;
}

const ACTIVATIONS: readonly Activations[] = ["float32", "int8"];

function parseBenchArgs(argv: string[]): BenchOptions {
  const opts: BenchOptions = { part: "all", solution: "week1_ref", activations: "float32", help: false, ...SERVE_DEFAULTS };
  const knobs: string[] = [];
  const args = argv.filter((a) => a !== "--");
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-h" || arg === "--help") {
      opts.help = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (name !== "--part" && name !== "--solution" && name !== "--activations" && !(name in SERVE_FLAGS)) {
      throw new UsageError(`unknown option ${arg}; expected --part ${PARTS.join("|")}, --solution ${SOLUTIONS.join("|")}, ${Object.keys(SERVE_FLAGS).join(", ")}, --activations or -h`);
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else value = args[++i];
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${name} needs a value`);
    if (name in SERVE_FLAGS) {
      const n = Number(value);
      if (!(/^\d+$/.test(value) && Number.isSafeInteger(n) && n > 0)) throw new UsageError(`${name} ${JSON.stringify(value)} is not a positive integer; expected e.g. ${name} ${SERVE_DEFAULTS[SERVE_FLAGS[name]]}`);
      opts[SERVE_FLAGS[name]] = n;
      knobs.push(name);
    } else if (name === "--activations") {
      if (!(ACTIVATIONS as readonly string[]).includes(value)) throw new UsageError(`--activations ${JSON.stringify(value)}: expected ${ACTIVATIONS.join(" or ")}`);
      opts.activations = value as Activations;
      knobs.push(name);
    } else if (name === "--part") {
      if (!(PARTS as readonly string[]).includes(value)) throw new UsageError(`--part ${JSON.stringify(value)} is not a part; expected one of ${PARTS.join(", ")}`);
      opts.part = value as Part;
    } else {
      if (!(SOLUTIONS as readonly string[]).includes(value)) throw new UsageError(`unknown solution ${JSON.stringify(value)}; expected one of ${SOLUTIONS.join(", ")}`);
      opts.solution = value as SolutionName;
    }
  }
  if (knobs.length > 0 && opts.part !== "serve") throw new UsageError(`${knobs.join(", ")} only ${knobs.length > 1 ? "mean" : "means"} something with --part serve; expected --part serve too`);
  return opts;
}

/** The plain read's figure, as each part that compares against it prints it. */
const bandwidthLine = (readBw: number, threads: number) => `memory read bandwidth: ${(readBw / 1e9).toFixed(1)} GB/s (256 MiB buffer, ${threads} threads, median of 7)`;

/** A part's failure (an exercise not written yet, week2_ref, a full disk) as one line, as `pnpm main` says it. */
function printFailure(e: unknown): void {
  for (const line of explain(e).lines) console.error(line.replace(/^main: /, "bench: "));
}

/** The kernel part; returns what the model part compares against: f32 GEMM FLOP/s. */
function benchKernels(readBw: number): number {
  const threads = mx.numThreads();
  const blas = loadOpenBlas(threads);
  if (typeof blas === "string") {
    console.log(`OpenBLAS reference: not available (${blas}).`);
    console.log(`  Install it to compare: ${INSTALL_HINT}`);
  } else {
    console.log(`OpenBLAS reference: ${blas.path} (${threads} threads)`);
  }
  const sgemm = typeof blas === "string" ? null : blas;
  console.log(`${bandwidthLine(readBw, threads)}\n`);

  const res: MatmulBenchResult = { rows: [], bars: [] };
  const gemm = benchGemm(1024, sgemm, res);
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
  return gemm;
}

async function main(argv: string[]): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(argv);
  } catch (e) {
    console.error(`bench: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const threads = mx.numThreads();
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  console.log(`tiny-llm bench: ${threads} threads (TINY_LLM_NUM_THREADS), ${cpu}, ${os.cpus().length} logical CPUs`);
  if (opts.part === "llama") return runLlamaPart(threads);
  if (opts.part === "serve") return runServePart(opts, threads);
  if (opts.part === "spec") return runSpecPart(opts.solution);
  if (opts.part === "gpu") return (await import("./bench/gpu-part")).runGpuPart();
  if (opts.part === "sizes") return runSizesPart(opts.solution, threads);
  const readBw = readBandwidth();
  let gemm: number | null = null;
  if (opts.part !== "model") gemm = benchKernels(readBw);
  if (opts.part !== "model") await benchFlashAttention(readBw);
  if (opts.part !== "model") await benchQuantizedMatmul();
  let week2: OursRunners | undefined;
  if (opts.part !== "kernels") {
    if (opts.part === "model") console.log(bandwidthLine(readBw, threads));
    console.log("\n== model: Qwen2-0.5B shapes, random bf16 weights ==");
    const checkpoint = new SharedRandomCheckpoint(QWEN2_0_5B_CONFIG, "Qwen2-0.5B");
    try {
      await benchModel({ solution: opts.solution, gemmFlops: gemm, readBandwidth: readBw, checkpoint });
      console.log("\n== model, week 2: KV cache, bf16 and 4-bit weights (Qwen2-0.5B shapes) ==");
      week2 = await benchModelWeek2({ solution: opts.solution, readBandwidth: readBw, checkpoint });
      checkpoint.remove();
      console.log("\n== model, week 2: Qwen3-0.6B shapes (head_dim 128, per-head q/k norm), bf16 and 4-bit ==");
      await benchQwen3Week2({ solution: opts.solution, readBandwidth: readBw });
      await benchPerplexity();
    } catch (e) {
      printFailure(e);
      return 1;
    } finally {
      checkpoint.remove();
    }
  }
  if (opts.part === "all") return runLlamaPart(threads, week2);
  return 0;
}

/** The spec part: speculative decoding on a random Qwen2-0.5B-shaped checkpoint. */
async function runSpecPart(solution: SolutionName): Promise<number> {
  console.log("\n== speculative decoding and the prefix cache: Qwen2-0.5B shapes, bf16 targets, a 4-bit copy drafting ==");
  const checkpoint = new SharedRandomCheckpoint(QWEN2_0_5B_CONFIG, "Qwen2-0.5B");
  try {
    await benchSpeculative({ solution, checkpoint });
    return 0;
  } catch (e) {
    printFailure(e);
    return 1;
  } finally {
    checkpoint.remove();
  }
}

/** The sizes part: week 2's model at Qwen2-1.5B's and 7B's shapes (bench/sizes.ts). */
async function runSizesPart(solution: SolutionName, threads: number): Promise<number> {
  const readBw = readBandwidth();
  console.log(bandwidthLine(readBw, threads));
  try {
    await benchSizes({ solution, readBandwidth: readBw, threads });
    return 0;
  } catch (e) {
    printFailure(e);
    return 1;
  }
}

/** The serve part: many requests at once, three ways (bench/serve.ts). */
async function runServePart(opts: BenchOptions, threads: number): Promise<number> {
  console.log(`\n== serving ${opts.requests} requests: Qwen2-0.5B shapes, random 4-bit weights ==`);
  try {
    await benchServe({ solution: opts.solution, requests: opts.requests, batchSize: opts.batchSize, prefillStep: opts.prefillStep, activations: opts.activations, threads });
    return 0;
  } catch (e) {
    printFailure(e);
    return 1;
  }
}

/**
 * The llama part, with our figures and a ratio column when `ours` (the week 2 models of
 * this run, timed in turns with llama.cpp) is given; a failure (no prebuilt binary for
 * this machine, npm unreachable) is one line.
 */
async function runLlamaPart(threads: number, ours?: OursRunners): Promise<number> {
  try {
    await benchLlamaPart(threads, ours);
    return 0;
  } catch (e) {
    console.error(`bench --part llama: ${((e as Error).message ?? String(e)).split("\n")[0]}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
