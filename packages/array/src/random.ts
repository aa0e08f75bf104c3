// Key-based random numbers (threefry-2x32, as in JAX and MLX): a key is a uint32
// array of shape [2]; the same key always gives the same numbers. Calls without a
// key draw a fresh one from a global key set by seed(). Keys and their bits live on
// the CPU; the samples go to the default device (categorical: to the logits' device).
import { NDArray } from "./array";
import { defaultDevice } from "./backend";
import { cpuRandomBits } from "./backend/cpu";
import { Dtype, floatResult, isFloat } from "./dtype";
import { ArrayError, fmtShape } from "./errors";
import { checkShape, normalizeAxis } from "./layout";
import { checkArray } from "./ops/check";
import { astype, checkDtype, contiguous } from "./ops/convert";
import { fromTypedArray, full } from "./ops/creation";
import { add, log, minimum, negative } from "./ops/elementwise";
import { argmax } from "./ops/reduce";
import { toDevice } from "./ops/device";
import { expandDims, reshape } from "./ops/shape";

/** A key from an integer seed (0 <= seed < 2^53). */
export function key(seed: number): NDArray {
  if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw new ArrayError("random.key", `seed must be an integer in [0, 2^53), got ${seed}`);
  }
  return fromTypedArray(new Uint32Array([Math.floor(seed / 2 ** 32), seed >>> 0]), [2], "uint32", "cpu");
}

let globalKey = key(0);

/** Re-seeds the global key used by calls without an explicit key. */
export function seed(s: number): void {
  globalKey = key(s);
}

function keyWords(op: string, k: NDArray | undefined): [number, number] {
  let use = k;
  if (use === undefined) {
    const keys = split(globalKey);
    globalKey = contiguous(keys.slice(0));
    use = keys.slice(1);
  }
  checkArray(op, use, "a key (uint32 array of shape [2])");
  if (use.dtype !== "uint32" || use.ndim !== 1 || use.shape[0] !== 2) {
    throw new ArrayError(op, `key must be a uint32 array of shape [2], got ${use.dtype} ${fmtShape(use.shape)}`);
  }
  if (use.device !== "cpu") throw new ArrayError(op, `keys live on the CPU, got one on the ${use.device} (make it with mx.random.key)`);
  const w = use.toTypedArray();
  return [w[0], w[1]];
}

function randomBits(op: string, shape: number[], k: NDArray | undefined): NDArray {
  checkShape(op, shape);
  const words = keyWords(op, k);
  const out = NDArray.empty(shape, "uint32", "cpu");
  if (out.size > 0) cpuRandomBits(words, out);
  return out;
}

/** Random uint32 bits of `shape`. */
export function bits(shape: number[], opts: { key?: NDArray } = {}): NDArray {
  return toDevice(randomBits("random.bits", shape, opts.key), defaultDevice());
}

/** `num` new keys derived from `k`, as a uint32 array of shape [num, 2] (row i is key i). */
export function split(k: NDArray, num = 2): NDArray {
  if (!Number.isInteger(num) || num < 1) throw new ArrayError("random.split", `num must be a positive integer, got ${num}`);
  return randomBits("random.split", [num, 2], k);
}

/** Floats uniform in [0, 1) from the top 23 bits of each word (exactly representable in float32). */
function unitFloats(op: string, shape: number[], k: NDArray | undefined): Float32Array {
  const words = randomBits(op, shape, k).toTypedArray() as Uint32Array;
  const out = new Float32Array(words.length);
  for (let i = 0; i < words.length; i++) out[i] = (words[i] >>> 9) * 2 ** -23;
  return out;
}

function floatDtype(op: string, dtype: Dtype | undefined): Dtype {
  const dt = dtype === undefined ? "float32" : checkDtype(op, dtype);
  if (!isFloat(dt)) throw new ArrayError(op, `dtype must be a float dtype, got ${dt}`);
  return dt;
}

/** The largest value of a float dtype below x, as a 0-d array of that dtype. */
function largestBelow(x: number, dtype: Dtype): NDArray {
  const h = full([], x, dtype, "cpu");
  const v = h.item() as number;
  if (v < x) return h;
  const buf = h.storage as ArrayBuffer;
  const word = dtype === "float32" ? new Uint32Array(buf, h.offset * 4, 1) : new Uint16Array(buf, h.offset * 2, 1);
  const signBit = dtype === "float32" ? 0x80000000 : 0x8000;
  // Neighbouring floats have neighbouring bit patterns: step one toward -inf.
  if (v > 0) word[0] -= 1;
  else if (v === 0) word[0] = signBit | 1;
  else word[0] += 1;
  return h;
}

/** Uniform samples in [low, high). */
export function uniform(shape: number[], opts: { low?: number; high?: number; dtype?: Dtype; key?: NDArray } = {}): NDArray {
  checkShape("random.uniform", shape);
  const { low = 0, high = 1 } = opts;
  if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
    throw new ArrayError("random.uniform", `needs finite low < high, got low ${low}, high ${high}`);
  }
  const dtype = floatDtype("random.uniform", opts.dtype);
  const u = unitFloats("random.uniform", shape, opts.key);
  for (let i = 0; i < u.length; i++) u[i] = low + (high - low) * u[i];
  // Rounding to the dtype may carry a value up to `high` itself: clamp below it.
  return minimum(astype(fromTypedArray(u, shape), dtype), toDevice(largestBelow(high, dtype), defaultDevice()));
}

/** Normal samples with mean `loc` and standard deviation `scale` (Box-Muller). */
export function normal(shape: number[], opts: { loc?: number; scale?: number; dtype?: Dtype; key?: NDArray } = {}): NDArray {
  checkShape("random.normal", shape);
  const { loc = 0, scale = 1 } = opts;
  if (!Number.isFinite(loc) || !Number.isFinite(scale) || scale < 0) {
    throw new ArrayError("random.normal", `needs finite loc and scale >= 0, got loc ${loc}, scale ${scale}`);
  }
  const n = shape.reduce((p, d) => p * d, 1);
  const u = unitFloats("random.normal", [n + (n % 2)], opts.key);
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
  const words = randomBits("random.randint", shape, opts.key).toTypedArray() as Uint32Array;
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
  const axis = normalizeAxis("random.categorical", opts.axis ?? -1, logits.shape);
  const { numSamples } = opts;
  if (numSamples !== undefined && (!Number.isInteger(numSamples) || numSamples < 1)) {
    throw new ArrayError("random.categorical", `numSamples must be a positive integer, got ${numSamples}`);
  }
  const x = numSamples === undefined ? logits : expandDims(logits, 0);
  const shape = numSamples === undefined ? [...x.shape] : [numSamples, ...logits.shape];
  const u = unitFloats("random.categorical", shape, opts.key);
  for (let i = 0; i < u.length; i++) u[i] = Math.max(u[i], 2 ** -24); // log(0) guard
  const gumbel = negative(log(negative(log(fromTypedArray(u, shape, "float32", logits.device)))));
  const ax = numSamples === undefined ? axis : axis + 1;
  const samples = argmax(add(astype(x, floatResult(x.dtype)), gumbel), ax);
  if (numSamples === undefined) return samples;
  // samples: numSamples x rest -> rest x numSamples
  const rest = samples.shape.slice(1);
  return reshape(samples.transpose([...rest.map((_, i) => i + 1), 0]), [...rest, numSamples]);
}
