// Where a kernel package's WGSL comes from. The reference and the learner's package
// share every line of TypeScript around their kernels (bind-kernels.ts); they differ in
// the folder their .wgsl files are read from: this package's wgsl/, or the learner's,
// whose files ship as stubs (the declarations, and an entry point with an empty body).
import * as fs from "fs";
import * as path from "path";

/** The GPU kernels, one .wgsl file each, with the exercise that writes it. */
export const GPU_KERNELS = {
  quantized_matmul_decode: { task: "week_2_day_3_task_1", book: "week2-03-quantized-matmul-gpu.md" },
  quantized_matmul_tiled: { task: "week_2_day_3_task_2", book: "week2-03-quantized-matmul-gpu.md" },
  quantize_activations: { task: "week_2_day_3_task_3", book: "week2-03-quantized-matmul-gpu.md" },
  quantized_matmul_decode_int8: { task: "week_2_day_3_task_3", book: "week2-03-quantized-matmul-gpu.md" },
  quantized_matmul_tiled_int8: { task: "week_2_day_3_task_3", book: "week2-03-quantized-matmul-gpu.md" },
  quantized_matmul_tiled_f16: { task: "week_2_day_3_task_4", book: "week2-03-quantized-matmul-gpu.md" },
  flash_attention: { task: "week_2_day_5_task_1", book: "week2-05-flash-attention-gpu.md" },
  flash_attention_combine: { task: "week_2_day_5_task_2", book: "week2-05-flash-attention-gpu.md" },
} as const;

export type GpuKernelName = keyof typeof GPU_KERNELS;

/** A kernel's WGSL by name (read on first use), and the folder it comes from. */
export type WgslSource = ((kernel: GpuKernelName) => string) & { folder: string };

/** An entry point `main` whose body holds nothing but whitespace and comments. */
const EMPTY_MAIN = /\bfn\s+main\s*\([\s\S]*?\)\s*\{(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*\}/;

/** The error a stub raises, as the workbook's (named NotImplementedError, naming task and chapter). */
function notImplemented(kernel: GpuKernelName): Error {
  const { task, book } = GPU_KERNELS[kernel];
  const err = new Error(`${kernel}.wgsl is not implemented yet (${task}; book: ${book})`);
  err.name = "NotImplementedError";
  return err;
}

/**
 * The kernels of folder `dir` (`<dir>/<kernel>.wgsl`). A kernel whose `main` is still
 * empty (the learner's stub) raises NotImplementedError naming its task and chapter.
 */
export function wgslFolder(dir: string): WgslSource {
  const cache = new Map<GpuKernelName, string | null>(); // null: a stub
  const source = (kernel: GpuKernelName) => {
    let text = cache.get(kernel);
    if (text === undefined) {
      const read = fs.readFileSync(path.join(dir, `${kernel}.wgsl`), "utf8");
      cache.set(kernel, (text = EMPTY_MAIN.test(read) ? null : read));
    }
    if (text === null) throw notImplemented(kernel);
    return text;
  };
  return Object.assign(source, { folder: dir });
}
