// A real checkpoint folder with random bf16 weights, in the exact shapes of a Qwen2
// config: what `pnpm bench` loads with load() like any downloaded model. Written as
// one shard per layer (plus one for the embeddings) with model.safetensors.index.json,
// so that only one shard's arrays are in memory at a time (Qwen2-0.5B: ~1 GB in all,
// 272 MB for the embedding shard).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import * as mx from "@tiny-llm/array";
import { writeQwenTokenizer, writeSafetensors } from "@tiny-llm/loader";

import { globalTensors, layerTensors, shapesOf, type ShapesConfig, type TensorSpec } from "./qwen2-shapes";

function makeTensor(spec: TensorSpec, seed: number): mx.array {
  if (spec.init === "ones") return mx.ones(spec.shape, "bfloat16");
  // Weight values do not change the timings. Uniform on +-0.02 sqrt(3) has the standard
  // deviation of a fresh model's N(0, 0.02), keeps activations finite, and is drawn
  // 2.5x faster than normal samples (the draws are most of the time this takes).
  const a = 0.02 * Math.sqrt(3);
  return mx.random.uniform(spec.shape, { low: -a, high: a, dtype: "bfloat16", key: mx.random.key(seed) });
}

/** Writes config.json, the tokenizer and random bf16 weights for `config` into `dir` (which must exist). */
export function writeRandomCheckpoint(dir: string, config: ShapesConfig): void {
  const s = shapesOf(config);
  const shards: TensorSpec[][] = [globalTensors(s), ...Array.from({ length: s.layers }, (_, i) => layerTensors(s, i))];
  const n = String(shards.length).padStart(5, "0");
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  let seed = 1;
  shards.forEach((specs, i) => {
    const file = `model-${String(i + 1).padStart(5, "0")}-of-${n}.safetensors`;
    const tensors: Record<string, mx.array> = {};
    for (const spec of specs) {
      tensors[spec.name] = makeTensor(spec, seed++);
      weightMap[spec.name] = file;
      totalSize += tensors[spec.name].nbytes;
    }
    writeSafetensors(path.join(dir, file), tensors, { format: "pt" });
  });
  const index = { metadata: { total_size: totalSize }, weight_map: weightMap };
  fs.writeFileSync(path.join(dir, "model.safetensors.index.json"), JSON.stringify(index, null, 2) + "\n");
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(config, null, 2) + "\n");
  writeQwenTokenizer(dir);
}

/**
 * A random checkpoint in a temporary folder, written on the first `dir()` (so that a
 * bench that fails first, on an exercise not written yet, writes nothing) and shared by
 * every later caller; `remove()` deletes it.
 */
export class SharedRandomCheckpoint {
  private folder: string | null = null;

  constructor(
    private readonly config: ShapesConfig,
    private readonly label: string,
  ) {}

  dir(): string {
    if (this.folder === null) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tiny-llm-bench-${this.label}-`));
      const t = performance.now();
      writeRandomCheckpoint(dir, this.config);
      const bytes = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
      console.log(`wrote a random ${this.label} checkpoint (bf16, ${(bytes / 1e9).toFixed(2)} GB) to ${dir} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      this.folder = dir;
    }
    return this.folder;
  }

  remove(): void {
    if (this.folder !== null) fs.rmSync(this.folder, { recursive: true, force: true });
    this.folder = null;
  }
}
