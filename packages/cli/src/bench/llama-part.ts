// `pnpm bench --part llama`: llama.cpp's figures on Qwen2-0.5B shapes, Q4_0 and F16, and,
// given ours for the same shapes, the ratio ours / llama.cpp beside each.
import type { GgufWeights } from "./gguf-qwen2";
import { LLAMA_DECODE_CONTEXTS, LLAMA_PREFILL_TOKENS, benchLlamaCpp, type LlamaFigures } from "./llama-cpp";
import { NODE_LLAMA_CPP_VERSION, prebuiltPackage } from "./llama-cpp-install";
import { printColumns } from "./table";

/** Our model's figures for the row of one llama.cpp weight type (4-bit against Q4_0, bf16 against F16). */
export interface OursFigures {
  /** What ran, e.g. "week2_ref 4-bit g64". */
  label: string;
  /** Tokens/s of a LLAMA_PREFILL_TOKENS-token prefill. */
  prefill: number;
  /** Decode tokens/s by context; contexts of LLAMA_DECODE_CONTEXTS missing here show "-". */
  decode: Record<number, number>;
}

/** Ours by the llama.cpp weights each row is set against: "Q4_0" (our 4-bit runs), "F16" (our bf16). */
export type OursByWeights = Partial<Record<GgufWeights, OursFigures[]>>;

const ratio = (ours: number | undefined, ref: number) => (ours === undefined ? "-" : `${(ours / ref).toFixed(2)}x`);

/** Prints llama.cpp's figures, with ours and the ratios when `ours` is given. */
export function printLlamaTable(llama: LlamaFigures[], ours?: OursByWeights): void {
  const head = ["llama.cpp", "file GB", `prefill ${LLAMA_PREFILL_TOKENS} tok/s`, "context", "decode tok/s"];
  if (ours) head.push("ours", "prefill ours/llama", "decode ours/llama");
  const rows: string[][] = [];
  for (const f of llama) {
    const mine: (OursFigures | undefined)[] = ours?.[f.weights] ?? [undefined];
    mine.forEach((o, j) =>
      LLAMA_DECODE_CONTEXTS.forEach((c, i) => {
        const first = i === 0;
        const head = first && j === 0; // llama.cpp's own cells once per weight type
        const row = [head ? f.weights : "", head ? (f.fileBytes / 1e9).toFixed(2) : "", head ? f.prefill.toFixed(1) : "", `${c}`, f.decode[c].toFixed(2)];
        if (ours) row.push(first ? o?.label ?? "-" : "", first ? ratio(o?.prefill, f.prefill) : "", ratio(o?.decode[c], f.decode[c]));
        rows.push(row);
      }),
    );
  }
  printColumns(head, rows);
}

/**
 * Runs llama.cpp on `threads` threads and prints its table (with `ours` when given).
 * Returns its figures, or throws a one-line error (no prebuilt binary, npm failed, ...).
 */
export async function benchLlamaPart(threads: number, ours?: OursByWeights): Promise<LlamaFigures[]> {
  console.log(`\n== llama.cpp (node-llama-cpp ${NODE_LLAMA_CPP_VERSION}, prebuilt ${prebuiltPackage()}, CPU, ${threads} threads): random weights in Qwen2-0.5B's shapes ==`);
  const figures = await benchLlamaCpp(threads);
  console.log(
    `prefill of ${LLAMA_PREFILL_TOKENS} tokens into an empty context (median of runs after a warm-up); ` +
      `greedy decode steps at context c (median after a warm-up step):`,
  );
  printLlamaTable(figures, ours);
  return figures;
}
