// One chat turn: load the model, template the prompt, stream the answer, report speed.
import { randomInt } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import { load, type LoadedModel } from "@tiny-llm/loader";
import { ensureTinyModels, TRAINED_MODEL_DIR } from "@tiny-llm/tiny-model";
import type { GenerateOptions, GenerateResult, SamplerOptions } from "@tiny-llm/tiny-llm-week1-ref";

import type { MainOptions } from "./args";
import { checkMatrixUnits, settle, useDevice } from "./device";
import { MainError } from "./errors";
import { showLoadProgress } from "./load-progress";
import { overlappedGenerateWithKvCache, type ReplayedResult } from "./overlapped-generate";
import { defaultWeek, lastWeek, loadSolution, type CachedModel, type Solution, type SpeculativeResult } from "../solution";

/** Where to send text: stdout for the answer, stderr for everything else. */
export interface Io {
  out: (text: string) => void;
  err: (line: string) => void;
}

const HF_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9_.-]+$/;
const GET_A_MODEL = "to run a real model: hf download Qwen/Qwen2-0.5B-Instruct-MLX (pip install -U huggingface_hub gives hf), then --model Qwen/Qwen2-0.5B-Instruct-MLX";

/** The model folder (or Hugging Face id) to load for --model (or --draft-model) `name`. */
export function chooseModel(name: string | null): string {
  if (name === null) {
    ensureTinyModels(); // a no-op after `pnpm install`; makes the folder if it was deleted
    return TRAINED_MODEL_DIR;
  }
  // The current directory is the user's (see main.ts), so relative paths work as typed.
  return fs.existsSync(name) ? path.resolve(name) : name;
}

/** load(), with a pointer to real models when the name is neither a folder nor an org/name id. */
export function loadModel(name: string | null, where: string): LoadedModel {
  try {
    return load(where);
  } catch (e) {
    if (e instanceof Error && e.name === "LoaderError" && name !== null && !fs.existsSync(where) && !HF_ID.test(name)) {
      e.message += `; ${GET_A_MODEL}`;
    }
    throw e;
  }
}

/** The text the model sees for the user's `text`: the chat template around the messages, or the text as is. */
export function templatedPrompt(loaded: LoadedModel, opts: MainOptions, text: string): string {
  if (opts.raw) return text;
  const messages = [...(opts.system === null ? [] : [{ role: "system", content: opts.system }]), { role: "user", content: text }];
  try {
    return loaded.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, extra: opts.noThink ? { enable_thinking: false } : undefined });
  } catch (e) {
    if (e instanceof Error && e.name === "LoaderError") e.message += "; or pass --raw to send the prompt without a template";
    throw e;
  }
}

/** Says so when --no-think cannot change this model's prompt. */
export function warnNoThink(loaded: LoadedModel, opts: MainOptions, io: Io): void {
  if (!opts.raw && opts.noThink && !(loaded.tokenizer.chatTemplate ?? "").includes("enable_thinking")) {
    io.err("--no-think: this model's chat template has no enable_thinking switch (Qwen3's has); the prompt is the same without it");
  }
}

/** How many tokens to generate, and why that many (for the messages). */
interface TokenLimit {
  maxTokens: number;
  why: string;
}

/** --max-tokens, capped so that prompt and answer fit the model's context. */
function tokenLimit(requested: number, promptTokens: number, context: number): TokenLimit {
  if (promptTokens + requested <= context) return { maxTokens: requested, why: `--max-tokens ${requested}` };
  const maxTokens = context - promptTokens;
  return { maxTokens, why: `${maxTokens} tokens, what the model's context of ${context} leaves after the ${promptTokens}-token prompt` };
}

const rate = (n: number, s: number) => (n > 0 && s > 0 ? `${(n / s).toFixed(1)} tokens/s` : "-");

/** The closing report (stderr). Decode steps are the model calls after the first. */
function report(r: GenerateResult | SpeculativeResult | ReplayedResult, limit: TokenLimit, io: Io): void {
  // The first call (prefill) gives the first token; each later call gives one more,
  // and a final call may give the EOS token, which is not in r.tokens.
  const steps = r.tokens.length + (r.stopReason === "eos" ? 1 : 0) - 1;
  const stop = r.stopReason === "eos" ? "eos (the model ended its reply)" : `length (${limit.why})`;
  io.err("==========");
  io.err(`prompt: ${r.promptTokens} tokens, prefill ${rate(r.promptTokens, r.prefillSeconds)} (${r.prefillSeconds.toFixed(3)} s)`);
  io.err(`generated: ${r.tokens.length} tokens, decode ${rate(steps, r.decodeSeconds)} (${steps} steps in ${r.decodeSeconds.toFixed(3)} s)`);
  io.err(`stop: ${stop}`);
  if ("replayedSteps" in r) {
    const why = r.replayedSteps === 0 && r.replayRefusal !== null ? `; none, as ${r.replayRefusal}` : "";
    io.err(`replayed: ${r.replayedSteps} of ${steps} decode steps (a graph of a recorded step: DecodeGraph, book: week2-03${why})`);
  }
  if ("draftedTokens" in r) {
    const rate = r.draftedTokens > 0 ? (r.acceptedTokens / r.draftedTokens).toFixed(2) : "-";
    io.err(`speculative: ${r.acceptedTokens} of ${r.draftedTokens} drafted tokens kept (acceptance rate ${rate})`);
  }
  io.err(`memory: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB peak resident`);
}

/** A generation loop over a built model: the options of simpleGenerate, and the sampler's (for speculative decoding, which samples itself). */
type Generate = (prompt: string, opts: GenerateOptions, sampling: SamplerOptions) => Promise<GenerateResult | SpeculativeResult | ReplayedResult>;

/** The chosen week's model, built from the checkpoint, and its generation loop (with --draft-model, speculative). */
function generatorOf(solution: Solution, week: number, loaded: LoadedModel, opts: MainOptions, io: Io): Generate {
  const qwen3 = loaded.config.modelType === "qwen3";
  if (week === 1 && qwen3) {
    throw new MainError(`${loaded.path} is a Qwen3 checkpoint, which week 2's Qwen3ModelWeek2 runs (book: week2-qwen3.md), not week 1's Qwen2 model; use --week 2 (or --solution week2_ref)`, 2);
  }
  if (week === 1 && opts.activations !== "float32") {
    throw new MainError(`--activations ${opts.activations} runs on week 2's model (its quantized matmul, book: week2-02-quantized-matmul.md); use --week 2 (or --solution week2_ref)`, 2);
  }
  if (week === 1 && opts.kvDtype !== "float32") {
    throw new MainError(`--kv-dtype ${opts.kvDtype} sets week 2's KV cache (book: week2-01-kv-cache.md); week 1's model has none: use --week 2 (or --solution week2_ref)`, 2);
  }
  if (opts.activations === "float16") checkMatrixUnits(opts.device);
  if (week === 1 && opts.draftModel !== null) {
    throw new MainError("--draft-model: speculative decoding runs on week 2's model (KV cache); use --week 2 (or --solution week2_ref)", 2);
  }
  if (week === 1) {
    const model = new solution.Qwen2ModelWeek1(loaded);
    return (prompt, o) => solution.simpleGenerate(model, loaded.tokenizer, prompt, o);
  }
  const model = week2Model(solution, loaded, opts);
  if (opts.draftModel !== null) return speculativeGeneratorOf(solution, model, loaded, opts, io);
  const { simpleGenerateWithKvCache } = solution;
  if (simpleGenerateWithKvCache === undefined) throw new MainError("this solution has no week 2 generation", 2);
  // On the GPU, the host records each step while the GPU runs the one before (overlapped-generate.ts).
  if (opts.device === "gpu") return (prompt, o) => overlappedGenerateWithKvCache(model, loaded.tokenizer, prompt, { ...o, sampler: o.sampler ?? solution.makeSampler() });
  return (prompt, o) => simpleGenerateWithKvCache(model, loaded.tokenizer, prompt, o);
}

/** Week 2's model of the checkpoint, by config.json's model_type (Qwen2 and Qwen2.5 are "qwen2"), with --activations and --kv-dtype. */
export function week2Model(solution: Solution, loaded: LoadedModel, opts: Pick<MainOptions, "activations" | "kvDtype">): CachedModel {
  const qwen3 = loaded.config.modelType === "qwen3";
  const Model = qwen3 ? solution.Qwen3ModelWeek2 : solution.Qwen2ModelWeek2;
  if (Model === undefined) throw new MainError(`this solution has no week 2 ${qwen3 ? "Qwen3" : "Qwen2"} model`, 2);
  return new Model(loaded, { activations: opts.activations, kvDtype: opts.kvDtype });
}

/** --draft-model's model, loaded into week 2's model, drafting for `target` with the solution's speculativeGenerate. */
function speculativeGeneratorOf(solution: Solution, target: CachedModel, loaded: LoadedModel, opts: MainOptions, io: Io): Generate {
  const { speculativeGenerate } = solution;
  if (speculativeGenerate === undefined) throw new MainError(`--draft-model: ${opts.solution} has no speculative decoding (week 2, day 8); use --solution week2_ref`, 2);
  const where = chooseModel(opts.draftModel);
  io.err(`Loading the draft model ${where}...`);
  const draftLoaded = loadModel(opts.draftModel, where);
  draftLoaded.weights.device = opts.device;
  let draft: CachedModel;
  try {
    draft = week2Model(solution, draftLoaded, opts);
  } finally {
    draftLoaded.weights.close();
  }
  const numDraftTokens = opts.numDraftTokens ?? undefined;
  return (prompt, o, sampling) =>
    speculativeGenerate(target, draft, loaded.tokenizer, prompt, {
      maxTokens: o.maxTokens, eosTokenIds: o.eosTokenIds, onText: o.onText, temperature: sampling.temperature, seed: sampling.seed, numDraftTokens,
    });
}

/**
 * The solution of --solution and the checkpoint of --model, loaded (with a progress line)
 * onto --device and built into a model by `build` for the week of --week; the checkpoint
 * file closes after.
 */
export async function loadAndBuild<T>(opts: MainOptions, io: Io, build: (solution: Solution, week: number, loaded: LoadedModel) => T): Promise<{ solution: Solution; loaded: LoadedModel; built: T }> {
  const week = opts.week ?? defaultWeek(opts.solution);
  if (week > lastWeek(opts.solution)) {
    throw new MainError(`--week ${week}: ${opts.solution} covers weeks up to ${lastWeek(opts.solution)}; use --solution week${week}_ref or --week ${lastWeek(opts.solution)}`, 2);
  }
  const solution = await loadSolution(opts.solution);
  await useDevice(opts.device, io, opts.solution);
  const where = chooseModel(opts.model);
  io.err(`Loading ${where} (${opts.solution}, week ${week}${opts.device === "gpu" ? ", on the GPU" : ""})...`);
  const loaded = loadModel(opts.model, where);
  loaded.weights.device = opts.device;
  const done = showLoadProgress(loaded.weights, process.stderr);
  let built: T;
  try {
    built = build(solution, week, loaded);
  } finally {
    done();
    loaded.weights.close(); // the model holds its arrays now
  }
  await settle(opts.device);
  return { solution, loaded, built };
}

/** The sampler options of --temperature, --top-k, --top-p, --min-p and --seed, said on stderr. */
export function samplingOf(opts: MainOptions, io: Io): SamplerOptions {
  const sampling: SamplerOptions = { temperature: opts.temperature, topK: opts.topK, topP: opts.topP, minP: opts.minP };
  if (opts.temperature > 0) {
    sampling.seed = opts.seed ?? randomInt(0, 2 ** 31);
    const knobs = [`temperature ${opts.temperature}`];
    if (opts.topK !== undefined) knobs.push(`top-k ${opts.topK}`);
    if (opts.topP !== undefined) knobs.push(`top-p ${opts.topP}`);
    if (opts.minP !== undefined) knobs.push(`min-p ${opts.minP}`);
    io.err(`Sampling: ${knobs.join(", ")}, seed ${sampling.seed} (repeat with --seed ${sampling.seed})`);
  } else {
    if (opts.topK !== undefined || opts.topP !== undefined || opts.minP !== undefined) {
      io.err("Greedy decoding (temperature 0): --top-k, --top-p and --min-p only matter with --temperature > 0");
    }
    sampling.seed = opts.seed ?? 0;
  }
  return sampling;
}

/** Runs one chat turn as `opts` says. */
export async function chat(opts: MainOptions, io: Io): Promise<void> {
  const { solution, loaded, built: generate } = await loadAndBuild(opts, io, (solution, week, loaded) => generatorOf(solution, week, loaded, opts, io));
  warnNoThink(loaded, opts, io);
  const prompt = templatedPrompt(loaded, opts, opts.prompt);
  const promptTokens = loaded.tokenizer.encode(prompt).length;
  const context = loaded.config.maxPositionEmbeddings;
  if (promptTokens >= context) {
    throw new MainError(`the prompt is ${promptTokens} tokens, the model's context is ${context} (max_position_embeddings); use a shorter prompt`);
  }
  const limit = tokenLimit(opts.maxTokens, promptTokens, context);
  if (limit.maxTokens !== opts.maxTokens) io.err(`--max-tokens ${opts.maxTokens} would pass the model's context: generating at most ${limit.why}`);

  const sampling = samplingOf(opts, io);
  const sampler = solution.makeSampler(sampling);

  let last = "";
  const result = await generate(prompt, {
    maxTokens: limit.maxTokens,
    sampler,
    eosTokenIds: loaded.eosTokenIds,
    onText: (text) => {
      io.out(text);
      last = text;
    },
  }, sampling);
  if (!last.endsWith("\n")) io.out("\n");
  report(result, limit, io);
}
