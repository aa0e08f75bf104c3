// Key-based random numbers (threefry-2x32, as in JAX and MLX): a key is a uint32
// array of shape [2]; the same key always gives the same numbers. Calls without a
// key draw a fresh one from a global key set by seed().
import { NDArray } from "./array";
import { backendFor } from "./backend";
import { Dtype, floatResult, isFloat } from "./dtype";
import { ArrayError, fmtShape } from "./errors";
import { checkShape } from "./layout";
import { checkArray } from "./ops/check";
import { astype, checkDtype, contiguous } from "./ops/convert";
import { fromTypedArray } from "./ops/creation";
import { add, log, negative } from "./ops/elementwise";
import { argmax } from "./ops/reduce";
import { expandDims, reshape } from "./ops/shape";

/** A key from an integer seed (0 <= seed < 2^53). */
export function key(seed: number): NDArray {
  if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw new ArrayError("random.key", `seed must be an integer in [0, 2^53), got ${seed}`);
  }
  return fromTypedArray(new Uint32Array([Math.floor(seed / 2 ** 32), seed >>> 0]), [2], "uint32");
}

let globalKey = key(0);

/** Re-seeds the global key used by calls without an explicit key. */
export function seed(s: number): void {
  globalKey = key(s);
}

function keyWords(op: string, k: NDArray | undefined): [number, number] {
  let use = k;
  if (use === undefined) {
    const [next, sub] = split(globalKey);
    globalKey = next;
    use = sub;
  }
  checkArray(op, use, "a key (uint32 array of shape [2])");
  if (use.dtype !== "uint32" || use.ndim !== 1 || use.shape[0] !== 2) {
    throw new ArrayError(op, `key must be a uint32 array of shape [2], got ${use.dtype} ${fmtShape(use.shape)}`);
  }
  const w = use.toTypedArray();
  return [w[0], w[1]];
}

/** Random uint32 bits of `shape`. */
export function bits(shape: number[], opts: { key?: NDArray } = {}): NDArray {
  checkShape("random.bits", shape);
  const out = NDArray.empty(shape, "uint32");
  if (out.size > 0) backendFor(out.device).randomBits(keyWords("random.bits", opts.key), out);
  return out;
}

/** `num` new keys (shape [num, 2]) derived from `k`. */
export function split(k: NDArray, num = 2): NDArray[] {
  if (!Number.isInteger(num) || num < 1) throw new ArrayError("random.split", `num must be a positive integer, got ${num}`);
  const b = bits([num, 2], { key: k });
  return Array.from({ length: num }, (_, i) => contiguous(b.slice(i)));
}

/** Floats uniform in [0, 1) from the top 23 bits of each word (exactly representable in float32). */
function unitFloats(shape: number[], k: NDArray | undefined): Float32Array {
  const words = bits(shape, { key: k }).toTypedArray() as Uint32Array;
  const out = new Float32Array(words.length);
  for (let i = 0; i < words.length; i++) out[i] = (words[i] >>> 9) * 2 ** -23;
  return out;
}

function floatDtype(op: string, dtype: Dtype | undefined): Dtype {
  const dt = dtype === undefined ? "float32" : checkDtype(op, dtype);
  if (!isFloat(dt)) throw new ArrayError(op, `dtype must be a float dtype, got ${dt}`);
  return dt;
}

/** The largest float32 below x. */
function float32Below(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  if (f[0] >= x) {
    if (f[0] === 0) return -(2 ** -149);
    u[0] += f[0] > 0 ? -1 : 1;
  }
  return f[0];
}

/** Uniform samples in [low, high). */
export function uniform(shape: number[], opts: { low?: number; high?: number; dtype?: Dtype; key?: NDArray } = {}): NDArray {
  checkShape("random.uniform", shape);
  const { low = 0, high = 1 } = opts;
  if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
    throw new ArrayError("random.uniform", `needs finite low < high, got low ${low}, high ${high}`);
  }
  const u = unitFloats(shape, opts.key);
  const top = float32Below(high); // low + (high - low) * u may round up to high in float32
  for (let i = 0; i < u.length; i++) u[i] = Math.min(low + (high - low) * u[i], top);
  return astype(fromTypedArray(u, shape), floatDtype("random.uniform", opts.dtype));
}

/** Normal samples with mean `loc` and standard deviation `scale` (Box-Muller). */
export function normal(shape: number[], opts: { loc?: number; scale?: number; dtype?: Dtype; key?: NDArray } = {}): NDArray {
  checkShape("random.normal", shape);
  const { loc = 0, scale = 1 } = opts;
  if (!Number.isFinite(loc) || !Number.isFinite(scale) || scale < 0) {
    throw new ArrayError("random.normal", `needs finite loc and scale >= 0, got loc ${loc}, scale ${scale}`);
  }
  const n = shape.reduce((p, d) => p * d, 1);
  const u = unitFloats([n + (n % 2)], opts.key);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u[i])); // 1 - u is in (0, 1]
    const t = 2 * Math.PI * u[i + 1];
    out[i] = loc + scale * r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = loc + scale * r * Math.sin(t);
  }
  return astype(fromTypedArray(out, shape), floatDtype("random.normal", opts.dtype));
}

/** Integers uniform in [low, high), int32. */
export function randint(low: number, high: number, shape: number[], opts: { key?: NDArray } = {}): NDArray {
  if (!Number.isInteger(low) || !Number.isInteger(high) || low >= high || low < -(2 ** 31) || high > 2 ** 31) {
    throw new ArrayError("random.randint", `needs int32 bounds low < high, got ${low}, ${high}`);
  }
  const words = bits(shape, opts).toTypedArray() as Uint32Array;
  const span = high - low;
  const out = new Int32Array(words.length);
  // Multiply-shift maps 32 random bits onto [0, span) with bias below 2^-32 * span.
  for (let i = 0; i < words.length; i++) out[i] = low + Math.floor((words[i] * span) / 2 ** 32);
  return fromTypedArray(out, shape, "int32");
}

/**
 * Samples category indices (int32) from unnormalised log-probabilities `logits`
 * along `axis` (Gumbel-max). With numSamples, a new last axis holds the samples.
 */
export function categorical(logits: NDArray, opts: { axis?: number; numSamples?: number; key?: NDArray } = {}): NDArray {
  checkArray("random.categorical", logits, "logits (an array)");
  if (!isFloat(logits.dtype)) throw new ArrayError("random.categorical", `logits must have a float dtype, got ${logits.dtype}`);
  const axis = opts.axis ?? -1;
  const { numSamples } = opts;
  if (numSamples !== undefined && (!Number.isInteger(numSamples) || numSamples < 1)) {
    throw new ArrayError("random.categorical", `numSamples must be a positive integer, got ${numSamples}`);
  }
  const x = numSamples === undefined ? logits : expandDims(logits, 0);
  const shape = numSamples === undefined ? [...x.shape] : [numSamples, ...logits.shape];
  const u = unitFloats(shape, opts.key);
  for (let i = 0; i < u.length; i++) u[i] = Math.max(u[i], 2 ** -24); // log(0) guard
  const gumbel = negative(log(negative(log(fromTypedArray(u, shape)))));
  const ax = numSamples === undefined ? axis : axis < 0 ? axis : axis + 1;
  const samples = argmax(add(astype(x, floatResult(x.dtype)), gumbel), ax);
  if (numSamples === undefined) return samples;
  // samples: numSamples x rest -> rest x numSamples
  const rest = samples.shape.slice(1);
  return reshape(samples.transpose([...rest.map((_, i) => i + 1), 0]), [...rest, numSamples]);
}
