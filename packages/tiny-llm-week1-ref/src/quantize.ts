// MLX affine quantization: how 4-bit checkpoints store a weight matrix.
import * as mx from "@tiny-llm/array";
import { ArgumentError, checkFloatArray, checkShape } from "./checks";

/**
 * Unpacks an MLX affine-quantized matrix: each uint32 word of `w` holds 32 / bits codes,
 * the lowest bits first along the input axis; every `groupSize` consecutive inputs of a
 * row share one scale and one bias, and w = scale * code + bias. The result has the
 * scales' dtype (computed in float32, rounded once).
 *
 *   w: O x (I * bits / 32) uint32    scales, biases: O x (I / groupSize)    ->  O x I
 *
 * Week 1, day 6, task 1 (book: week1-06-loading-checkpoints.md).
 */
export function dequantizeLinear(w: mx.array, scales: mx.array, biases: mx.array, groupSize: number, bits: number): mx.array {
  const fn = "dequantizeLinear";
  if (![2, 4, 8].includes(bits)) throw new ArgumentError(fn, `bits must be 2, 4 or 8, got ${bits}`);
  if (!(w instanceof mx.NDArray) || w.dtype !== "uint32" || w.ndim !== 2) {
    throw new ArgumentError(fn, `w must be a 2-d uint32 mx.array (O x I*bits/32), got ${w instanceof mx.NDArray ? `${w.dtype} [${w.shape}]` : typeof w}`);
  }
  const perWord = 32 / bits;
  const [O, words] = w.shape;
  const I = words * perWord;
  if (!Number.isInteger(groupSize) || groupSize <= 0 || I % groupSize !== 0) {
    throw new ArgumentError(fn, `groupSize ${groupSize} does not divide the ${I} inputs of a row`);
  }
  checkFloatArray(fn, "scales", scales, "O x I/groupSize", 2);
  checkShape(fn, "scales", scales, [O, I / groupSize], "O x I/groupSize");
  checkFloatArray(fn, "biases", biases, "O x I/groupSize", 2);
  checkShape(fn, "biases", biases, [O, I / groupSize], "O x I/groupSize");

  // Shifting a word right by k bits is a floor division by 2^k; the low `bits` bits are
  // the remainder by 2^bits. O x words x 1 over perWord shifts -> O x words x perWord = O x I.
  const powers = mx.power(2, mx.arange(0, 32, bits, "uint32")); // 1, 2^bits, 2^(2 bits), ...
  const codes = mx.floorDivide(w.expandDims(-1), powers).remainder(2 ** bits);
  const grouped = codes.astype("float32").reshape(O, I / groupSize, groupSize);
  const s = scales.astype("float32").expandDims(-1);
  const b = biases.astype("float32").expandDims(-1);
  return grouped.multiply(s).add(b).reshape(O, I).astype(scales.dtype);
}
