// Golden fixtures made by tests/golden/<dir>/*.py: one safetensors file per op family,
// whose __metadata__.cases is a JSON list of cases (see make_array_goldens.py).
import * as path from "path";
import * as mx from "@tiny-llm/array";
import { expectAllClose, expectClose } from "./compare";
import { RawTensor, readSafetensors, toMx } from "./safetensors";

export interface GoldenCase {
  /** Unique within its family; the test is named `<prefix>_<id>`. */
  id: string;
  op: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  params: Record<string, any>;
  /** Tensor names of the inputs and of the expected outputs. */
  inputs: string[];
  outputs: string[];
  /** Overrides the dtype's default tolerance. */
  tol?: { rtol: number; atol: number };
}

export interface Golden {
  cases: GoldenCase[];
  raw(name: string): RawTensor;
  /**
   * The tensor as an mx array of its stored dtype (a fresh array each call), on `device`
   * (the default device when omitted: the GPU under `pnpm test --device gpu`).
   */
  array(name: string, device?: mx.Device): mx.array;
}

export const GOLDEN_DIR = path.resolve(__dirname, "..", "golden");

/** Loads tests/golden/<dir>/<family>.safetensors. */
export function loadGolden(dir: string, family: string): Golden {
  const file = path.join(GOLDEN_DIR, dir, `${family}.safetensors`);
  const { tensors, metadata } = readSafetensors(file);
  const cases = JSON.parse(metadata.cases ?? "[]") as GoldenCase[];
  const raw = (name: string): RawTensor => {
    const t = tensors.get(name);
    if (!t) throw new Error(`${file}: no tensor ${name}`);
    return t;
  };
  return { cases, raw, array: (name, device) => toMx(raw(name), device) };
}

/** What a case runner returns: one array, several (split), or nothing (it checked itself). */
export type CaseResult = mx.array | mx.array[] | void;

/**
 * One jest test per fixture case, named `${prefix}_${case.id}` (`prefix` may depend on
 * the case, e.g. on its task): `run` computes the
 * op from the case's inputs (as mx arrays) and params; every returned array is
 * compared with the case's expected outputs (dtype, shape, values).
 */
export function goldenTests(
  dir: string,
  family: string,
  prefixOf: string | ((c: GoldenCase) => string),
  run: (c: GoldenCase, inputs: mx.array[], g: Golden) => CaseResult,
): Golden {
  const g = loadGolden(dir, family);
  for (const c of g.cases) {
    const prefix = typeof prefixOf === "string" ? prefixOf : prefixOf(c);
    test(`${prefix}_${c.id}`, async () => {
      const inputs = c.inputs.map((n) => g.array(n));
      const out = run(c, inputs, g);
      if (out === undefined) return;
      const expected = c.outputs.map((n) => g.raw(n));
      const label = `${prefix}_${c.id} (${c.op} ${JSON.stringify(c.params)})`;
      if (Array.isArray(out)) {
        await expectAllClose(out, expected, { tol: c.tol, label });
      } else {
        if (expected.length !== 1) throw new Error(`${label}: one output, ${expected.length} expected`);
        await expectClose(out, expected[0], { tol: c.tol, label });
      }
    });
  }
  return g;
}

/** Calls mx[op] by name (fixture ops are named exactly like the library's functions). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function mxOp(op: string): (...args: any[]) => any {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const f = (mx as any)[op];
  if (typeof f !== "function") throw new Error(`@tiny-llm/array has no function ${op}`);
  return f;
}
