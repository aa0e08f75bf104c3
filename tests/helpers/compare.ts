// Comparing an mx array with expected values, dtype-aware.
//
// Default tolerances (|actual - expected| <= atol + rtol * |expected|):
//   float32  rtol 1e-5, atol 1e-6
//   float16  rtol 1e-3, atol 1e-4   (one float16 ulp is at most 2^-10 relative)
//   bfloat16 rtol 1e-2, atol 1e-3   (one bfloat16 ulp is at most 2^-7 relative)
//   int32, uint32, uint8, bool: exact.
// NaN matches NaN, and infinities must match exactly. On failure the error names the
// worst element (multi-index, actual, expected) and how many elements are off.
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
 * Throws (with a readable message) unless `actual` has the dtype, the shape and the
 * values of `expected`. `tol` overrides the dtype's default tolerance for float dtypes.
 */
export function expectClose(
  actual: mx.array,
  expected: RawTensor | mx.array,
  opts: { tol?: Partial<Tolerance>; label?: string } = {},
): void {
  const label = opts.label ? `${opts.label}: ` : "";
  if (!isArray(actual)) throw new Error(`${label}expected an mx array, got ${String(actual)}`);
  const exp: RawTensor = isArray(expected)
    ? { name: "expected", dtype: expected.dtype, shape: [...expected.shape], data: expected.toTypedArray() }
    : expected;
  if (actual.dtype !== exp.dtype) {
    throw new Error(`${label}dtype ${actual.dtype}, expected ${exp.dtype}`);
  }
  const ashape = [...actual.shape];
  if (ashape.length !== exp.shape.length || ashape.some((s, i) => s !== exp.shape[i])) {
    throw new Error(`${label}shape [${ashape}], expected [${exp.shape}] (dtype ${exp.dtype})`);
  }
  const a = actual.toTypedArray();
  const e = exp.data;
  if (a.length !== e.length) {
    throw new Error(`${label}toTypedArray() gave ${a.length} elements for shape [${ashape}], expected ${e.length}`);
  }
  const float = FLOAT.has(exp.dtype);
  const tol = { ...(DEFAULT_TOL[exp.dtype] ?? { rtol: 0, atol: 0 }), ...(opts.tol ?? {}) };
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

/** expectClose over lists (ops like split that return several arrays). */
export function expectAllClose(
  actual: mx.array[],
  expected: (RawTensor | mx.array)[],
  opts: { tol?: Partial<Tolerance>; label?: string } = {},
): void {
  if (!Array.isArray(actual)) throw new Error(`${opts.label ?? ""}: expected a list of arrays`);
  if (actual.length !== expected.length) {
    throw new Error(`${opts.label ?? ""}: ${actual.length} arrays, expected ${expected.length}`);
  }
  actual.forEach((x, i) => expectClose(x, expected[i], { ...opts, label: `${opts.label ?? ""}[${i}]` }));
}
