import type { NDArray } from "../array";
import { abs, add, lessEqual, multiply, subtract } from "./elementwise";
import { all } from "./reduce";

/** True when every element of a and b is within atol + rtol * |b| (NaNs never match). */
export function allclose(a: NDArray, b: NDArray, rtol = 1e-5, atol = 1e-8): boolean {
  const fa = a.astype("float32"), fb = b.astype("float32");
  return all(lessEqual(abs(subtract(fa, fb)), add(multiply(abs(fb), rtol), atol))).item() as boolean;
}
