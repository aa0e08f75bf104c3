// Golden tests of the array suite on any device: goldenTests (tests/helpers/golden.ts)
// with the results read back asynchronously, so that GPU results are checked against
// the same PyTorch fixtures, at the same tolerances, as the CPU's.
import * as mx from "@tiny-llm/array";
import { loadGolden, type Golden, type GoldenCase } from "../../tests/helpers/golden";
import { expectCloseOnCpu } from "./device";

/** What a case runner returns: one array, several (split), or nothing (it checked itself). */
export type DeviceCaseResult = mx.array | mx.array[] | void;

/**
 * One jest test per case of tests/golden/<dir>/<family>.safetensors, named
 * `${prefix}_${case.id}`: `run` computes the op from the case's inputs (made on the
 * default device, which describeDevices sets) and params, and may be async; every
 * returned array is read back and compared with the case's expected outputs (dtype,
 * shape, values).
 */
export function deviceGoldenTests(
  dir: string,
  family: string,
  prefix: string,
  run: (c: GoldenCase, inputs: mx.array[], g: Golden) => DeviceCaseResult | Promise<DeviceCaseResult>,
): void {
  const g = loadGolden(dir, family);
  for (const c of g.cases) {
    test(`${prefix}_${c.id}`, async () => {
      const inputs = c.inputs.map((n) => g.array(n));
      const out = await run(c, inputs, g);
      if (out === undefined) return;
      const label = `${prefix}_${c.id} (${c.op} ${JSON.stringify(c.params)})`;
      const outs = Array.isArray(out) ? out : [out];
      if (outs.length !== c.outputs.length) throw new Error(`${label}: ${outs.length} outputs, ${c.outputs.length} expected`);
      for (const [i, o] of outs.entries()) {
        await expectCloseOnCpu(o, g.raw(c.outputs[i]), { tol: c.tol, label: Array.isArray(out) ? `${label}[${i}]` : label });
      }
    });
  }
}
