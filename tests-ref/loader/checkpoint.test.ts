// Checkpoint: the weights of a folder, in one file, in shards named by an index, or in
// any *.safetensors files; MLX-quantized tensors come back packed, unchanged.
import * as fs from "node:fs";
import * as path from "node:path";
import * as mx from "@tiny-llm/array";
import { Checkpoint, openCheckpoint, writeSafetensors } from "@tiny-llm/loader";
import { loaderError, useTmpDirs, writeJson } from "./helpers";

describe("loader_checkpoint", () => {
  const tmp = useTmpDirs();
  const open: Checkpoint[] = [];
  const openCk = (dir: string) => {
    const c = openCheckpoint(dir);
    open.push(c);
    return c;
  };
  afterAll(() => open.forEach((c) => c.close()));

  const embed = mx.arange(0, 12, 1, "float32").reshape([4, 3]).astype("bfloat16");
  const norm = mx.array([1, 2, 3], "float32");
  const q = mx.array([[1, 2, 3]], "float32");

  /** A folder with two shards and their index. */
  function sharded(): string {
    const dir = tmp();
    writeSafetensors(path.join(dir, "model-00001-of-00002.safetensors"), { "model.embed_tokens.weight": embed, "model.norm.weight": norm });
    writeSafetensors(path.join(dir, "model-00002-of-00002.safetensors"), { "model.layers.0.self_attn.q_proj.weight": q });
    writeJson(dir, "model.safetensors.index.json", {
      metadata: { total_size: 24 + 12 + 12 },
      weight_map: {
        "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
        "model.layers.0.self_attn.q_proj.weight": "model-00002-of-00002.safetensors",
        "model.norm.weight": "model-00001-of-00002.safetensors",
      },
    });
    return dir;
  }

  it("loader_checkpoint_single_file", () => {
    const dir = tmp();
    writeSafetensors(path.join(dir, "model.safetensors"), { "model.embed_tokens.weight": embed, "model.norm.weight": norm }, { format: "pt" });
    writeSafetensors(path.join(dir, "stray.safetensors"), { other: norm }); // ignored: model.safetensors wins
    const c = openCk(dir);
    expect(c.names()).toEqual(["model.embed_tokens.weight", "model.norm.weight"]);
    expect(c.has("model.norm.weight")).toBe(true);
    expect(c.has("other")).toBe(false);
    expect(c.files.map((f) => path.basename(f.file))).toEqual(["model.safetensors"]);
    const e = c.get("model.embed_tokens.weight");
    expect([e.dtype, e.shape, e.toArray()]).toEqual(["bfloat16", [4, 3], embed.toArray()]);
    expect(c.info("model.norm.weight")).toMatchObject({ dtype: "F32", shape: [3], file: path.join(dir, "model.safetensors") });
    expect(c.metadata()).toEqual({ format: "pt" });
  });

  it("loader_checkpoint_get_onto_the_gpu", async () => {
    await mx.gpu.init();
    const c = openCk(sharded());
    c.device = "gpu";
    let read = 0;
    c.onRead = (bytes) => (read = bytes);
    const e = c.get("model.embed_tokens.weight");
    expect([e.device, e.dtype, e.shape, await e.toArrayAsync()]).toEqual(["gpu", "bfloat16", [4, 3], embed.toArray()]);
    expect(read).toBe(24); // progress counts the bytes read, as on the CPU
    c.device = "cpu";
    expect(c.get("model.norm.weight").device).toBe("cpu");
  });

  it("loader_checkpoint_sharded_with_index", () => {
    const dir = sharded();
    const c = openCk(dir);
    expect(c.names()).toEqual(["model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight", "model.norm.weight"]);
    expect(c.files.map((f) => path.basename(f.file))).toEqual(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]);
    expect(c.info("model.layers.0.self_attn.q_proj.weight").file).toBe(path.join(dir, "model-00002-of-00002.safetensors"));
    expect(c.get("model.layers.0.self_attn.q_proj.weight").toArray()).toEqual([[1, 2, 3]]);
    expect(c.get("model.norm.weight").toArray()).toEqual([1, 2, 3]);
    expect(loaderError(() => c.get("lm_head.weight"))).toContain(`the checkpoint in ${dir} has no tensor "lm_head.weight" (it has 3`);
    c.close();
    expect(loaderError(() => c.get("model.norm.weight"))).toContain("is closed");
  });

  it("loader_checkpoint_index_names_missing_shard", () => {
    const dir = sharded();
    fs.rmSync(path.join(dir, "model-00002-of-00002.safetensors"));
    expect(loaderError(() => openCk(dir))).toBe(
      `${path.join(dir, "model.safetensors.index.json")} names shard model-00002-of-00002.safetensors, which is not in ${dir}; the download is incomplete: download the model again`,
    );
  });

  it("loader_checkpoint_index_and_shard_disagree", () => {
    const dir = sharded();
    const index = path.join(dir, "model.safetensors.index.json");
    const j = JSON.parse(fs.readFileSync(index, "utf8"));
    j.weight_map["model.norm.weight"] = "model-00002-of-00002.safetensors";
    writeJson(dir, "model.safetensors.index.json", j);
    expect(loaderError(() => openCk(dir))).toContain(`${index} places tensor "model.norm.weight" in model-00002-of-00002.safetensors, but that file has no such tensor`);
    writeJson(dir, "model.safetensors.index.json", { weight_map: { x: 3 } });
    expect(loaderError(() => openCk(dir))).toContain(`${index}: tensor "x" maps to 3, expected a file name`);
    writeJson(dir, "model.safetensors.index.json", { metadata: {} });
    expect(loaderError(() => openCk(dir))).toContain(`${index} has no "weight_map" object`);
    fs.writeFileSync(index, "{ not json");
    expect(loaderError(() => openCk(dir))).toContain(`${index} is not valid JSON`);
  });

  it("loader_checkpoint_damaged_shard_named", () => {
    const dir = sharded();
    const shard = path.join(dir, "model-00001-of-00002.safetensors");
    fs.truncateSync(shard, fs.statSync(shard).size - 1);
    expect(loaderError(() => openCk(dir))).toMatch(new RegExp(`^${shard} is truncated: expected \\d+ bytes, has \\d+; download it again$`));
  });

  it("loader_checkpoint_any_safetensors_without_index", () => {
    const dir = tmp();
    writeSafetensors(path.join(dir, "weights-b.safetensors"), { "model.norm.weight": norm });
    writeSafetensors(path.join(dir, "weights-a.safetensors"), { "model.embed_tokens.weight": embed });
    fs.writeFileSync(path.join(dir, "README.md"), "not weights");
    const c = openCk(dir);
    expect(c.names()).toEqual(["model.embed_tokens.weight", "model.norm.weight"]);
    expect(c.get("model.norm.weight").toArray()).toEqual([1, 2, 3]);
    writeSafetensors(path.join(dir, "weights-c.safetensors"), { "model.norm.weight": norm });
    expect(loaderError(() => openCk(dir))).toContain(`tensor "model.norm.weight" is in both ${path.join(dir, "weights-b.safetensors")} and ${path.join(dir, "weights-c.safetensors")}`);
  });

  it("loader_checkpoint_no_weights", () => {
    const dir = tmp();
    writeJson(dir, "config.json", {});
    expect(loaderError(() => Checkpoint.open(dir))).toBe(
      `${dir} has no weights: expected model.safetensors, or model.safetensors.index.json and its shards; download the model's *.safetensors files`,
    );
  });

  it("loader_checkpoint_quantized_tensors_stay_packed", () => {
    // An MLX 4-bit linear layer, 2 x 64 with group size 32: 8 codes per uint32 word.
    const dir = tmp();
    const words = Uint32Array.from({ length: 2 * 8 }, (_, i) => (0x76543210 + i * 0x11111111) >>> 0);
    const weight = mx.fromBuffer(words.buffer, "uint32", [2, 8]);
    const scales = mx.array([[0.5, 0.25], [1, 2]], "bfloat16");
    const biases = mx.array([[-1, 0], [0.5, -0.5]], "bfloat16");
    writeSafetensors(path.join(dir, "model.safetensors"), {
      "model.layers.0.mlp.down_proj.weight": weight,
      "model.layers.0.mlp.down_proj.scales": scales,
      "model.layers.0.mlp.down_proj.biases": biases,
    }, { format: "mlx" });
    const c = openCk(dir);
    const w = c.get("model.layers.0.mlp.down_proj.weight");
    expect([w.dtype, w.shape]).toEqual(["uint32", [2, 8]]);
    expect(Array.from(w.toTypedArray())).toEqual(Array.from(words));
    expect(c.get("model.layers.0.mlp.down_proj.scales").toArray()).toEqual([[0.5, 0.25], [1, 2]]);
    expect(c.get("model.layers.0.mlp.down_proj.biases").dtype).toBe("bfloat16");
    expect(c.metadata()).toEqual({ format: "mlx" });
  });
});
