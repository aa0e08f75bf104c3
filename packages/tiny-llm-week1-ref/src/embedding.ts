// The token embedding: a table with one row of E numbers per token id.
import * as mx from "@tiny-llm/array";
import { ArgumentError, checkFloatArray, checkPositiveInt, checkShape } from "./checks";

/**
 * Looks up rows of `weight` (V x E) by token id. `asLinear` runs the table backwards,
 * scoring a hidden state against every token: the output head of models with tied
 * embeddings (`tie_word_embeddings`), such as Qwen2-0.5B.
 *
 * Week 1, day 5, task 3 (book: week1-05-qwen2-model.md).
 */
export class Embedding {
  constructor(
    readonly vocabSize: number,
    readonly embeddingDim: number,
    readonly weight: mx.array,
  ) {
    checkPositiveInt("Embedding", "vocabSize", vocabSize);
    checkPositiveInt("Embedding", "embeddingDim", embeddingDim);
    checkFloatArray("Embedding", "weight", weight, "V x E", 2);
    checkShape("Embedding", "weight", weight, [vocabSize, embeddingDim], "V x E");
  }

  /** ids: N.. (int32)  ->  N.. x E */
  forward(ids: mx.array): mx.array {
    if (!(ids instanceof mx.NDArray) || (ids.dtype !== "int32" && ids.dtype !== "uint32")) {
      throw new ArgumentError("Embedding.forward", `ids must be an int32 mx.array of token ids (N..), got ${ids instanceof mx.NDArray ? ids.dtype : typeof ids}`);
    }
    return mx.take(this.weight, ids, 0);
  }

  /** x: N.. x E  ->  N.. x V (one score per token) */
  asLinear(x: mx.array): mx.array {
    checkFloatArray("Embedding.asLinear", "x", x, "N.. x E", 1);
    checkShape("Embedding.asLinear", "x", x, [...x.shape.slice(0, -1), this.embeddingDim], "N.. x E");
    return x.matmul(this.weight.swapaxes(0, 1));
  }
}
