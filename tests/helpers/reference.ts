// Comparisons of the solution under test with a reference on random inputs, for shapes
// larger than the golden fixtures hold.
import * as mx from "@tiny-llm/array";
import { loadSolution, Solution, SolutionName, solutionName } from "../solution";
import { expectClose, Tolerance } from "./compare";

/**
 * Declares `body`'s tests against the reference `refName`. When the solution under test
 * is that reference the comparison could not fail, so the tests are declared skipped
 * (and counted as skipped).
 */
export function describeAgainstReference(refName: SolutionName, body: (ref: Solution) => void): void {
  const same = solutionName() === refName;
  (same ? describe.skip : describe)(`against ${refName}`, () => body(loadSolution(refName)));
}

/** A seeded normal array: the same values in every run. */
export function randomNormal(seed: number, shape: number[], dtype: mx.Dtype = "float32", scale = 1): mx.array {
  return mx.random.normal(shape, { key: mx.random.key(seed), scale, dtype });
}

/** Float32 tolerances for comparing two float32 implementations of a composite layer. */
export const REFERENCE_TOL: Partial<Tolerance> = { rtol: 1e-4, atol: 1e-5 };

/** expectClose of the solution's answer against the reference's (await it). */
export function expectSameAsReference(actual: mx.array, reference: mx.array, label: string): Promise<void> {
  return expectClose(actual, reference, { tol: REFERENCE_TOL, label });
}
