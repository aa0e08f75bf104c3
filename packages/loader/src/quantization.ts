// The MLX affine quantization settings of a checkpoint (config.json `quantization`,
// repeated as `quantization_config` in mlx-community files). The loader only reads
// them: the tensors stay packed (uint32 `weight` with `scales` and `biases`), and
// dequantizing (w = scale * code + bias, per group) is the learner's exercise.
import { LoaderError } from "./errors";
import { isJsonObject, JsonObject } from "./json-file";

/** MLX affine quantization: `bits`-bit codes in groups of `groupSize` along each row. */
export interface QuantizationConfig {
  /** Elements sharing one scale and bias (MLX uses 32, 64 or 128). */
  groupSize: number;
  /** Bits per code: 2, 4 or 8 (32 / bits codes per uint32 word). */
  bits: number;
}

/** Bit widths whose codes fill uint32 words exactly (MLX's 3, 5 and 6 bits straddle words). */
export const SUPPORTED_BITS = [2, 4, 8];

/** The quantization of a parsed config.json, or null when its weights are plain floats. */
export function readQuantization(raw: JsonObject, file: string): QuantizationConfig | null {
  const key = raw.quantization != null ? "quantization" : "quantization_config";
  const q = raw[key];
  if (q == null) return null;
  const fix = "use a float (bf16/f16/f32) checkpoint or an MLX one quantized to 2, 4 or 8 bits";
  if (!isJsonObject(q)) throw new LoaderError(`"${key}" in ${file} is ${JSON.stringify(q)}, expected an object like {"group_size": 64, "bits": 4}; ${fix}`);
  if (q.quant_method !== undefined) {
    throw new LoaderError(`${file}: unsupported quantization method ${JSON.stringify(q.quant_method)} in "${key}"; only MLX affine quantization is supported; ${fix}`);
  }
  if (q.mode !== undefined && q.mode !== "affine") {
    throw new LoaderError(`${file}: unsupported quantization mode ${JSON.stringify(q.mode)} in "${key}", expected "affine"; ${fix}`);
  }
  const perLayer = Object.keys(q).find((k) => isJsonObject(q[k]) || typeof q[k] === "boolean");
  if (perLayer !== undefined) {
    throw new LoaderError(`${file}: unsupported quantization: per-layer settings in "${key}" (e.g. "${perLayer}"); only one group_size and bits for all layers is supported; ${fix}`);
  }
  const { bits, group_size: groupSize } = q;
  if (!Number.isInteger(bits) || !SUPPORTED_BITS.includes(bits as number)) {
    throw new LoaderError(`${file}: unsupported quantization: bits ${JSON.stringify(bits)} in "${key}", expected one of ${SUPPORTED_BITS.join(", ")}; ${fix}`);
  }
  if (!Number.isInteger(groupSize) || (groupSize as number) <= 0 || ((groupSize as number) * (bits as number)) % 32 !== 0) {
    throw new LoaderError(`${file}: unsupported quantization: group_size ${JSON.stringify(groupSize)} in "${key}", expected a positive integer whose group fills whole uint32 words (e.g. 32, 64, 128); ${fix}`);
  }
  return { groupSize: groupSize as number, bits: bits as number };
}
