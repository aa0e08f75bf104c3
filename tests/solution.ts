// Which solution the course suites run against. scripts/test.mjs sets
// TINY_LLM_SOLUTION from `--solution` (`pnpm test`) or from the suite's week
// (`pnpm test-ref`: week_1_* -> week1_ref, week_2_* -> week2_ref).
import * as fs from "fs";
import * as path from "path";
import type * as Workbook from "@tiny-llm/tiny-llm";

export const SOLUTION_NAMES = ["tiny_llm", "week1_ref", "week2_ref"] as const;
export type SolutionName = (typeof SOLUTION_NAMES)[number];

/** A solution's exports: the workbook's API (a reference has the same signatures). */
export type Solution = typeof Workbook;

/** The package folder (under packages/) of each solution. */
const PACKAGE_DIRS: Record<SolutionName, string> = {
  tiny_llm: "tiny-llm",
  week1_ref: "tiny-llm-week1-ref",
  week2_ref: "tiny-llm-week2-ref",
};

/** The solution chosen for this run; the learner's (`tiny_llm`) when none was set. */
export function solutionName(): SolutionName {
  const name = process.env.TINY_LLM_SOLUTION ?? "tiny_llm";
  if (!(SOLUTION_NAMES as readonly string[]).includes(name)) {
    throw new Error(`TINY_LLM_SOLUTION="${name}" is not a solution; expected one of: ${SOLUTION_NAMES.join(", ")}`);
  }
  return name as SolutionName;
}

/** Imports a solution's package (from its TypeScript sources, see jest.config.js). */
export function loadSolution(name: SolutionName = solutionName()): Solution {
  const dir = PACKAGE_DIRS[name];
  if (!fs.existsSync(path.resolve(__dirname, "..", "packages", dir))) {
    throw new Error(`solution ${name} is not in this checkout (no packages/${dir})`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`@tiny-llm/${dir}`) as Solution;
}
