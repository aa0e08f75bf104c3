// llama.cpp serving the serve workload (serve-workload.ts) with parallel sequences: one
// context of `sequences` sequences on a random Qwen2-0.5B-shaped Q4_0 model, each
// sequence taking the next waiting request when its last one is done. node-llama-cpp
// evaluates the sequences' pending tokens together, in one llama.cpp batch a cycle (a
// prompt's tokens beside the others' decode tokens): llama.cpp's own continuous batching.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { RequestTimes } from "../serving-stats";
import { writeQwen2Gguf } from "./gguf-qwen2";
import { loadLlama } from "./llama-cpp";
import { QWEN2_0_5B_CONFIG } from "./qwen2-shapes";
import { OUTPUT_LENGTHS, PROMPT_LENGTHS, type ServeRequest } from "./serve-workload";
import { now } from "./stats";

/** What a served workload gives: each request's token times, and the run's seconds. */
export interface Served {
  times: RequestTimes[];
  seconds: number;
}

/** Serves `work` on llama.cpp (Q4_0, `threads` threads) with `sequences` parallel sequences, greedy, ignoring EOS. */
export async function serveLlama(work: readonly ServeRequest[], sequences: number, threads: number, log: (line: string) => void = console.log): Promise<Served> {
  const llama = await loadLlama(threads, log);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-bench-llama-serve-"));
  try {
    const file = path.join(root, "qwen2-0.5b-Q4_0.gguf");
    writeQwen2Gguf(file, QWEN2_0_5B_CONFIG, "Q4_0");
    const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
    try {
      // contextSize is per sequence: the longest prompt and reply fit in each.
      const contextSize = PROMPT_LENGTHS[1] + OUTPUT_LENGTHS[1] + 8;
      const ctx = await model.createContext({ contextSize, batchSize: 512, threads: { ideal: threads, min: threads }, sequences });
      try {
        const times: RequestTimes[] = new Array(work.length);
        let next = 0;
        const start = now();
        await Promise.all(Array.from({ length: sequences }, async () => {
          const seq = ctx.getSequence();
          for (let i = next++; i < work.length; i = next++) {
            await seq.clearHistory();
            const tokenSeconds: number[] = [];
            // yieldEogToken: an end-of-generation token is one more token (EOS ignored).
            for await (const _ of seq.evaluate(work[i].prompt, { temperature: 0, yieldEogToken: true })) {
              tokenSeconds.push(now() - start);
              if (tokenSeconds.length >= work[i].outputTokens) break;
            }
            times[i] = { tokenSeconds };
          }
        }));
        return { times, seconds: now() - start };
      } finally {
        await ctx.dispose();
      }
    } finally {
      await model.dispose();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    await llama.dispose();
  }
}
