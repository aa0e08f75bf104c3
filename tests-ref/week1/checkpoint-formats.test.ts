// The week 1 reference on the tiny model as users download checkpoints: one file or
// sharded, tied or untied head, bf16 or MLX 4-bit, a folder or an id in the Hugging Face
// cache. Each must give transformers' greedy tokens (tests/golden/week1/tiny_model.safetensors).
import * as fs from "node:fs";
import * as path from "node:path";
import { load, openCheckpoint, writeSafetensors } from "@tiny-llm/loader";
import * as ref from "@tiny-llm/tiny-llm-week1-ref";
import { GoldenCase } from "../../tests/helpers/golden";
import { tinyGolden, tinyModelDir } from "../../tests/helpers/tiny-model";
import { useTmpDirs } from "../loader/helpers";

const tmpDir = useTmpDirs();
const greedy = (form: string, prompt: string) =>
  tinyGolden.cases.find((c) => c.op === "tiny_model_greedy" && c.params.form === form && c.id.endsWith(prompt))!;

/** Greedy tokens of the reference on the checkpoint at `idOrPath`, as many as the case holds. */
async function expectGreedyTokens(idOrPath: string, c: GoldenCase): Promise<void> {
  const loaded = load(idOrPath);
  const expected = Array.from(tinyGolden.raw(c.outputs[0]).data);
  const result = await ref.simpleGenerate(new ref.Qwen2ModelWeek1(loaded), loaded.tokenizer, c.params.text, {
    maxTokens: expected.length,
    eosTokenIds: [],
  });
  expect(result.tokens).toEqual(expected);
}

/** A copy of a checkpoint folder whose files are links, with `files` written over them. */
function variantOf(dir: string, files: (out: string) => void): string {
  const out = tmpDir();
  for (const f of fs.readdirSync(dir)) if (!f.startsWith(".")) fs.symlinkSync(path.join(dir, f), path.join(out, f));
  files(out);
  return out;
}

function editConfig(dir: string, edit: (config: Record<string, unknown>) => void): void {
  const file = path.join(dir, "config.json");
  const config = JSON.parse(fs.readFileSync(file, "utf8"));
  edit(config);
  fs.rmSync(file);
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
}

for (const form of ["bf16", "4bit"]) {
  for (const prompt of ["chat_en", "chat_zh", "raw_fox"]) {
    test(`week1_ref_tiny_model_${form}_${prompt}_prompt_ids_match_transformers`, () => {
      const c = greedy(form, prompt);
      const { tokenizer } = load(tinyModelDir(c));
      if (c.params.chat) {
        const text = tokenizer.applyChatTemplate([{ role: "user", content: c.params.prompt }], { addGenerationPrompt: true });
        expect(text).toBe(c.params.text);
      }
      expect(tokenizer.encode(c.params.text)).toEqual(Array.from(tinyGolden.raw(c.inputs[0]).data));
    });
  }
}

test("week1_ref_tiny_model_4bit_one_file", async () => {
  const c = greedy("4bit", "chat_zh");
  await expectGreedyTokens(tinyModelDir(c), c);
});

test("week1_ref_tiny_model_bf16_sharded_with_index", async () => {
  const c = greedy("bf16", "chat_en");
  const dir = variantOf(tinyModelDir(c), (out) => {
    fs.rmSync(path.join(out, "model.safetensors"));
    const ckpt = openCheckpoint(tinyModelDir(c));
    const names = ckpt.names();
    const shards = [names.filter((n) => n.includes("embed") || n.includes("layers.0.")), names.filter((n) => !(n.includes("embed") || n.includes("layers.0.")))];
    const weightMap: Record<string, string> = {};
    shards.forEach((shard, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      writeSafetensors(path.join(out, file), Object.fromEntries(shard.map((n) => [n, ckpt.get(n)])), { format: "pt" });
      for (const n of shard) weightMap[n] = file;
    });
    fs.writeFileSync(path.join(out, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  });
  expect(fs.existsSync(path.join(dir, "model.safetensors"))).toBe(false);
  await expectGreedyTokens(dir, c);
});

test("week1_ref_tiny_model_bf16_untied_head", async () => {
  // The same weights with the head stored apart (tie_word_embeddings false, lm_head.weight
  // a copy of the embedding): the model must read lm_head, and give the same tokens.
  const c = greedy("bf16", "raw_fox");
  const dir = variantOf(tinyModelDir(c), (out) => {
    fs.rmSync(path.join(out, "model.safetensors"));
    const ckpt = openCheckpoint(tinyModelDir(c));
    const tensors = Object.fromEntries(ckpt.names().map((n) => [n, ckpt.get(n)]));
    tensors["lm_head.weight"] = tensors["model.embed_tokens.weight"];
    writeSafetensors(path.join(out, "model.safetensors"), tensors, { format: "pt" });
    editConfig(out, (config) => (config.tie_word_embeddings = false));
  });
  await expectGreedyTokens(dir, c);
  // And a broken untied checkpoint (no lm_head) is refused by name, not run with garbage.
  const noHead = variantOf(tinyModelDir(c), (out) => editConfig(out, (config) => (config.tie_word_embeddings = false)));
  expect(() => new ref.Qwen2ModelWeek1(load(noHead))).toThrow(/lm_head\.weight/);
});

test("week1_ref_tiny_model_4bit_from_hugging_face_cache_id", async () => {
  const c = greedy("4bit", "raw_fox");
  const hub = tmpDir();
  const repo = path.join(hub, "models--tiny-llm--qwen2-tiny-4bit");
  const snapshot = path.join(repo, "snapshots", "0123abcd");
  fs.mkdirSync(path.join(repo, "refs"), { recursive: true });
  fs.mkdirSync(path.join(repo, "blobs"));
  fs.mkdirSync(snapshot, { recursive: true });
  fs.writeFileSync(path.join(repo, "refs", "main"), "0123abcd");
  // Snapshot files are links into blobs/, as huggingface-cli lays them out.
  for (const f of fs.readdirSync(tinyModelDir(c)).filter((f) => !f.startsWith("."))) {
    const blob = path.join(repo, "blobs", `blob-${f}`);
    fs.symlinkSync(path.join(tinyModelDir(c), f), blob);
    fs.symlinkSync(path.relative(snapshot, blob), path.join(snapshot, f));
  }
  const saved = process.env.HF_HUB_CACHE;
  process.env.HF_HUB_CACHE = hub;
  try {
    await expectGreedyTokens("tiny-llm/qwen2-tiny-4bit", c);
  } finally {
    if (saved === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = saved;
  }
});
