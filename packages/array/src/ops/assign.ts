// Writing into an existing array: numpy's `dst[...] = src`, the one in-place op. A KV
// cache appends each step's keys into a preallocated buffer through a slice of it.
import type { NDArray } from "../array";
import { backendFor } from "../backend";
import { ArrayError, fmtShape } from "../errors";
import { checkArray } from "./check";
import { broadcastView, sameDevice } from "./elementwise";

/**
 * Writes `src` into the elements `dst` views, in place: `src` is broadcast to dst's
 * shape and converted to dst's dtype. `dst` is usually a slice of a larger array
 * (`buf.slice(":", "4:6")`), whose buffer then holds the new values.
 */
export function assign(dst: NDArray, src: NDArray): void {
  checkArray("assign", dst, "the destination");
  checkArray("assign", src, "the source");
  sameDevice("assign", dst, src);
  const fits = src.ndim <= dst.ndim && src.shape.every((n, i) => n === 1 || n === dst.shape[dst.ndim - src.ndim + i]);
  if (!fits) throw new ArrayError("assign", `cannot write shape ${fmtShape(src.shape)} into shape ${fmtShape(dst.shape)} (it must broadcast to it)`);
  if (dst.size > 0) backendFor(dst.device).copy(broadcastView(src, dst.shape), dst);
}
