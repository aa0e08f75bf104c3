// The speculative decoding rows of `pnpm bench --part spec`: a solution's
// speculativeGenerate with an MLX 4-bit draft (every matrix quantized itself, group 64)
// of Qwen2-0.5B-shaped random bf16 weights, against each bf16 target decoding alone,
// greedy, in the same run. The bar: >= 1.5x decode tokens/s with output identical to
// the target's own.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { load, type Tokenizer } from "@tiny-llm/loader";
import type { Activations } from "@tiny-llm/tiny-llm-week2-ref";
import { ensureTinyModels, TINY_MODEL_4BIT_DIR, TINY_MODEL_DIR } from "@tiny-llm/tiny-model";

import { loadSolution, week2Of, type CachedModel, type Solution, type SolutionName } from "../solution";
import { WARMUP_DECODE_STEPS } from "./model-week2";
import { benchPrefixCache } from "./prefix-cache";
import { writeQuantizedCheckpoint } from "./quantized-checkpoint";
import type { SharedRandomCheckpoint } from "./random-checkpoint";
import { median, now } from "./stats";
import { printColumns } from "./table";

const PROMPT = "Give me a short introduction to large language model.";
const NEW_TOKENS = 64;
const DRAFT_TOKENS = [2, 3, 4];
// Speculative runs per k, each between two runs of the target alone; the row's speed-up is
// their median. On the bench's 2-core EPYCs the same pair measured 1.27x and 1.62x in two
// single runs a minute apart.
const RUNS = 3;
const SPEED_UP_BAR = 1.5;

/** A solution that covers week 2: its model, speculative decoding and prefix cache. */
type Week2Solution = Required<Pick<Solution, "Qwen2ModelWeek2" | "simpleGenerateWithKvCache" | "speculativeGenerate" | "PrefixCache" | "simpleGenerateWithPrefixCache">>;

/** The solution's week 2 API (week2_ref for one that stops at week 1). */
async function week2Solution(name: SolutionName): Promise<{ solution: SolutionName; impl: Week2Solution }> {
  const solution = week2Of(name);
  const impl = await loadSolution(solution);
  const { Qwen2ModelWeek2, simpleGenerateWithKvCache, speculativeGenerate, PrefixCache, simpleGenerateWithPrefixCache } = impl;
  if (!Qwen2ModelWeek2 || !simpleGenerateWithKvCache || !speculativeGenerate || !PrefixCache || !simpleGenerateWithPrefixCache) {
    throw new Error(`${solution} has no week 2 model, speculative decoding or prefix cache`);
  }
  return { solution, impl: { Qwen2ModelWeek2, simpleGenerateWithKvCache, speculativeGenerate, PrefixCache, simpleGenerateWithPrefixCache } };
}

/** Decode tokens/s of a result: the tokens after the first over the seconds after the prefill. */
const decodeRate = (r: { tokens: number[]; decodeSeconds: number }) => (r.tokens.length - 1) / r.decodeSeconds;

/** A model built from a checkpoint folder (its quantized weights times `activations`), and the folder's tokenizer. */
function loadModel(impl: Week2Solution, dir: string, activations: Activations = "float32"): { model: CachedModel; tokenizer: Tokenizer } {
  const loaded = load(dir);
  const model = new impl.Qwen2ModelWeek2(loaded, { activations });
  loaded.weights.close();
  return { model, tokenizer: loaded.tokenizer };
}

/**
 * Greedy generation of NEW_TOKENS tokens by `target` alone and with `draft` at each k,
 * the table's rows for this pair and the best speed-up at output identical to the
 * target's. The machine may be shared, so each speculative run sits between two runs of
 * the target alone and is compared with their mean, RUNS times for each k, and the row
 * gives the median. The models come warmed up; the speculative loop is warmed up here,
 * with this pair.
 */
async function benchPair(impl: Week2Solution, label: string, target: CachedModel, draft: CachedModel, tokenizer: Tokenizer): Promise<{ rows: string[][]; best: number }> {
  const opts = { eosTokenIds: [] as number[], maxTokens: NEW_TOKENS };
  const alone = () => impl.simpleGenerateWithKvCache(target, tokenizer, PROMPT, opts);
  await impl.speculativeGenerate(target, draft, tokenizer, PROMPT, { ...opts, numDraftTokens: DRAFT_TOKENS[0] });
  let before = await alone();
  const rows: string[][] = [];
  let best = 0;
  for (const k of DRAFT_TOKENS) {
    const aloneRates = [decodeRate(before)];
    const specRates: number[] = [];
    const speedUps: number[] = [];
    let same = true;
    let r!: Awaited<ReturnType<Week2Solution["speculativeGenerate"]>>;
    for (let i = 0; i < RUNS; i++) {
      r = await impl.speculativeGenerate(target, draft, tokenizer, PROMPT, { ...opts, numDraftTokens: k });
      const after = await alone();
      specRates.push(decodeRate(r));
      speedUps.push(decodeRate(r) / ((decodeRate(before) + decodeRate(after)) / 2));
      aloneRates.push(decodeRate(after));
      same &&= r.tokens.join() === before.tokens.join();
      before = after;
    }
    const speedUp = median(speedUps);
    if (same) best = Math.max(best, speedUp);
    rows.push([
      rows.length === 0 ? label : "", `k = ${k}`, (r.acceptedTokens / r.draftedTokens).toFixed(2), `${r.acceptedTokens}/${r.draftedTokens}`,
      `${Math.min(...aloneRates).toFixed(2)}-${Math.max(...aloneRates).toFixed(2)}`, median(specRates).toFixed(2),
      `${speedUp.toFixed(2)}x (${speedUps.map((x) => x.toFixed(2)).join(", ")})`, same ? "yes" : "NO",
    ]);
  }
  return { rows, best };
}

/**
 * Runs the rows; `checkpoint` is the random bf16 Qwen2-0.5B. Two pairs, one 4-bit draft:
 * the random bf16 weights as the target, and the draft's own weights dequantized to bf16
 * as the target (a bf16 checkpoint on its 4-bit copy's grid, as quantization-aware
 * training leaves one). Then the prefix cache's rows on the 4-bit checkpoint.
 */
export async function benchSpeculative(opts: { solution: SolutionName; checkpoint: SharedRandomCheckpoint }): Promise<void> {
  const { solution, impl } = await week2Solution(opts.solution);
  // The tiny pair first: an exercise not written yet fails in a second.
  ensureTinyModels();
  const [tinyTarget, tinyDraft] = [TINY_MODEL_DIR, TINY_MODEL_4BIT_DIR].map((dir) => loadModel(impl, dir));
  await impl.speculativeGenerate(tinyTarget.model, tinyDraft.model, tinyTarget.tokenizer, PROMPT, { maxTokens: 4 });

  const draftDir = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-bench-draft-"));
  const onGridDir = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-bench-on-grid-"));
  try {
    const bf16 = opts.checkpoint.dir();
    let t = now();
    writeQuantizedCheckpoint(bf16, draftDir, 64, 4, { dequantizedTo: onGridDir });
    console.log(`wrote its exact MLX 4-bit copy (group 64, every matrix quantized) and that copy dequantized to bf16 in ${(now() - t).toFixed(1)} s`);
    t = now();
    const [random, onGrid, draft] = [bf16, onGridDir, draftDir].map((dir) => loadModel(impl, dir));
    // The same draft multiplying x quantized to int8 (week2-02): cheaper steps, drafts a little less like its float32 self.
    const draftInt8 = loadModel(impl, draftDir, "int8");
    console.log(`loaded the two bf16 targets and the 4-bit draft in ${(now() - t).toFixed(1)} s`);
    const { tokenizer } = random;
    // Untimed decode steps of every model first (model-week2.ts: V8 compiles a step's functions over its first hundred or so).
    for (const m of [random, onGrid, draft, draftInt8]) await impl.simpleGenerateWithKvCache(m.model, tokenizer, PROMPT, { maxTokens: WARMUP_DECODE_STEPS, eosTokenIds: [] });
    const aloneRate = (m: CachedModel) => impl.simpleGenerateWithKvCache(m, tokenizer, PROMPT, { maxTokens: NEW_TOKENS, eosTokenIds: [] });
    const draftAlone = await aloneRate(draft.model);
    const draftInt8Alone = await aloneRate(draftInt8.model);
    const pairs = [
      await benchPair(impl, "random bf16", random.model, draft.model, tokenizer),
      await benchPair(impl, "bf16 on the draft's grid", onGrid.model, draft.model, tokenizer),
      await benchPair(impl, "bf16 on the draft's grid, draft x int8", onGrid.model, draftInt8.model, tokenizer),
    ];
    console.log(
      `\nSpeculative decoding (${solution}), greedy, ${NEW_TOKENS} new tokens of a ${draftAlone.promptTokens}-token prompt, EOS ignored; ` +
        `decode tok/s = tokens after the first / seconds after the prefill, each model and the speculative loop warmed up by ${WARMUP_DECODE_STEPS} untimed steps first; each speculative run against the mean of the target alone just before and just after it, ${RUNS} runs for each k and their median; ` +
        `the draft alone decodes ${decodeRate(draftAlone).toFixed(2)} tok/s (x int8: ${decodeRate(draftInt8Alone).toFixed(2)}):`,
    );
    printColumns(["target", "draft", "acceptance", "kept/drafted", "alone tok/s (around the runs)", "speculative tok/s (median)", "speed-up: median (each run)", "same tokens as target"], pairs.flatMap((p) => p.rows));
    const best = Math.max(...pairs.map((p) => p.best));
    console.log(`best speed-up at identical output: ${best.toFixed(2)}x (bar >= ${SPEED_UP_BAR.toFixed(2)}x) ${best >= SPEED_UP_BAR ? "ok" : "BELOW BAR"}`);
    await benchPrefixCache(impl, solution, draftDir);
  } finally {
    for (const dir of [draftDir, onGridDir]) fs.rmSync(dir, { recursive: true, force: true });
  }
}
