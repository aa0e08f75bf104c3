// Argument checks shared by the ops.
import { NDArray } from "../array";
import { ArrayError } from "../errors";
import { isReleased } from "../memory";

/** Asserts that `a` is an array, naming the op otherwise. */
export function checkArray(op: string, a: unknown, what = "an array"): asserts a is NDArray {
  if (!(a instanceof NDArray)) throw new ArrayError(op, `expected ${what}, got ${a === null ? "null" : Array.isArray(a) ? "a JS array (wrap it with mx.array)" : typeof a}`);
  if (isReleased(a)) throw new ArrayError(op, `got ${what} that was released (mx.tidy or mx.dispose): it can no longer be used; return it from tidy or mark it with mx.keep`);
}
