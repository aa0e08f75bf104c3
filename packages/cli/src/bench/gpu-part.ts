// `pnpm bench --part gpu`: the WebGPU backend on whatever adapter Dawn finds (an NVIDIA
// GPU through Vulkan; Mesa's lavapipe on a machine without one):
//   the plain read (gpu-read.ts), the reference of memory-bound kernels, in GB/s;
//   week 2's 4-bit decode kernel at Qwen2-7B's projection shapes against it
//     (gpu-quantized-matmul.ts; bar 0.7);
//   week 2's flash attention at Qwen2-7B's heads: decode's GB/s, prefill's GFLOP/s
//     (gpu-flash-attention.ts);
//   what launching a kernel costs the host (gpu-launch.ts);
//   week 2's model on random 4-bit weights in Qwen2-0.5B's and Qwen2-7B's shapes: prefill
//     and decode tokens/s against the decode roofline (gpu-model.ts).
// On a software adapter (lavapipe: the GPU is the CPU) every size is cut down so that the
// part takes a few minutes: it shows that everything runs, not how fast a GPU is.
import * as mx from "@tiny-llm/array";

import { benchGpuFlashAttention } from "./gpu-flash-attention";
import { launchCost } from "./gpu-launch";
import { benchGpuModels, type GpuModelSizes } from "./gpu-model";
import { benchGpuQuantizedMatmul } from "./gpu-quantized-matmul";
import { GpuRead } from "./gpu-read";
import { QWEN2_0_5B_CONFIG, QWEN2_7B_CONFIG } from "./qwen2-shapes";
import { printColumns } from "./table";

interface GpuBenchSizes {
  /** The read kernel's buffer. */
  readBytes: number;
  /** The copies of a matrix the decode kernel rotates over hold at least this many bytes. */
  copyBytes: number;
  /** Bytes one kernel measurement reads in all, and measurements per kernel (the median is shown). */
  timedBytes: number;
  rounds: number;
  /** Rows of x in the quantized matmul's prefill rows (0: none). */
  prefillRows: number;
  /** Cache lengths of the decode attention rows, and L = S of the prefill row. */
  attentionKeys: number[];
  attentionPrefill: number;
  models: GpuModelSizes;
}

const MiB = 2 ** 20;

/** Real GPUs: a 1 GiB read, copies well beyond any L2, the full models. */
const GPU_SIZES: GpuBenchSizes = {
  readBytes: 1024 * MiB,
  copyBytes: 256 * MiB,
  timedBytes: 4096 * MiB,
  rounds: 5,
  prefillRows: 512,
  attentionKeys: [1024, 4096, 16384],
  attentionPrefill: 512,
  models: {
    configs: [
      { label: "Qwen2-0.5B", config: QWEN2_0_5B_CONFIG },
      { label: "Qwen2-7B", config: QWEN2_7B_CONFIG },
    ],
    prefillTokens: 512, decodeTokens: 64, runs: 3,
  },
};

/** A software adapter: small buffers, one model of a few layers, short prompts. */
const SOFTWARE_SIZES: GpuBenchSizes = {
  readBytes: 64 * MiB,
  copyBytes: 0,
  prefillRows: 0,
  timedBytes: 16 * MiB,
  rounds: 3,
  attentionKeys: [256],
  attentionPrefill: 64,
  models: {
    configs: [{ label: "Qwen2-0.5B (2 of 24 layers)", config: { ...QWEN2_0_5B_CONFIG, num_hidden_layers: 2 } }],
    prefillTokens: 32, decodeTokens: 8, runs: 1,
  },
};

/** Whether the adapter is a CPU (Mesa's lavapipe / llvmpipe, SwiftShader). */
function isSoftware(info: mx.gpu.GpuInfo): boolean {
  return /llvmpipe|lavapipe|swiftshader|software|cpu/i.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
}

/** Runs the part; returns the exit code (1 when the GPU cannot be set up). */
export async function runGpuPart(): Promise<number> {
  let info: mx.gpu.GpuInfo;
  try {
    info = await mx.gpu.init({ validation: false }); // the reference's kernels, as pnpm main runs them
  } catch (e) {
    console.error(`bench --part gpu: ${(e as Error).message}`);
    return 1;
  }
  const software = isSoftware(info);
  const sizes = software ? SOFTWARE_SIZES : GPU_SIZES;
  console.log(`\n== GPU: ${info.vendor} ${info.device} (${info.architecture || "-"}; ${info.description}; Dawn's validation ${info.validation ? "on" : "off"})${software ? ", a software adapter: sizes cut down" : ""} ==`);

  const readBytes = Math.min(sizes.readBytes, Math.floor(info.maxStorageBufferBindingSize / 16) * 16);
  const read = new GpuRead(readBytes);
  const readBw = await read.bandwidth(Math.max(4, Math.round((4 * sizes.timedBytes) / readBytes)), sizes.rounds);
  console.log(`GPU read bandwidth: ${(readBw / 1e9).toFixed(1)} GB/s (WGSL, vec4<u32> loads, ${readBytes / MiB} MiB buffer, median of ${sizes.rounds})`);

  const busy = { record: () => read.record(), secondsPerCall: readBytes / readBw };
  // Attention first: arrays made later in a process were several times slower to read
  // in scratch runs on an H200 (book: week2-05, "A clock that drifts"), and attention's
  // rows make theirs on the spot.
  const attention = await benchGpuFlashAttention(busy, readBw, sizes.rounds, sizes.attentionKeys, sizes.attentionPrefill);
  const qmm = await benchGpuQuantizedMatmul({ busy, readBandwidth: readBw, copyBytes: sizes.copyBytes, timedBytes: sizes.timedBytes, rounds: sizes.rounds, prefillRows: sizes.prefillRows });
  read.dispose();
  console.log(`\n4-bit decode kernel (tiny-llm-ext-ref WGSL, through week2_ref's quantizedMatmul, or int8Matmul for x given quantized to int8), GPU time per call (host overhead excluded), GB/s of packed bytes; ratio = of the 1 GiB read; then the plain read of as many bytes a call, timed the same way, and the ratio of its time to ours; then the prefill's products in TFLOP/s:`);
  printColumns(["case", "M x O x K", "ours", "GPU time", "ratio", "same bytes read", "of it", "bar"], qmm);
  console.log(`\nFlash attention (tiny-llm-ext-ref WGSL) at Qwen2-7B's heads, float32: decode in GB/s of K and V read (ratio = of the read), prefill in GFLOP/s; GPU time per call (timestamp queries where the GPU has them, a pass per launch):`);
  printColumns(["case", "B x H_q/H_kv x L x S x D", "ours", "GPU time", "ratio"], attention);

  const launch = await launchCost();
  console.log(
    `\nHost cost of a kernel launch (a trivial WGSL kernel through mx.runKernel, cached pipeline and bind group; median): ` +
      `recording ${launch.record.toFixed(1)} us, a launch that also submits its batch of ${launch.batch.toFixed(0)} ${launch.submit.toFixed(1)} us; ` +
      `an elementwise op (a + a) with the array library's front end: ${launch.op.toFixed(1)} us a launch, submits included`,
  );

  await benchGpuModels(sizes.models, readBw);
  return 0;
}
