// The serving benchmark's workload, as nano-vllm's bench.py draws it: N requests of
// random token ids, each with its own prompt length and output length, from a fixed seed,
// so that every engine of a run (and every run) serves the same requests.

/** One request of the workload: its prompt's token ids and how many tokens it must generate. */
export interface ServeRequest {
  prompt: number[];
  outputTokens: number;
}

/** Prompt lengths 16-512 and output lengths 16-256, uniform (both ends included). */
export const PROMPT_LENGTHS = [16, 512] as const;
export const OUTPUT_LENGTHS = [16, 256] as const;

/** A small seeded generator (mulberry32): uniform numbers in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` requests from `seed`; token ids are ordinary vocabulary entries (1000 .. 100999). */
export function serveWorkload(n: number, seed = 0): ServeRequest[] {
  const random = mulberry32(seed);
  const between = ([lo, hi]: readonly [number, number]) => lo + Math.floor(random() * (hi - lo + 1));
  return Array.from({ length: n }, () => {
    const length = between(PROMPT_LENGTHS);
    return { prompt: Array.from({ length }, () => between([1000, 100999])), outputTokens: between(OUTPUT_LENGTHS) };
  });
}
