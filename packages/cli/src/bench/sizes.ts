// `pnpm bench --part sizes`: week 2's model at larger shapes than the model part's
// Qwen2-0.5B: Qwen2-1.5B's and Qwen2-7B's, MLX 4-bit (group 64), written as random codes
// straight away (writeRandomCheckpoint; a 7B bf16 folder would be 15 GB), timed as
// model-week2.ts times 0.5B (prefill of 128 tokens, decode at contexts 16 to 2048 against
// the roofline); then llama.cpp Q4_0 at Qwen2-1.5B's shapes with the ratios beside it.
import type { SolutionName } from "../solution";
import { printLlamaTable } from "./llama-part";
import { benchLlamaCpp } from "./llama-cpp";
import { benchFolders, folderBytes, printWeek2Table, QUANT, week2Model } from "./model-week2";
import { QWEN2_1_5B_CONFIG, QWEN2_7B_CONFIG, shapesOf } from "./qwen2-shapes";
import { SharedRandomCheckpoint } from "./random-checkpoint";

const SIZES = [
  { label: "Qwen2-1.5B", config: QWEN2_1_5B_CONFIG, llama: true },
  { label: "Qwen2-7B", config: QWEN2_7B_CONFIG, llama: false },
];

/** Runs the sizes part: each size's week 2 table, then llama.cpp beside the sizes marked `llama`. */
export async function benchSizes(opts: { solution: SolutionName; readBandwidth: number; threads: number }): Promise<void> {
  const { solution, Model } = await week2Model(opts.solution, "Qwen2ModelWeek2");
  for (const size of SIZES) {
    console.log(`\n== model, week 2: ${size.label} shapes, random MLX 4-bit weights (group ${QUANT.groupSize}) ==`);
    const checkpoint = new SharedRandomCheckpoint(size.config, size.label, { group_size: QUANT.groupSize, bits: QUANT.bits });
    try {
      const dir = checkpoint.dir();
      const s = shapesOf(size.config);
      const runs = [{ kind: "4-bit", dir }, { kind: "4-bit int8", dir, activations: "int8" as const }];
      const { rows, ratios, ours } = benchFolders(Model, "Qwen2ModelWeek2", solution, s, runs, size.llama);
      printWeek2Table(solution, opts.readBandwidth, rows, ratios);
      console.log(`checkpoint files ${(folderBytes(dir) / 1e9).toFixed(2)} GB`);
      if (size.llama) {
        console.log(`\nllama.cpp at ${size.label}'s shapes, Q4_0 (${opts.threads} threads), with ${solution}'s 4-bit runs above:`);
        const figures = await benchLlamaCpp(opts.threads, console.log, size, ["Q4_0"], ours);
        printLlamaTable(figures.llama, figures.ours);
      }
    } finally {
      checkpoint.remove();
    }
  }
}
