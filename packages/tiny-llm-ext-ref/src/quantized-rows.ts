// A quantized embedding's lookup in three launches (GPU): rows of a quantized table by
// token id, unpacked. Week 1's way, the gathers of codes, scales and biases and then
// dequantizeLinear's shifts, masks and arithmetic, is 16 launches on the GPU, each
// costing the host 10-15 us of recording (book: week2-05, "Four launches in one"). Here
// mx.take gathers the codes (its own check of the ids: an id out of range is reported
// at the next read back) and one kernel unpacks them with their rows' scales and biases.
// Reference only: the CPU takes week 1's way (the model's QuantizedEmbedding).
import * as mx from "@tiny-llm/array";

import { ArgumentError, checkArray } from "./checks";
import { quantizedRowsGpu } from "./gpu/quantized-rows";
import { checkQuantizedWeights, packed, type QuantizedWeights } from "./quantized-matmul";

/** The kernel's parameters (src/gpu/quantized-rows.ts). */
export interface QuantizedRowsParams {
  groupSize: number;
  bits: number;
  /** The table's rows, V: ids are clamped to them (mx.take has reported any outside). */
  vocab: number;
}

const quantizedRowsKernel: mx.CustomKernel<QuantizedRowsParams> = {
  name: "quantizedRows",
  implementations: { gpu: quantizedRowsGpu },
};

/**
 * Rows `ids` of a quantized table W (V x K), unpacked: each value code * scale + bias in
 * float32, rounded to the scales' dtype (as dequantizeLinear gives it), as float32. GPU only.
 *
 *   table: QuantizedWeights of W (V x K)    ids: N.. (int32)  ->  N.. x K (float32)
 */
export function quantizedRows(table: QuantizedWeights, ids: mx.array): mx.array {
  const fn = "quantizedRows";
  checkArray(fn, "ids", ids, "N.. token ids", { ndim: 0, atLeast: true }, ["int32"]);
  if (ids.device !== "gpu") throw new ArgumentError(fn, `ids are on the ${ids.device}; quantizedRows runs on the GPU (on the CPU, gather then dequantizeLinear)`);
  const { K, O: V } = checkQuantizedWeights(fn, table, "table");
  const flat = ids.reshape(-1); // T
  const [weight, scales, biases] = packed(table);
  const codes = mx.take(weight, flat, 0); // T x words, contiguous; checks the ids
  const [rows] = mx.runKernel(quantizedRowsKernel, [codes, flat, scales, biases], [{ shape: [flat.size, K], dtype: "float32" }], { groupSize: table.groupSize, bits: table.bits, vocab: V });
  return rows.reshape([...ids.shape, K]);
}
