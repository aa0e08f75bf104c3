// Week 2, Qwen3: from Qwen2 to Qwen3. Qwen3's attention with a per-head RMSNorm of
// queries and keys and a head size of its own (task 1), and the Qwen3 model with the KV
// cache (task 2), on the tiny Qwen3 (packages/tiny-model: E = 32, H_q = 4, H_kv = 2,
// D = 16) in four forms: bf16, 4-bit, untied bf16, untied 8-bit.
// Book: week2-qwen3.md. Golden values: tests/golden/week2/make_qwen3_goldens.py
// (transformers' Qwen3ForCausalLM). Not a numbered day: it stands beside week 2's days,
// so its ids are week_2_qwen3_task_<t>_<what> (`pnpm test -k qwen3`).
import * as mx from "@tiny-llm/array";
import type { LoadedModel } from "@tiny-llm/loader";
import { expectClose } from "./helpers/compare";
import { GoldenCase, loadGolden } from "./helpers/golden";
import { describeAgainstReference, expectSameAsReference, randomNormal } from "./helpers/reference";
import { loadTinyModel } from "./helpers/tiny-model";
import { loadSolution } from "./solution";

const sol = loadSolution();
const g = loadGolden("week2", "qwen3");

const loadedModels = new Map<string, LoadedModel>();
/** The case's checkpoint (its sha256 checked against the goldens'), loaded once per file. */
function loaded(c: GoldenCase): LoadedModel {
  if (!loadedModels.has(c.params.model)) loadedModels.set(c.params.model, loadTinyModel(c));
  return loadedModels.get(c.params.model)!;
}

/** Values of an int32 fixture tensor. */
const ints = (name: string): number[] => Array.from(g.raw(name).data);

// ------------------------------------------------------------------ task 1: attention
/** Layer `i`'s attention of the checkpoint, as Qwen3MultiHeadAttention takes it. */
function attentionOf(model: LoadedModel, i: number) {
  const c = model.config;
  const w = (name: string) => model.weights.get(`model.layers.${i}.self_attn.${name}.weight`);
  return new sol.Qwen3MultiHeadAttention(
    {
      hiddenSize: c.hiddenSize, numAttentionHeads: c.numAttentionHeads, numKeyValueHeads: c.numKeyValueHeads, headDim: c.headDim,
      rmsNormEps: c.rmsNormEps, maxPositionEmbeddings: c.maxPositionEmbeddings, ropeTheta: c.ropeTheta,
    },
    { wq: w("q_proj"), wk: w("k_proj"), wv: w("v_proj"), wo: w("o_proj"), wQNorm: w("q_norm"), wKNorm: w("k_norm") },
  );
}

for (const c of g.cases.filter((c) => c.op === "qwen3_attention")) {
  test(`week_2_qwen3_task_1_${c.id}`, async () => {
    const model = loaded(c);
    // The tiny Qwen3's heads are wider than E / H_q: D comes from head_dim.
    expect(model.config.headDim * model.config.numAttentionHeads).not.toBe(model.config.hiddenSize);
    const out = attentionOf(model, c.params.layer).forward(g.array(c.inputs[0]), "causal"); // 1 x L x E
    await expectClose(out, g.raw(c.outputs[0]), { tol: c.tol, label: c.id });
  });
}

describeAgainstReference("week2_ref", (ref) => {
  // Random weights, a batch of 2 and an explicit mask, with D = 24 in E = 40 over 5 heads.
  test("week_2_qwen3_task_1_qwen3_attention_batch_and_mask_match_reference", async () => {
    const [E, Hq, Hkv, D, L] = [40, 6, 2, 24, 7];
    const options = { hiddenSize: E, numAttentionHeads: Hq, numKeyValueHeads: Hkv, headDim: D, rmsNormEps: 1e-6, maxPositionEmbeddings: 64, ropeTheta: 10000 };
    const weights = {
      wq: randomNormal(1, [Hq * D, E], "float32", 0.2), wk: randomNormal(2, [Hkv * D, E], "float32", 0.2),
      wv: randomNormal(3, [Hkv * D, E], "float32", 0.2), wo: randomNormal(4, [E, Hq * D], "float32", 0.2),
      wQNorm: randomNormal(5, [D], "float32", 0.1).add(1), wKNorm: randomNormal(6, [D], "float32", 0.1).add(1),
    };
    const x = randomNormal(7, [2, L, E]);
    const mask = mx.where(randomNormal(8, [L, L]).greater(0.5), mx.array(-Infinity), mx.array(0)).astype("float32"); // L x L
    for (const m of ["causal", mask] as const) {
      const ours = new sol.Qwen3MultiHeadAttention(options, weights).forward(x, m);
      await expectSameAsReference(ours, new ref.Qwen3MultiHeadAttention(options, weights).forward(x, m), `mask ${m === "causal" ? "causal" : "random"}`);
    }
  });
});

// ------------------------------------------------------------------ task 2: the model
for (const c of g.cases.filter((c) => c.op === "qwen3_logits")) {
  test(`week_2_qwen3_task_2_${c.id}`, async () => {
    const model = new sol.Qwen3ModelWeek2(loaded(c));
    const logits = model.forward(mx.array([ints(c.inputs[0])], "int32"), 0, model.makeCache(), { lastOnly: true }); // 1 x 1 x V
    const row = logits.reshape(-1); // V
    await expectClose(mx.take(row, g.array(c.outputs[0]), 0), g.raw(c.outputs[1]), { tol: c.tol, label: `${c.id}: logits at the checked ids` });
    if (c.outputs.length > 2) await expectClose(row, g.raw(c.outputs[2]), { tol: c.tol, label: `${c.id}: the whole row` });
  });
}

// Greedy decoding with the cache: the prompt in one call, then one call per token, each
// fed transformers' previous token; every call's argmax is transformers' next token.
for (const c of g.cases.filter((c) => c.op === "qwen3_greedy")) {
  test(`week_2_qwen3_task_2_${c.id}`, async () => {
    const model = new sol.Qwen3ModelWeek2(loaded(c));
    const cache = model.makeCache();
    const [ids, expected] = [ints(c.inputs[0]), ints(c.outputs[0])];
    const got: number[] = [];
    let [offset, feed] = [0, ids];
    for (let step = 0; step < expected.length; step++) {
      const logits = model.forward(mx.array([feed], "int32"), offset, cache, { lastOnly: true }); // 1 x 1 x V
      got.push((await logits.reshape(-1).argmax(-1).itemAsync()) as number);
      [offset, feed] = [offset + feed.length, [expected[step]]];
    }
    expect(got).toEqual(expected);
  });
}
