// The solutions `pnpm main` and `pnpm bench` drive, each a workspace package with the
// same API (the workbook and the references are diffs of each other). Only the chosen
// one is loaded.
import type * as mx from "@tiny-llm/array";
import type { LoadedModel, Tokenizer } from "@tiny-llm/loader";
import type { GenerateOptions, GenerateResult, Sampler, SamplerOptions } from "@tiny-llm/tiny-llm-week1-ref";

import { MainError } from "./main/errors";

export const SOLUTIONS = ["tiny_llm", "week1_ref", "week2_ref"] as const;
export type SolutionName = (typeof SOLUTIONS)[number];

/** The week 1 model, as main and bench use it. */
export interface Model {
  /** inputs: N x L token ids (int32)  ->  N x L x V logits (N x 1 x V with lastOnly). */
  forward(inputs: mx.array, opts?: { lastOnly?: boolean }): mx.array;
}

/** The part of a solution's API that main drives. */
export interface Solution {
  Qwen2ModelWeek1: new (loaded: LoadedModel) => Model;
  makeSampler(opts?: SamplerOptions): Sampler;
  // Method syntax: each solution's simpleGenerate takes its own model class.
  simpleGenerate(model: Model, tokenizer: Tokenizer, prompt: string, opts?: GenerateOptions): GenerateResult;
}

/** The package of each solution. */
export const SOLUTION_PACKAGES: Record<SolutionName, string> = {
  tiny_llm: "@tiny-llm/tiny-llm",
  week1_ref: "@tiny-llm/tiny-llm-week1-ref",
  week2_ref: "@tiny-llm/tiny-llm-week2-ref",
};

/** Loads a solution's package; week2_ref is an error until week 2 lands in the checkout. */
export async function loadSolution(name: SolutionName): Promise<Solution> {
  switch (name) {
    case "tiny_llm":
      return (await import("@tiny-llm/tiny-llm")) as unknown as Solution;
    case "week1_ref":
      return await import("@tiny-llm/tiny-llm-week1-ref");
    case "week2_ref":
      // Its model has a KV cache and a different generate loop: main will need a
      // branch for it when it lands (add the package to packages/cli's dependencies).
      throw new MainError("week2_ref is not in this checkout yet (week 2 has not landed); use --solution week1_ref", 2);
  }
}
