// load(): a whole checkpoint folder, found by path or by Hugging Face id.
import * as fs from "node:fs";
import * as path from "node:path";
import * as mx from "@tiny-llm/array";
import { load, writeQwenTokenizer, writeSafetensors } from "@tiny-llm/loader";
import { loaderError, QWEN2_0_5B_CONFIG, QWEN2_0_5B_GENERATION_CONFIG, useTmpDirs, writeJson } from "./helpers";

describe("loader_load", () => {
  const tmp = useTmpDirs();
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.HF_HUB_CACHE;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = saved;
  });

  it("loader_load_checkpoint_folder_and_hf_id", () => {
    const cache = tmp();
    process.env.HF_HUB_CACHE = cache;
    const dir = path.join(cache, "models--Qwen--Qwen2-0.5B-Instruct", "snapshots", "0123abcd");
    fs.mkdirSync(dir, { recursive: true });
    writeJson(dir, "config.json", { ...QWEN2_0_5B_CONFIG, hidden_size: 8, num_attention_heads: 2, num_key_value_heads: 1 });
    writeJson(dir, "generation_config.json", QWEN2_0_5B_GENERATION_CONFIG);
    writeSafetensors(path.join(dir, "model.safetensors"), { "model.norm.weight": mx.ones([8], "bfloat16") });
    writeQwenTokenizer(dir);

    const byPath = load(dir);
    expect(byPath.path).toBe(dir);
    byPath.weights.close();
    const m = load("Qwen/Qwen2-0.5B-Instruct");
    expect(m.path).toBe(dir);
    expect([m.config.hiddenSize, m.config.headDim, m.config.numKeyValueHeads]).toEqual([8, 4, 1]);
    expect(m.generationConfig?.topK).toBe(20);
    expect(m.eosTokenIds).toEqual([151645, 151643]);
    expect(m.tokenizer.encode("<|im_end|>")).toEqual([151645]);
    expect(m.weights.names()).toEqual(["model.norm.weight"]);
    expect(m.weights.get("model.norm.weight").toArray()).toEqual(new Array(8).fill(1));
    m.weights.close();

    fs.rmSync(path.join(dir, "model.safetensors"));
    expect(loaderError(() => load(dir))).toContain(`${dir} has no weights`);
  });
});
