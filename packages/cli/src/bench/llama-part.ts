// `pnpm bench --part llama`: llama.cpp's figures on Qwen2-0.5B shapes, Q4_0 and F16, and,
// given our models for the same shapes, theirs timed in turns with it and the ratio ours /
// llama.cpp beside each.
import { LLAMA_DECODE_CONTEXTS, LLAMA_PREFILL_TOKENS, benchLlamaCpp, type LlamaFigures, type OursByWeights, type OursFigures, type OursRunners } from "./llama-cpp";
import { NODE_LLAMA_CPP_VERSION, prebuiltPackage } from "./llama-cpp-install";
import { printColumns } from "./table";

const ratio = (ours: number | undefined, ref: number) => (ours === undefined ? "-" : `${(ours / ref).toFixed(2)}x`);

/** Prints llama.cpp's figures, with ours and the ratios when `ours` is given. */
export function printLlamaTable(llama: LlamaFigures[], ours?: OursByWeights): void {
  // A decode step reads the whole file's weights: its tok/s times the file's bytes, against
  // the plain read of the same minutes, is how close llama.cpp runs to the memory's limit.
  const head = ["llama.cpp", "file GB", `prefill ${LLAMA_PREFILL_TOKENS} tok/s`, "read GB/s", "context", "decode tok/s", "file GB/s", "of read"];
  if (ours) head.push("ours", "prefill ours/llama", "decode ours/llama");
  const rows: string[][] = [];
  for (const f of llama) {
    const mine: (OursFigures | undefined)[] = ours?.[f.weights] ?? [undefined];
    mine.forEach((o, j) =>
      LLAMA_DECODE_CONTEXTS.forEach((c, i) => {
        const first = i === 0;
        const head = first && j === 0; // llama.cpp's own cells once per weight type
        const bw = f.fileBytes * f.decode[c];
        const row = [
          head ? f.weights : "", head ? (f.fileBytes / 1e9).toFixed(2) : "", head ? f.prefill.toFixed(1) : "", head ? (f.read / 1e9).toFixed(1) : "",
          `${c}`, f.decode[c].toFixed(2), (bw / 1e9).toFixed(1), `${((bw / f.read) * 100).toFixed(0)}%`,
        ];
        if (ours) row.push(first ? o?.label ?? "-" : "", first ? ratio(o?.prefill, f.prefill) : "", ratio(o?.decode[c], f.decode[c]));
        rows.push(row);
      }),
    );
  }
  printColumns(head, rows);
}

/**
 * Runs llama.cpp on `threads` threads and prints its table (with `ours`, timed in turns
 * with it, when given). Returns its figures, or throws a one-line error (no prebuilt
 * binary, npm failed, ...).
 */
export async function benchLlamaPart(threads: number, ours?: OursRunners): Promise<LlamaFigures[]> {
  console.log(`\n== llama.cpp (node-llama-cpp ${NODE_LLAMA_CPP_VERSION}, prebuilt ${prebuiltPackage()}, CPU, ${threads} threads): random weights in Qwen2-0.5B's shapes ==`);
  const figures = await benchLlamaCpp(threads, console.log, undefined, undefined, ours);
  console.log(
    `prefill of ${LLAMA_PREFILL_TOKENS} tokens into an empty context; greedy decode steps at context c (after a warm-up step); ` +
      `medians of 3 rounds${ours ? ", each timing llama.cpp, then ours" : ""}; file GB/s = the file's bytes x decode tok/s, against the plain read taken before each round's decode steps:`,
  );
  printLlamaTable(figures.llama, ours ? figures.ours : undefined);
  return figures.llama;
}
