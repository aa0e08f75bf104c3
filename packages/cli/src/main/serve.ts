// Many prompts at once (`pnpm main --prompts-file F`, `--requests N`): week 2's scheduler
// serves them all with continuous batching and chunked prefill; each answer prints when
// its request ends, then the totals (output tokens/s, time to first token, time between
// tokens) go to stderr.
import * as fs from "node:fs";

import { ms, servingTotals } from "../serving-stats";
import type { MainOptions } from "./args";
import { loadAndBuild, samplingOf, templatedPrompt, warnNoThink, week2Model, type Io } from "./chat";
import { MainError } from "./errors";

/** The questions of --requests N without a file, taken in turn. */
const QUESTIONS = [
  "What is a KV cache?",
  "Why is the sky blue?",
  "Give me a short introduction to large language models.",
  "Write a haiku about autumn.",
  "Explain continuous batching in one paragraph.",
  "What does a tokenizer do?",
  "Name three uses of a hash table.",
  "How does a CPU cache work?",
];

const DEFAULTS = { batchSize: 8, prefillStep: 128 };

/** The user's prompts: the lines of --prompts-file (its first N with --requests), or N of QUESTIONS. */
function userPrompts(opts: MainOptions): string[] {
  if (opts.promptsFile === null) return Array.from({ length: opts.requests ?? 0 }, (_, i) => QUESTIONS[i % QUESTIONS.length]);
  const file = opts.promptsFile;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new MainError(`--prompts-file ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected a text file of prompts, one a line`, 2);
  }
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
  if (lines.length === 0) throw new MainError(`--prompts-file ${file} holds no prompt; expected one prompt a line`, 2);
  if (opts.requests !== null && opts.requests > lines.length) {
    throw new MainError(`--requests ${opts.requests}: --prompts-file ${file} holds ${lines.length} prompts; expected --requests ${lines.length} or fewer`, 2);
  }
  return lines.slice(0, opts.requests ?? lines.length);
}

/** A prompt on one line, at most 70 characters, for the answer's heading. */
const heading = (prompt: string) => (prompt.length > 70 ? `${prompt.slice(0, 67)}...` : prompt);

/** Answers every prompt of --prompts-file / --requests with continuous batching. */
export async function serve(opts: MainOptions, io: Io): Promise<void> {
  const prompts = userPrompts(opts); // a bad file fails before the model loads
  const { solution, loaded, built: model } = await loadAndBuild(opts, io, (solution, week, loaded) => {
    if (week < 2) throw new MainError("many prompts at once run on week 2's model (continuous batching, book: week2-06-continuous-batching.md); use --week 2 (or --solution week2_ref)", 2);
    return week2Model(solution, loaded, opts);
  });
  const { Scheduler } = solution;
  if (Scheduler === undefined) throw new MainError(`${opts.solution} has no Scheduler (week 2, day 6); use --solution week2_ref`, 2);
  warnNoThink(loaded, opts, io);
  const sampler = solution.makeSampler(samplingOf(opts, io));
  const { tokenizer } = loaded;
  const batchSize = opts.batchSize ?? DEFAULTS.batchSize;
  const prefillStep = opts.prefillStep ?? DEFAULTS.prefillStep;
  const scheduler = new Scheduler(model, {
    batchSize, prefillStep, maxTokens: opts.maxTokens, eosTokenIds: loaded.eosTokenIds, sampler,
    onFinish: (r) => {
      const ended = r.finishReason === "context" ? " (stopped: the model's context is full)" : "";
      io.out(`\n[${r.id + 1}/${prompts.length}] ${heading(prompts[r.id])}${ended}\n${tokenizer.decode([...r.tokens], { skipSpecialTokens: true })}\n`);
    },
  });
  const start = performance.now();
  const requests = prompts.map((p) => scheduler.add(tokenizer.encode(templatedPrompt(loaded, opts, p))));
  while (!scheduler.done) await scheduler.step();
  const t = servingTotals(requests.map((r) => ({ tokenSeconds: r.tokenTimes.map((ms) => (ms - start) / 1000) })), (performance.now() - start) / 1000);

  const stops = new Map<string, number>();
  for (const r of requests) stops.set(r.finishReason ?? "-", (stops.get(r.finishReason ?? "-") ?? 0) + 1);
  const promptTokens = requests.reduce((n, r) => n + r.prompt.length, 0);
  io.err("==========");
  io.err(`requests: ${t.requests} (batch ${batchSize}, prefill step ${prefillStep}), prompt tokens: ${promptTokens}, generated: ${t.outputTokens} tokens in ${t.seconds.toFixed(2)} s`);
  io.err(`output: ${t.tokensPerSecond.toFixed(1)} tokens/s`);
  io.err(`time to first token: p50 ${ms(t.ttft.p50)}, p95 ${ms(t.ttft.p95)}`);
  io.err(`time between tokens: p50 ${ms(t.tbt.p50)}, p95 ${ms(t.tbt.p95)}`);
  io.err(`stop: ${[...stops].map(([why, n]) => `${n} ${why}`).join(", ")}`);
  io.err(`memory: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB peak resident`);
}
