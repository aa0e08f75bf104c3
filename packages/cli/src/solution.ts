// The solutions `pnpm main` and `pnpm bench` drive, as solutions.json lists them: the
// learner's workbook and the references, each a workspace package with the same API.
// Only the chosen one is loaded, from its TypeScript sources (tsx compiles them), so
// that a learner's edit shows on the next run without a build.
import * as fs from "node:fs";
import * as path from "node:path";

import type * as mx from "@tiny-llm/array";
import type { LoadedModel, Tokenizer } from "@tiny-llm/loader";
import type { GenerateOptions, GenerateResult, Sampler, SamplerOptions } from "@tiny-llm/tiny-llm-week1-ref";
import type { Week2ModelOptions } from "@tiny-llm/tiny-llm-week2-ref";

import manifest from "../../../solutions.json";
import { MainError } from "./main/errors";

export type SolutionName = keyof typeof manifest.solutions;
export const SOLUTIONS = Object.keys(manifest.solutions) as SolutionName[];

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** The week 1 model, as main and bench use it. */
export interface Model {
  /** inputs: N x L token ids (int32)  ->  N x L x V logits (N x 1 x V with lastOnly). */
  forward(inputs: mx.array, opts?: { lastOnly?: boolean }): mx.array;
}

/** The week 2 model, with its KV cache. */
export interface CachedModel {
  makeCache(): unknown[];
  forward(inputs: mx.array, offset: number, cache: unknown[], opts?: { lastOnly?: boolean }): mx.array;
}

/** Speculative decoding's options and result (week 2, day 8), as main and bench use them. */
export type SpeculativeOptions = Omit<GenerateOptions, "sampler"> & { numDraftTokens?: number; temperature?: number; seed?: number };
export type SpeculativeResult = GenerateResult & { draftedTokens: number; acceptedTokens: number };

/** The prefix cache (week 2, day 9) and generation with it, as bench uses them. */
export interface PrefixCacheLike {
  readonly blockSize: number;
  readonly bytes: number;
  readonly size: number;
}
export type PrefixGenerateResult = GenerateResult & { cachedTokens: number };

/** A request as the serving scheduler keeps it (week 2, days 6 and 7). */
export interface ServedRequest {
  /** Its index among the requests, in the order they were added. */
  readonly id: number;
  readonly prompt: readonly number[];
  readonly tokens: readonly number[];
  /** performance.now() milliseconds of each generated token. */
  readonly tokenTimes: readonly number[];
  readonly finishReason: string | null;
}

/** The options of the serving scheduler, as main and bench use them. */
export interface SchedulerOptions {
  batchSize?: number;
  prefillStep?: number;
  maxTokens?: number;
  eosTokenIds?: readonly number[];
  sampler?: Sampler;
  onFinish?: (request: ServedRequest) => void;
}

/** Continuous batching with chunked prefill (week 2, days 6 and 7): requests in, a step at a time. */
export interface Scheduler {
  add(prompt: readonly number[], opts?: { maxTokens?: number }): ServedRequest;
  readonly done: boolean;
  step(): Promise<void>;
}

/** The part of a solution's API that main drives (week 2's part when the solution covers it). */
export interface Solution {
  Qwen2ModelWeek1: new (loaded: LoadedModel) => Model;
  makeSampler(opts?: SamplerOptions): Sampler;
  // Method syntax: each solution's simpleGenerate takes its own model class.
  simpleGenerate(model: Model, tokenizer: Tokenizer, prompt: string, opts?: GenerateOptions): Promise<GenerateResult>;
  Qwen2ModelWeek2?: new (loaded: LoadedModel, opts?: Week2ModelOptions) => CachedModel;
  Qwen3ModelWeek2?: new (loaded: LoadedModel, opts?: Week2ModelOptions) => CachedModel;
  simpleGenerateWithKvCache?(model: CachedModel, tokenizer: Tokenizer, prompt: string, opts?: GenerateOptions): Promise<GenerateResult>;
  Scheduler?: new (model: CachedModel, opts?: SchedulerOptions) => Scheduler;
  speculativeGenerate?(target: CachedModel, draft: CachedModel, tokenizer: Tokenizer, prompt: string, opts?: SpeculativeOptions): Promise<SpeculativeResult>;
  PrefixCache?: new (model: CachedModel, opts: { maxBytes: number; blockSize?: number }) => PrefixCacheLike;
  simpleGenerateWithPrefixCache?(model: CachedModel, tokenizer: Tokenizer, prompt: string, opts: GenerateOptions & { prefixCache: PrefixCacheLike }): Promise<PrefixGenerateResult>;
}

/** The week whose model `pnpm main` runs unless --week says: a reference's own, 1 for the workbook. */
export function defaultWeek(name: SolutionName): number {
  const s = manifest.solutions[name];
  return s.reference ? s.weeks : 1;
}

/** Whether a solution is a reference (its kernels known good), not the learner's workbook. */
export function isReference(name: SolutionName): boolean {
  return manifest.solutions[name].reference;
}

/** The last week a solution covers. */
export function lastWeek(name: SolutionName): number {
  return manifest.solutions[name].weeks;
}

/** The solution a week 2 bench part runs: `name` when it covers week 2, else week2_ref. */
export function week2Of(name: SolutionName): SolutionName {
  return lastWeek(name) >= 2 ? name : "week2_ref";
}

/** Loads a solution's package from its sources; one that is not in the checkout is exit 2. */
export async function loadSolution(name: SolutionName): Promise<Solution> {
  const { dir, about } = manifest.solutions[name];
  const entry = path.join(ROOT, dir, "src", "index.ts");
  if (!fs.existsSync(entry)) {
    throw new MainError(`${name} (${about}) is not in this checkout: there is no ${dir}; use --solution week1_ref`, 2);
  }
  // A computed specifier: tsc does not follow it into the workbook, whose unfinished
  // state is the learner's business, not the CLI's type check.
  return (await import(entry)) as Solution;
}
