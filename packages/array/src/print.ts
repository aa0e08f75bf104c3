// numpy-like printing: array([[1., 2.5], [3., 4.]], dtype=float32), with shortest
// round-tripping digits, aligned columns, and "..." for arrays over 1000 elements.
import type { NDArray } from "./array";
import { Dtype, isFloat } from "./dtype";

const THRESHOLD = 1000;
const EDGE = 3;
const LINE_WIDTH = 75;
const PRECISION = 8;

/** Mantissa bits and smallest normal exponent of each float dtype. */
const FLOAT_BITS: Partial<Record<Dtype, [number, number]>> = { float32: [23, -126], float16: [10, -14], bfloat16: [7, -126] };

/** True when `c` rounds back to `v` in the dtype (|c - v| below half an ulp of v). */
function roundTrips(c: number, v: number, dt: Dtype): boolean {
  const [mant, minExp] = FLOAT_BITS[dt]!;
  const e = Math.max(Math.floor(Math.log2(Math.abs(v))), minExp);
  return Math.abs(c - v) < 2 ** (e - mant) / 2;
}

/** Fewest significant digits (at most 9) that identify v in its dtype. */
function shortest(v: number, dt: Dtype): number {
  if (v === 0) return 1;
  for (let p = 1; p < 9; p++) if (roundTrips(Number(v.toPrecision(p)), v, dt)) return p;
  return 9;
}

function formatFloats(values: number[], dt: Dtype): string[] {
  const finite = values.filter(Number.isFinite).map(Math.abs);
  const nonzero = finite.filter((x) => x !== 0);
  const maxAbs = Math.max(0, ...finite), minAbs = nonzero.length ? Math.min(...nonzero) : 0;
  const scientific = maxAbs >= 1e16 || (nonzero.length > 0 && (minAbs < 1e-4 || maxAbs / minAbs > 1e3));
  const special = (x: number) => (Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf");
  if (scientific) {
    const digits = Math.min(PRECISION, Math.max(0, ...values.filter(Number.isFinite).map((x) => shortest(x, dt) - 1)));
    return values.map((x) => {
      if (!Number.isFinite(x)) return special(x);
      const [m, e] = x.toExponential(digits).split("e");
      const exp = Math.abs(Number(e)).toString().padStart(2, "0");
      return `${digits === 0 ? m + "." : m}e${Number(e) < 0 ? "-" : "+"}${exp}`;
    });
  }
  // Positional: each value with its own shortest digits (at most PRECISION after the
  // point), then padded so that the points line up.
  const parts = values.map((x) => {
    if (!Number.isFinite(x)) return [special(x), ""];
    const exact = Number(x.toPrecision(shortest(x, dt)));
    const s = Number(exact.toFixed(PRECISION)).toString();
    const [int, frac = ""] = (s.includes("e") ? exact.toFixed(PRECISION) : s).split(".");
    return [int === "0" && x < 0 ? "-0" : int, frac];
  });
  const fracWidth = Math.max(0, ...parts.map(([, f]) => f.length));
  return parts.map(([int, frac], i) => (Number.isFinite(values[i]) ? `${int}.${frac.padEnd(fracWidth)}` : int));
}

function formatValues(values: number[], dt: Dtype): string[] {
  if (dt === "bool") return values.map((v) => (v ? "True" : "False"));
  if (isFloat(dt)) return formatFloats(values, dt);
  return values.map((v) => v.toString());
}

/** The printed form of an array, like numpy's repr. */
export function formatArray(a: NDArray): string {
  // Printing must not throw (a debugger or console.log calls it): a GPU array names itself.
  if (a.device !== "cpu") return `array(<on the ${a.device}: await a.toCpu() to see the values>, shape=[${a.shape.join(", ")}], dtype=${a.dtype})`;
  const flat = Array.from(a.toTypedArray() as ArrayLike<number>);
  const summarize = a.size > THRESHOLD;
  // Which indices of each axis are shown (all, or EDGE from each end).
  const shown = a.shape.map((d) => (summarize && d > 2 * EDGE ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => d - EDGE + i)] : [...Array(d).keys()]));
  const strides = a.shape.map((_, i) => a.shape.slice(i + 1).reduce((p, d) => p * d, 1));
  const visible: number[] = [];
  const collect = (dim: number, base: number) => {
    if (dim === a.ndim) return void visible.push(flat[base]);
    for (const i of shown[dim]) if (i >= 0) collect(dim + 1, base + i * strides[dim]);
  };
  collect(0, 0);
  const texts = formatValues(visible, a.dtype);
  const width = Math.max(0, ...texts.map((t) => t.length));
  let next = 0;
  const prefix = "array(";
  const render = (dim: number, indent: string): string => {
    if (dim === a.ndim) return texts[next++].padStart(width);
    const inner = indent + " ";
    const items = shown[dim].map((i) => (i < 0 ? "..." : render(dim + 1, inner)));
    if (dim === a.ndim - 1) {
      // Wrap the last axis at the line width.
      const lines: string[] = [];
      let line = "";
      for (const it of items) {
        const piece = line === "" ? it : `${line}, ${it}`;
        if (line !== "" && inner.length + piece.length + 2 > LINE_WIDTH) {
          lines.push(line + ",");
          line = it;
        } else line = piece;
      }
      lines.push(line);
      return `[${lines.join("\n" + inner)}]`;
    }
    const sep = ",\n" + "\n".repeat(a.ndim - dim - 2) + inner;
    return `[${items.join(sep)}]`;
  };
  const body = a.ndim === 0 ? texts[0] : render(0, " ".repeat(prefix.length));
  // numpy leaves out the dtype where the values show it (bool); every other dtype is named.
  return a.dtype === "bool" ? `${prefix}${body})` : `${prefix}${body}, dtype=${a.dtype})`;
}
