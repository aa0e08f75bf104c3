// Which solution the course suites run against. scripts/test.mjs sets
// TINY_LLM_SOLUTION from `--solution` (`pnpm test`) or from the suite's week
// (`pnpm test-ref`: week_1_* -> week1_ref, week_2_* -> week2_ref).

export const SOLUTION_NAMES = ["tiny_llm", "week1_ref", "week2_ref"] as const;
export type SolutionName = (typeof SOLUTION_NAMES)[number];

/** The solution chosen for this run; the learner's (`tiny_llm`) when none was set. */
export function solutionName(): SolutionName {
  const name = process.env.TINY_LLM_SOLUTION ?? "tiny_llm";
  if (!(SOLUTION_NAMES as readonly string[]).includes(name)) {
    throw new Error(`TINY_LLM_SOLUTION="${name}" is not a solution; expected one of: ${SOLUTION_NAMES.join(", ")}`);
  }
  return name as SolutionName;
}
