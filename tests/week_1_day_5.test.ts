// Week 1, day 5: Qwen2's attention (task 1), the transformer block (task 2) and the
// embedding (task 3). Book: week1-05-qwen2-model.md.
// Golden values: transformers' Qwen2Attention / Qwen2DecoderLayer (tests/golden/week1/make_week1_goldens.py).
import { goldenTests } from "./helpers/golden";
import { loadSolution } from "./solution";

const sol = loadSolution();

goldenTests("week1", "day5", (c) => `week_1_day_5_task_${c.params.task}`, (c, inputs) => {
  const p = c.params;
  switch (c.op) {
    case "qwen2_attention": {
      const [x, wq, wk, wv, wo, bq, bk, bv] = inputs;
      const attn = new sol.Qwen2MultiHeadAttention(p.hiddenSize, p.numHeads, p.numKvHeads, { wq, wk, wv, wo, bq, bk, bv }, p.maxSeqLen, p.theta);
      return attn.forward(x, "causal");
    }
    case "qwen2_block": {
      const [x, wq, wk, wv, wo, bq, bk, bv, wGate, wUp, wDown, wInputLayernorm, wPostAttentionLayernorm] = inputs;
      const weights = { wq, wk, wv, wo, bq, bk, bv, wGate, wUp, wDown, wInputLayernorm, wPostAttentionLayernorm };
      const block = new sol.Qwen2TransformerBlock(p.numHeads, p.numKvHeads, p.hiddenSize, p.intermediateSize, p.rmsNormEps, weights, p.maxSeqLen, p.theta);
      return block.forward(x, "causal");
    }
    case "embedding":
      return new sol.Embedding(p.vocabSize, p.dim, inputs[1]).forward(inputs[0]);
    case "embedding_as_linear":
      return new sol.Embedding(p.vocabSize, p.dim, inputs[1]).asLinear(inputs[0]);
  }
  throw new Error(`day5 fixture: unknown op ${c.op}`);
});
