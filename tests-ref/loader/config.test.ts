// config.json and generation_config.json: real Qwen2 files, defaults, the variants
// published checkpoints carry, and every way a file can be unusable.
import * as fs from "node:fs";
import * as path from "node:path";
import { eosTokenIds, readGenerationConfig, readModelConfig } from "@tiny-llm/loader";
import { loaderError, QWEN2_0_5B_CONFIG, QWEN2_0_5B_GENERATION_CONFIG, QWEN3_0_6B_CONFIG, useTmpDirs, writeJson } from "./helpers";

describe("loader_config", () => {
  const tmp = useTmpDirs();
  /** A folder whose config.json is `config`; returns [folder, config.json path]. */
  const withConfig = (config: unknown): [string, string] => {
    const dir = tmp();
    return [dir, writeJson(dir, "config.json", config)];
  };
  const plain: Record<string, unknown> = QWEN2_0_5B_CONFIG;
  const without = (key: string) => Object.fromEntries(Object.entries(plain).filter(([k]) => k !== key));

  it("loader_config_qwen2_0_5b_instruct", () => {
    const [dir] = withConfig(QWEN2_0_5B_CONFIG);
    expect(readModelConfig(dir)).toEqual({
      architecture: "Qwen2ForCausalLM",
      modelType: "qwen2",
      hiddenSize: 896,
      numHiddenLayers: 24,
      numAttentionHeads: 14,
      numKeyValueHeads: 2,
      headDim: 64,
      attentionBias: true,
      intermediateSize: 4864,
      vocabSize: 151936,
      rmsNormEps: 1e-6,
      ropeTheta: 1000000,
      maxPositionEmbeddings: 32768,
      tieWordEmbeddings: true,
      torchDtype: "bfloat16",
      quantization: null,
      bosTokenId: 151643,
      eosTokenIds: [151645],
    });
  });

  it("loader_config_qwen3_0_6b", () => {
    const [dir] = withConfig(QWEN3_0_6B_CONFIG);
    expect(readModelConfig(dir)).toEqual({
      architecture: "Qwen3ForCausalLM",
      modelType: "qwen3",
      hiddenSize: 1024,
      numHiddenLayers: 28,
      numAttentionHeads: 16,
      numKeyValueHeads: 8,
      headDim: 128, // not 1024 / 16
      attentionBias: false,
      intermediateSize: 3072,
      vocabSize: 151936,
      rmsNormEps: 1e-6,
      ropeTheta: 1000000,
      maxPositionEmbeddings: 40960,
      tieWordEmbeddings: true,
      torchDtype: "bfloat16",
      quantization: null,
      bosTokenId: 151643,
      eosTokenIds: [151645],
    });
    // mlx-community's 4-bit and 8-bit copies, and a config with model_type only.
    for (const bits of [4, 8]) {
      const [q] = withConfig({ ...QWEN3_0_6B_CONFIG, quantization: { group_size: 64, bits }, quantization_config: { group_size: 64, bits } });
      expect(readModelConfig(q).quantization).toEqual({ groupSize: 64, bits });
    }
    const [noArch] = withConfig({ ...QWEN3_0_6B_CONFIG, architectures: undefined });
    expect(readModelConfig(noArch)).toMatchObject({ architecture: null, modelType: "qwen3", headDim: 128 });
    // Qwen3Config's default: no q/k/v biases unless attention_bias says so; Qwen2 always has them.
    const [noBiasKey] = withConfig({ ...QWEN3_0_6B_CONFIG, attention_bias: undefined });
    expect(readModelConfig(noBiasKey).attentionBias).toBe(false);
    const [biased] = withConfig({ ...QWEN3_0_6B_CONFIG, attention_bias: true });
    expect(readModelConfig(biased).attentionBias).toBe(true);
    const [bad, badFile] = withConfig({ ...QWEN3_0_6B_CONFIG, attention_bias: "no" });
    expect(loaderError(() => readModelConfig(bad))).toBe(`"attention_bias" in ${badFile} is string "no", expected true or false; fix the file or download it again`);
  });

  it("loader_config_defaults_as_hf_qwen2config", () => {
    const [dir] = withConfig({
      architectures: ["Qwen2ForCausalLM"],
      hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 128, vocab_size: 1000, rms_norm_eps: 1e-5,
    });
    expect(readModelConfig(dir)).toMatchObject({
      numKeyValueHeads: 4, headDim: 16, ropeTheta: 10000, maxPositionEmbeddings: 32768, tieWordEmbeddings: false,
      torchDtype: null, quantization: null, bosTokenId: null, eosTokenIds: [], modelType: "qwen2",
    });
  });

  it("loader_config_dtype_key_and_head_dim", () => {
    const [dir] = withConfig({ ...without("torch_dtype"), dtype: "float16", head_dim: 128, eos_token_id: [151645, 151643] });
    const c = readModelConfig(dir);
    expect([c.torchDtype, c.headDim, c.eosTokenIds]).toEqual(["float16", 128, [151645, 151643]]);
  });

  it("loader_config_mlx_quantization", () => {
    const q = { group_size: 64, bits: 4 };
    for (const variant of [{ quantization: q }, { quantization_config: q }, { quantization: q, quantization_config: q }, { quantization: { ...q, mode: "affine" } }]) {
      const [dir] = withConfig({ ...QWEN2_0_5B_CONFIG, ...variant });
      expect(readModelConfig(dir).quantization).toEqual({ groupSize: 64, bits: 4 });
    }
    for (const bits of [2, 8]) {
      const [dir] = withConfig({ ...QWEN2_0_5B_CONFIG, quantization: { group_size: 32, bits } });
      expect(readModelConfig(dir).quantization).toEqual({ groupSize: 32, bits });
    }
  });

  it("loader_config_unsupported_quantization", () => {
    const cases: [unknown, string][] = [
      [{ quantization: { group_size: 64, bits: 3 } }, 'unsupported quantization: bits 3 in "quantization", expected one of 2, 4, 8'],
      [{ quantization_config: { group_size: 64, bits: 6 } }, 'unsupported quantization: bits 6 in "quantization_config"'],
      [{ quantization: { group_size: 0, bits: 4 } }, "unsupported quantization: group_size 0"],
      [{ quantization: { group_size: 4, bits: 4 } }, "unsupported quantization: group_size 4"],
      [{ quantization_config: { quant_method: "gptq", bits: 4, group_size: 128 } }, 'unsupported quantization method "gptq"'],
      [{ quantization_config: { quant_method: "awq", bits: 4, group_size: 128, version: "gemm" } }, 'unsupported quantization method "awq"'],
      [{ quantization: { group_size: 32, bits: 4, mode: "mxfp4" } }, 'unsupported quantization mode "mxfp4"'],
      [{ quantization: { group_size: 64, bits: 4, "model.layers.0.mlp.down_proj": { group_size: 64, bits: 8 } } }, 'per-layer settings in "quantization" (e.g. "model.layers.0.mlp.down_proj")'],
      [{ quantization: 4 }, '"quantization" in'],
    ];
    for (const [variant, want] of cases) {
      const [dir, file] = withConfig({ ...QWEN2_0_5B_CONFIG, ...(variant as object) });
      const msg = loaderError(() => readModelConfig(dir));
      expect(msg).toContain(want);
      expect(msg).toContain(file);
    }
  });

  it("loader_config_missing_required_key", () => {
    for (const key of ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "vocab_size", "rms_norm_eps"]) {
      const [dir, file] = withConfig(without(key));
      expect(loaderError(() => readModelConfig(dir))).toMatch(new RegExp(`^${file} has no "${key}", expected a positive (integer|number)`));
    }
  });

  it("loader_config_wrong_value_type", () => {
    const [dir, file] = withConfig({ ...plain, hidden_size: "896" });
    expect(loaderError(() => readModelConfig(dir))).toContain(`"hidden_size" in ${file} is string "896", expected a positive integer`);
    const [dir2] = withConfig({ ...plain, tie_word_embeddings: "yes" });
    expect(loaderError(() => readModelConfig(dir2))).toContain('"tie_word_embeddings" in');
    const [dir3] = withConfig({ ...plain, eos_token_id: ["<|im_end|>"] });
    expect(loaderError(() => readModelConfig(dir3))).toContain('"eos_token_id" in');
    const [dir4, file4] = withConfig({ ...plain, num_key_value_heads: 3 });
    expect(loaderError(() => readModelConfig(dir4))).toContain(`${file4}: num_attention_heads 14 is not a multiple of num_key_value_heads 3`);
  });

  it("loader_config_wrong_architecture", () => {
    const [dir, file] = withConfig({ ...plain, architectures: ["LlamaForCausalLM"], model_type: "llama" });
    expect(loaderError(() => readModelConfig(dir))).toMatch(new RegExp(`^${file}: unsupported architecture LlamaForCausalLM; supported: Qwen2ForCausalLM`));
    const noArch = without("architectures");
    const [dir2] = withConfig(noArch);
    expect(readModelConfig(dir2)).toMatchObject({ architecture: null, modelType: "qwen2" });
    const [dir3] = withConfig({ ...noArch, model_type: "llama" });
    expect(loaderError(() => readModelConfig(dir3))).toContain('unsupported model_type "llama"; supported: Qwen2ForCausalLM, Qwen3ForCausalLM (model_type "qwen2", "qwen3")');
    const [dir5, file5] = withConfig({ ...plain, architectures: ["Qwen3ForCausalLM"] });
    expect(loaderError(() => readModelConfig(dir5))).toBe(`${file5}: architecture Qwen3ForCausalLM with model_type "qwen2", expected model_type "qwen3"; fix the file or download it again`);
    const [dir4] = withConfig({ ...noArch, model_type: undefined });
    expect(loaderError(() => readModelConfig(dir4))).toContain('has neither "architectures" nor "model_type"');
  });

  it("loader_config_unsupported_features", () => {
    const [dir] = withConfig({ ...plain, hidden_act: "gelu" });
    expect(loaderError(() => readModelConfig(dir))).toContain('hidden_act "gelu" is not supported, expected "silu"');
    const [dir2] = withConfig({ ...plain, rope_scaling: { type: "yarn", factor: 4 } });
    expect(loaderError(() => readModelConfig(dir2))).toContain('rope_scaling {"type":"yarn","factor":4} is not supported');
    const [dir3] = withConfig({ ...plain, rope_scaling: null });
    expect(readModelConfig(dir3).ropeTheta).toBe(1000000);
  });

  it("loader_config_unreadable_file", () => {
    const dir = tmp();
    expect(loaderError(() => readModelConfig(dir))).toContain(`cannot read ${path.join(dir, "config.json")} (ENOENT)`);
    fs.writeFileSync(path.join(dir, "config.json"), '{"hidden_size": 896,');
    expect(loaderError(() => readModelConfig(dir))).toMatch(/config\.json is not valid JSON \(.*\); the file is damaged: download it again$/);
    fs.writeFileSync(path.join(dir, "config.json"), "[]");
    expect(loaderError(() => readModelConfig(dir))).toContain("config.json holds an array, expected a JSON object");
  });

  it("loader_generation_config", () => {
    const dir = tmp();
    expect(readGenerationConfig(dir)).toBeNull();
    writeJson(dir, "generation_config.json", QWEN2_0_5B_GENERATION_CONFIG);
    expect(readGenerationConfig(dir)).toEqual({
      eosTokenIds: [151645, 151643], bosTokenId: 151643, padTokenId: 151643, doSample: true,
      temperature: 0.7, topK: 20, topP: 0.8, repetitionPenalty: 1.1,
    });
    writeJson(dir, "generation_config.json", { eos_token_id: 2, temperature: "hot" });
    expect(loaderError(() => readGenerationConfig(dir))).toContain(`"temperature" in ${path.join(dir, "generation_config.json")} is string "hot", expected a number >= 0`);
  });

  it("loader_eos_token_ids_union", () => {
    expect(eosTokenIds({ eosTokenIds: [151645] }, { eosTokenIds: [151645, 151643] }, { eosTokenId: 151645 })).toEqual([151645, 151643]);
    expect(eosTokenIds({ eosTokenIds: [] }, null, { eosTokenId: 7 })).toEqual([7]);
    expect(eosTokenIds({ eosTokenIds: [1] }, { eosTokenIds: [] }, null)).toEqual([1]);
    expect(eosTokenIds({ eosTokenIds: [1] }, { eosTokenIds: [2] }, { eosTokenId: null })).toEqual([1, 2]);
  });
});
