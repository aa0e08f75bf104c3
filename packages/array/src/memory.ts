// Releasing intermediate arrays' buffers early, as TensorFlow.js's tidy does.
//
// Every array holds its data in an ArrayBuffer that the garbage collector frees. V8
// counts those buffers as external memory, and once a few tens of MB of them have been
// allocated since its last collection it runs a full mark-compact: a forward pass over
// a 128-token prompt allocates hundreds of MB of activations and spent about a quarter
// of its time in those collections. Inside `tidy(fn)`, the arrays fn creates are
// released when it returns (all but what it returns and what `keep` marks): a buffer no
// live array views any more goes back to its device's backend, whose pool hands it to
// the next allocation of the same size instead of asking V8 (or the GPU) for a new one.
//
// A released array cannot be used again: every op checks and throws, so a mistake is an
// error naming the op, never another array's data read in its place.
import { NDArray } from "./array";
import { ArrayError } from "./errors";
import { backendFor, type Storage } from "./backend";

/**
 * Arrays alive on each CPU buffer: a buffer is pooled when its last one is released.
 * Device storage counts its own (DeviceStorage.views): a WeakMap entry per allocation
 * made the collector's young-generation passes dominate a GPU decode step.
 */
const viewsOf = new WeakMap<ArrayBuffer, number>();
/** The arrays created in each open tidy scope, innermost last. */
const scopes: NDArray[][] = [];
const kept = new WeakSet<NDArray>();

/** Adds `delta` to the arrays alive on `s`; returns the new count. */
function addViews(s: Storage, delta: number): number {
  if (s instanceof ArrayBuffer) {
    const n = (viewsOf.get(s) ?? 0) + delta;
    viewsOf.set(s, n);
    return n;
  }
  return (s.views += delta);
}

/** Called by every NDArray's constructor. */
export function track(a: NDArray): void {
  addViews(a.storage, 1);
  if (scopes.length > 0) scopes[scopes.length - 1].push(a);
}

/** Whether `a` was released (by tidy or dispose). */
export function isReleased(a: NDArray): boolean {
  return a.released;
}

/**
 * Releases `a`: it can no longer be used, and when no other live array views its buffer,
 * the buffer is reused by a later allocation of the same size.
 */
export function dispose(a: NDArray): void {
  if (!(a instanceof NDArray)) {
    throw new ArrayError("dispose", `expected one array, got ${Array.isArray(a) ? "a JS array (dispose its arrays one by one, or let mx.tidy release them)" : a === null ? "null" : typeof a}`);
  }
  if (a.released) return;
  a.released = true;
  if (addViews(a.storage, -1) === 0) backendFor(a.device).release(a.storage);
}

/** Marks arrays that outlive the tidy scope they are created in (a cache's buffers). Returns them. */
export function keep<T extends NDArray | NDArray[]>(arrays: T): T {
  for (const a of Array.isArray(arrays) ? arrays : [arrays]) kept.add(a);
  return arrays;
}

/** The arrays in a tidy result: an array, or arrays in a (nested) JS array. */
function resultArrays(r: unknown, out: Set<NDArray>): Set<NDArray> {
  if (Array.isArray(r)) for (const x of r) resultArrays(x, out);
  else if (r instanceof NDArray) out.add(r);
  return out;
}

/**
 * Runs fn, then releases every array it created except those it returns (an array or a
 * JS array of them) and those marked with keep. Scopes nest: what an inner scope returns
 * belongs to the outer one.
 */
export function tidy<T>(fn: () => T): T {
  scopes.push([]);
  let result: T | undefined;
  try {
    result = fn();
    return result;
  } finally {
    const created = scopes.pop()!;
    const survivors = resultArrays(result, new Set());
    const outer = scopes.length > 0 ? scopes[scopes.length - 1] : null;
    for (const a of created) {
      if (survivors.has(a) || kept.has(a)) outer?.push(a);
      else dispose(a);
    }
  }
}
