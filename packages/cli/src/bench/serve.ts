// `pnpm bench --part serve`: the serving workload (serve-workload.ts: N requests, prompts
// of 16-512 tokens, replies of 16-256, EOS ignored, greedy) on random 4-bit weights in
// Qwen2-0.5B's shapes, served three ways in one run: continuous batching with chunked
// prefill (the solution's Scheduler, batchSize rows), the same requests one at a time
// (week 2's generation: the prompt in one forward, then a token a step), and llama.cpp
// with batchSize parallel sequences (llama-serve.ts). Each reports output tokens/s, time
// to first token and time between tokens (serving-stats.ts).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import * as mx from "@tiny-llm/array";
import { load } from "@tiny-llm/loader";
import type { Activations } from "@tiny-llm/tiny-llm-week2-ref";

import { servingTotals, totalsCells, TOTALS_HEAD, type ServingTotals } from "../serving-stats";
import { loadSolution, week2Of, type CachedModel, type Solution, type SolutionName } from "../solution";
import { serveLlama, type Served } from "./llama-serve";
import { writeQuantizedCheckpoint } from "./quantized-checkpoint";
import { QWEN2_0_5B_CONFIG } from "./qwen2-shapes";
import { SharedRandomCheckpoint } from "./random-checkpoint";
import { serveWorkload, type ServeRequest } from "./serve-workload";
import { now } from "./stats";
import { printColumns } from "./table";

export interface ServeBenchOptions {
  /** The bench's --solution; one without week 2 (week1_ref) runs week2_ref. */
  solution: SolutionName;
  /** Requests in the workload (--requests). */
  requests: number;
  /** Rows of a decode step, and llama.cpp's parallel sequences (--batch-size). */
  batchSize: number;
  /** Most prompt tokens a prefill call runs (--prefill-step). */
  prefillStep: number;
  /** What the 4-bit weights multiply (--activations): x, or x rounded to int8 per group. */
  activations: Activations;
  threads: number;
}

/** The issue's bars (reported, never asserted): batching over one at a time, and over llama.cpp. */
const BARS = { oneAtATime: 4, llama: 1 };

/** `work` through the solution's Scheduler: every request arrives at the start. */
async function serveBatched(Scheduler: NonNullable<Solution["Scheduler"]>, model: CachedModel, work: readonly ServeRequest[], batchSize: number, prefillStep: number): Promise<Served> {
  const scheduler = new Scheduler(model, { batchSize, prefillStep, eosTokenIds: [] });
  const start = performance.now();
  const requests = work.map((w) => scheduler.add(w.prompt, { maxTokens: w.outputTokens }));
  while (!scheduler.done) await scheduler.step();
  const seconds = (performance.now() - start) / 1000;
  requests.forEach((r, i) => {
    if (r.tokens.length !== work[i].outputTokens) throw new Error(`request ${i} ended after ${r.tokens.length} of ${work[i].outputTokens} tokens (${r.finishReason})`);
  });
  return { times: requests.map((r) => ({ tokenSeconds: r.tokenTimes.map((t) => (t - start) / 1000) })), seconds };
}

/** `work` one request after another, as week 2's generation serves one: its prompt in one forward, then a token a step. */
function serveOneAtATime(model: CachedModel, work: readonly ServeRequest[]): Served {
  const start = now();
  const times = work.map((w) => {
    const cache = model.makeCache();
    const tokenSeconds: number[] = [];
    let inputs = mx.array([w.prompt], "int32"); // 1 x L, then 1 x 1
    let offset = 0;
    while (tokenSeconds.length < w.outputTokens) {
      const logits = model.forward(inputs, offset, cache, { lastOnly: true }); // 1 x 1 x V
      offset += inputs.shape[1];
      inputs = mx.array([[logits.reshape(logits.shape[2]).argmax().item() as number]], "int32");
      tokenSeconds.push(now() - start);
    }
    return { tokenSeconds };
  });
  return { times, seconds: now() - start };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** "3.10x (bar >= 4x: LOW)" */
function against(ours: ServingTotals, ref: ServingTotals | null, bar: number): string {
  if (ref === null) return "not measured";
  const r = ours.tokensPerSecond / ref.tokensPerSecond;
  return `${r.toFixed(2)}x (bar >= ${bar}x: ${r >= bar ? "ok" : "LOW"})`;
}

/** Runs the serve part and prints its table. */
export async function benchServe(opts: ServeBenchOptions): Promise<void> {
  const solution = week2Of(opts.solution);
  const impl = await loadSolution(solution);
  if (!impl.Qwen2ModelWeek2 || !impl.Scheduler) throw new Error(`${solution} has no Qwen2ModelWeek2 and Scheduler (week 2, days 1 and 6)`);
  const work = serveWorkload(opts.requests);
  const prompts = work.map((w) => w.prompt.length);
  const replies = work.map((w) => w.outputTokens);
  console.log(
    `workload: ${work.length} requests, prompts of ${Math.min(...prompts)}-${Math.max(...prompts)} tokens (${sum(prompts)} in all), ` +
      `replies of ${Math.min(...replies)}-${Math.max(...replies)} (${sum(replies)} in all), greedy, EOS ignored; all arrive at the start`,
  );
  const checkpoint = new SharedRandomCheckpoint(QWEN2_0_5B_CONFIG, "Qwen2-0.5B");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-bench-serve-"));
  try {
    writeQuantizedCheckpoint(checkpoint.dir(), root, 64, 4);
    checkpoint.remove();
    const loaded = load(root);
    const model = new impl.Qwen2ModelWeek2(loaded, { activations: opts.activations });
    loaded.weights.close();
    model.forward(mx.array([[1, 2, 3, 4]], "int32"), 0, model.makeCache(), { lastOnly: true }); // warm-up

    const label = `${solution} 4-bit g64${opts.activations === "int8" ? ", int8 activations" : ""}`;
    // Each engine's totals as soon as it is done (a run of 32 requests takes a while).
    const done = (served: Served): ServingTotals => {
      const t = servingTotals(served.times, served.seconds);
      console.log(`  ${t.seconds.toFixed(1)} s: ${TOTALS_HEAD.map((h, i) => `${h} ${totalsCells(t)[i]}`).join(", ")}`);
      return t;
    };
    console.log(`serving with continuous batching (${label}, batch ${opts.batchSize}, prefill step ${opts.prefillStep})...`);
    const batched = done(await serveBatched(impl.Scheduler, model, work, opts.batchSize, opts.prefillStep));
    console.log(`serving one request at a time (${label})...`);
    const single = done(serveOneAtATime(model, work));
    console.log(`serving on llama.cpp (Q4_0, ${opts.batchSize} parallel sequences, ${opts.threads} threads)...`);
    let llamaTotals: ServingTotals | null = null;
    try {
      llamaTotals = done(await serveLlama(work, opts.batchSize, opts.threads, () => {}));
    } catch (e) {
      console.log(`llama.cpp: not measured (${((e as Error).message ?? String(e)).split("\n")[0]})`);
    }

    const row = (name: string, t: ServingTotals) => [name, `${t.outputTokens}`, t.seconds.toFixed(1), ...totalsCells(t)];
    console.log("");
    printColumns(["engine", "output tokens", "seconds", ...TOTALS_HEAD], [
      row(`${label}, continuous batching (batch ${opts.batchSize})`, batched),
      row(`${label}, one at a time`, single),
      ...(llamaTotals === null ? [] : [row(`llama.cpp Q4_0, ${opts.batchSize} sequences`, llamaTotals)]),
    ]);
    console.log(`\nthroughput, continuous batching / one at a time: ${against(batched, single, BARS.oneAtATime)}`);
    console.log(`throughput, continuous batching / llama.cpp: ${against(batched, llamaTotals, BARS.llama)}`);
  } finally {
    checkpoint.remove();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
