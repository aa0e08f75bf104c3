// MLX affine quantization, laid out as mlx-community checkpoints store it:
//
//   <base>.weight  uint32  O x (I * bits / 32)   codes packed LSB-first along the input axis:
//                                                 code of column j sits in word j / (32 / bits)
//                                                 at bit bits * (j % (32 / bits))
//   <base>.scales  bf16    O x (I / groupSize)
//   <base>.biases  bf16    O x (I / groupSize)
//
// and dequantized as w = scale * code + bias, per group of `groupSize` columns.
//
// Per group: bias = min(w), scale = (max(w) - min(w)) / (2^bits - 1), both rounded to
// bf16 first; then code = clamp(round((w - bias) / scale), 0, 2^bits - 1) with those
// rounded values, so that the codes fit the stored scale and bias. (mlx's own
// quantizer also moves the grid so that 0 is exact; the layout is the same.)
import * as mx from "@tiny-llm/array";

/** A quantized matrix: packed codes and per-group scales and biases. */
export interface QuantizedTensor {
  weight: mx.array;
  scales: mx.array;
  biases: mx.array;
}

/** `x` rounded to bfloat16 (by the array library's astype: round to nearest even), back in float32. */
function roundBf16(x: Float32Array): Float32Array {
  return mx.astype(mx.fromTypedArray(x, [x.length], "float32"), "bfloat16").toTypedArray() as Float32Array;
}

/** Quantizes the O x I matrix `w` (any float dtype) to `bits` bits in groups of `groupSize` columns. */
export function quantizeAffine(w: mx.array, groupSize: number, bits: number): QuantizedTensor {
  if (w.ndim !== 2) throw new Error(`quantizeAffine: expected an O x I matrix, got shape [${w.shape}]`);
  const [O, I] = w.shape;
  const perWord = 32 / bits;
  if (!Number.isInteger(perWord) || I % groupSize !== 0 || groupSize % perWord !== 0) {
    throw new Error(`quantizeAffine: ${bits} bits in groups of ${groupSize} do not tile rows of ${I}`);
  }
  const levels = 2 ** bits - 1;
  const values = w.toTypedArray() as Float32Array; // O x I
  const G = I / groupSize;

  const rawScales = new Float32Array(O * G);
  const rawBiases = new Float32Array(O * G);
  for (let g = 0; g < O * G; g++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = g * groupSize; j < (g + 1) * groupSize; j++) {
      lo = Math.min(lo, values[j]);
      hi = Math.max(hi, values[j]);
    }
    rawScales[g] = (hi - lo) / levels;
    rawBiases[g] = lo;
  }
  const scales = roundBf16(rawScales);
  const biases = roundBf16(rawBiases);

  const words = new Uint32Array((O * I) / perWord);
  for (let g = 0; g < O * G; g++) {
    const scale = scales[g];
    const bias = biases[g];
    for (let j = g * groupSize; j < (g + 1) * groupSize; j++) {
      // A constant group (scale 0) stores code 0: it dequantizes to the bias.
      const code = scale === 0 ? 0 : Math.min(levels, Math.max(0, Math.round((values[j] - bias) / scale)));
      words[Math.floor(j / perWord)] |= code << (bits * (j % perWord));
    }
  }
  return {
    weight: mx.fromTypedArray(words, [O, I / perWord], "uint32"),
    scales: mx.fromTypedArray(scales, [O, G], "bfloat16"),
    biases: mx.fromTypedArray(biases, [O, G], "bfloat16"),
  };
}
