// Comparing an mx array with expected values, dtype-aware.
//
// Default tolerances (|actual - expected| <= atol + rtol * |expected|):
//   float32  rtol 1e-5, atol 1e-6
//   float16  rtol 1e-3, atol 1e-4   (one float16 ulp is at most 2^-10 relative)
//   bfloat16 rtol 1e-2, atol 1e-3   (one bfloat16 ulp is at most 2^-7 relative)
//   int32, uint32, uint8, bool: exact.
// NaN matches NaN, and infinities must match exactly. On failure the error names the
// worst element (multi-index, actual, expected) and how many elements are off.
// `await expectClose(...)`: arrays on a device are read back with `await a.data()`, so
// that the suites run on any device (`pnpm test --device gpu` puts their arrays on the GPU).
import * as mx from "@tiny-llm/array";
import type { RawTensor } from "./safetensors";

export interface Tolerance { rtol: number; atol: number }

export const DEFAULT_TOL: Record<string, Tolerance> = {
  float32: { rtol: 1e-5, atol: 1e-6 },
  float16: { rtol: 1e-3, atol: 1e-4 },
  bfloat16: { rtol: 1e-2, atol: 1e-3 },
};

const FLOAT = new Set(["float32", "float16", "bfloat16"]);

function isArray(x: unknown): x is mx.array {
  return typeof x === "object" && x !== null && "toTypedArray" in x && "dtype" in x && "shape" in x;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    const s = shape[d];
    idx[d] = i % s;
    i = Math.floor(i / s);
  }
  return idx;
}

/**
 * Fails (with a readable message) unless `actual` has the dtype, the shape and the
 * values of `expected`. `tol` overrides the dtype's default tolerance for float dtypes.
 * Await it: arrays on a device are read back with `await a.data()`. Arrays that are all
 * on the CPU are checked at once, throwing before it returns (so that a caller written
 * before the GPU, which does not await, still fails as it did).
 */
export function expectClose(
  actual: mx.array,
  expected: RawTensor | mx.array,
  opts: { tol?: Partial<Tolerance>; label?: string } = {},
): Promise<void> {
  const label = opts.label ? `${opts.label}: ` : "";
  if (!isArray(actual)) throw new Error(`${label}expected an mx array, got ${String(actual)}`);
  if (actual.device === "cpu" && (!isArray(expected) || expected.device === "cpu")) {
    const exp: RawTensor = isArray(expected)
      ? { name: "expected", dtype: expected.dtype, shape: [...expected.shape], data: expected.toTypedArray() }
      : expected;
    checkMeta(actual, exp, label);
    compareValues(actual, actual.toTypedArray(), exp, label, opts.tol);
    return Promise.resolve();
  }
  return (async () => {
    const exp: RawTensor = isArray(expected)
      ? { name: "expected", dtype: expected.dtype, shape: [...expected.shape], data: await expected.data() }
      : expected;
    // dtype and shape first: no read of a device for an answer that is wrong anyway.
    checkMeta(actual, exp, label);
    compareValues(actual, await actual.data(), exp, label, opts.tol);
  })();
}

/** Throws unless `actual` has `exp`'s dtype and shape. */
function checkMeta(actual: mx.array, exp: RawTensor, label: string): void {
  if (actual.dtype !== exp.dtype) {
    throw new Error(`${label}dtype ${actual.dtype}, expected ${exp.dtype}`);
  }
  const ashape = [...actual.shape];
  if (ashape.length !== exp.shape.length || ashape.some((s, i) => s !== exp.shape[i])) {
    throw new Error(`${label}shape [${ashape}], expected [${exp.shape}] (dtype ${exp.dtype})`);
  }
}

/** Throws unless `a`, the elements of `actual` (whose dtype and shape passed), are close to `exp`'s. */
function compareValues(actual: mx.array, a: mx.TypedArray, exp: RawTensor, label: string, tolOverride?: Partial<Tolerance>): void {
  const e = exp.data;
  if (a.length !== e.length) {
    throw new Error(`${label}toTypedArray() gave ${a.length} elements for shape [${[...actual.shape]}], expected ${e.length}`);
  }
  const float = FLOAT.has(exp.dtype);
  const tol = { ...(DEFAULT_TOL[exp.dtype] ?? { rtol: 0, atol: 0 }), ...(tolOverride ?? {}) };
  let bad = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  // Operators only, no Number()/Math calls: under jest each builtin call costs about
  // 0.4 us (they come from another realm), 20 s for a row of logits of 150k x 45.
  const { atol, rtol } = tol;
  for (let i = 0; i < e.length; i++) {
    const x = +a[i];
    const y = +e[i];
    const nanX = x !== x; // eslint-disable-line no-self-compare
    const nanY = y !== y; // eslint-disable-line no-self-compare
    const d = x > y ? x - y : y - x;
    let excess: number;
    if (!float) {
      excess = x === y ? -1 : d;
    } else if (nanX || nanY) {
      excess = nanX && nanY ? -1 : Infinity;
    } else if (x - x !== 0 || y - y !== 0) { // an infinity
      excess = x === y ? -1 : Infinity;
    } else {
      excess = d - (atol + rtol * (y < 0 ? -y : y));
    }
    if (excess > 0) {
      bad++;
      if (excess > worstExcess) { worstExcess = excess; worst = i; }
    }
  }
  if (bad > 0) {
    const where = unravel(worst, exp.shape);
    const tolText = float ? ` (rtol ${tol.rtol}, atol ${tol.atol})` : " (exact)";
    throw new Error(
      `${label}${bad} of ${e.length} elements differ${tolText}, dtype ${exp.dtype}, shape [${exp.shape}]; ` +
        `worst at [${where}] (flat ${worst}): actual ${Number(a[worst])}, expected ${Number(e[worst])}`,
    );
  }
}

/** expectClose over lists (ops like split that return several arrays), in order. */
export async function expectAllClose(
  actual: mx.array[],
  expected: (RawTensor | mx.array)[],
  opts: { tol?: Partial<Tolerance>; label?: string } = {},
): Promise<void> {
  if (!Array.isArray(actual)) throw new Error(`${opts.label ?? ""}: expected a list of arrays`);
  if (actual.length !== expected.length) {
    throw new Error(`${opts.label ?? ""}: ${actual.length} arrays, expected ${expected.length}`);
  }
  for (const [i, x] of actual.entries()) await expectClose(x, expected[i], { ...opts, label: `${opts.label ?? ""}[${i}]` });
}
