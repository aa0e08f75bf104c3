// The token embedding of a quantized checkpoint, kept packed: a lookup unpacks only the
// rows it reads. A tied output head multiplies by the packed table (`table`, as a linear
// weight: qwen2-week2.ts).
import * as mx from "@tiny-llm/array";
import { quantizedRows, type QuantizedWeights } from "@tiny-llm/tiny-llm-ext-ref";
import { dequantizeLinear } from "@tiny-llm/tiny-llm-week1-ref";

/** An embedding table V x E stored MLX-quantized (the same layout as a linear weight). */
export class QuantizedEmbedding {
  constructor(readonly table: QuantizedWeights) {}

  /**
   * ids: N.. (int32)  ->  N.. x E, in the scales' dtype (on the GPU, those values as
   * float32: quantizedRows, three launches instead of week 1's sixteen).
   */
  forward(ids: mx.array): mx.array {
    if (ids.device === "gpu") return quantizedRows(this.table, ids);
    const { weight, scales, biases, groupSize, bits } = this.table;
    const flat = ids.reshape(-1); // T rows to unpack, T = size of N..
    const rows = dequantizeLinear(mx.take(weight, flat, 0), mx.take(scales, flat, 0), mx.take(biases, flat, 0), groupSize, bits); // T x E
    return rows.reshape(...ids.shape, rows.shape[1]);
  }
}
