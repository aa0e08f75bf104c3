// The token embedding: a table with one row of E numbers per token id.
import * as mx from "@tiny-llm/array";
import { NotImplementedError } from "./not-implemented";

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
  ) {}

  /** ids: N.. (int32)  ->  N.. x E */
  forward(ids: mx.array): mx.array {
    throw new NotImplementedError("Embedding.forward", ["week_1_day_5_task_3"], "week1-05-qwen2-model.md");
  }

  /** x: N.. x E  ->  N.. x V (one score per token) */
  asLinear(x: mx.array): mx.array {
    throw new NotImplementedError("Embedding.asLinear", ["week_1_day_5_task_3"], "week1-05-qwen2-model.md");
  }
}
