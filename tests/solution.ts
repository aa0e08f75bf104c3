// Which solution the course suites run against. scripts/test.mjs sets
// TINY_LLM_SOLUTION from `--solution` (`pnpm test`) or from the suite's week
// (`pnpm test-ref`: week_1_* -> week1_ref, week_2_* -> week2_ref); solutions.json
// lists the solutions.
import * as fs from "fs";
import * as path from "path";
import manifest from "../solutions.json";
import type { Week2 } from "./contract/week2";

export type SolutionName = keyof typeof manifest.solutions;
export const SOLUTION_NAMES = Object.keys(manifest.solutions) as SolutionName[];

/**
 * What the suites may call on a solution: the course's contract (tests/contract/), not
 * the workbook's own types, so that a learner's extra fields and helpers never upset
 * the type checker. Each week's suites run only against solutions that cover the week.
 */
export type Solution = Week2;

/** The solution chosen for this run; the default (the learner's workbook) when none was set. */
export function solutionName(): SolutionName {
  const name = process.env.TINY_LLM_SOLUTION ?? manifest.default;
  if (!(SOLUTION_NAMES as string[]).includes(name)) {
    throw new Error(`TINY_LLM_SOLUTION="${name}" is not a solution; expected one of: ${SOLUTION_NAMES.join(", ")}`);
  }
  return name as SolutionName;
}

/** Imports a solution's package (from its TypeScript sources, see jest.config.js). */
export function loadSolution(name: SolutionName = solutionName()): Solution {
  const { dir, package: pkg } = manifest.solutions[name];
  if (!fs.existsSync(path.resolve(__dirname, "..", dir))) {
    throw new Error(`solution ${name} is not in this checkout (no ${dir})`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(pkg) as Solution;
}
