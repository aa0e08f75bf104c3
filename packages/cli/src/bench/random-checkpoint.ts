// A real checkpoint folder with random bf16 weights, in the exact shapes of a Qwen2
// config: what `pnpm bench` loads with load() like any downloaded model. Written as
// one shard per layer (plus one for the embeddings) with model.safetensors.index.json,
// so that only one shard's arrays are in memory at a time (Qwen2-0.5B: ~1 GB in all,
// 272 MB for the embedding shard). With `quantization`, every matrix is written in MLX's
// affine layout straight away (random codes), as writeQuantizedCheckpoint would leave a
// bf16 folder's copy, without the bf16 folder (Qwen2-7B's is 15 GB).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import * as mx from "@tiny-llm/array";
import { writeQwenTokenizer, writeSafetensors } from "@tiny-llm/loader";

import { globalTensors, layerTensors, shapesOf, type ShapesConfig, type TensorSpec } from "./qwen2-shapes";

/** MLX's affine quantization of every matrix: config.json's `quantization`. */
export interface Quantization {
  group_size: number;
  bits: number;
}

// Weight values do not change the timings. Uniform on +-0.02 sqrt(3) has the standard
// deviation of a fresh model's N(0, 0.02), keeps activations finite, and is drawn
// 2.5x faster than normal samples (the draws are most of the time this takes).
const HALF_RANGE = 0.02 * Math.sqrt(3);

/** The tensor(s) of `spec`, by name: a matrix quantized is its codes, `.scales` and `.biases`. */
function makeTensors(spec: TensorSpec, seed: number, quantization?: Quantization): Record<string, mx.array> {
  if (spec.init === "ones") return { [spec.name]: mx.ones(spec.shape, "bfloat16") };
  const key = mx.random.key(seed);
  if (quantization === undefined || spec.shape.length !== 2) {
    return { [spec.name]: mx.random.uniform(spec.shape, { low: -HALF_RANGE, high: HALF_RANGE, dtype: "bfloat16", key }) };
  }
  // Uniform codes, and the same scale and bias in every group: w = q * scale + bias spans +-HALF_RANGE.
  const { group_size: group, bits } = quantization;
  const [O, K] = spec.shape;
  const scale = (2 * HALF_RANGE) / (2 ** bits - 1);
  const base = spec.name.slice(0, -".weight".length);
  return {
    [spec.name]: mx.random.bits([O, (K * bits) / 32], { key }),
    [`${base}.scales`]: mx.full([O, K / group], scale, "bfloat16"),
    [`${base}.biases`]: mx.full([O, K / group], -HALF_RANGE, "bfloat16"),
  };
}

/**
 * Writes config.json, the tokenizer and random weights for `config` into `dir` (which
 * must exist): bf16, or every matrix packed as `quantization` says.
 */
export function writeRandomCheckpoint(dir: string, config: ShapesConfig, quantization?: Quantization): void {
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
      for (const [name, t] of Object.entries(makeTensors(spec, seed++, quantization))) {
        tensors[name] = t;
        weightMap[name] = file;
        totalSize += t.nbytes;
      }
    }
    writeSafetensors(path.join(dir, file), tensors, { format: quantization === undefined ? "pt" : "mlx" });
  });
  const index = { metadata: { total_size: totalSize }, weight_map: weightMap };
  fs.writeFileSync(path.join(dir, "model.safetensors.index.json"), JSON.stringify(index, null, 2) + "\n");
  const quantized = quantization === undefined ? {} : { quantization, quantization_config: quantization };
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...config, ...quantized }, null, 2) + "\n");
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
    private readonly quantization?: Quantization,
  ) {}

  dir(): string {
    if (this.folder === null) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tiny-llm-bench-${this.label}-`));
      const t = performance.now();
      writeRandomCheckpoint(dir, this.config, this.quantization);
      const bytes = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
      const q = this.quantization;
      console.log(`wrote a random ${this.label} checkpoint (${q === undefined ? "bf16" : `MLX ${q.bits}-bit, group ${q.group_size}`}, ${(bytes / 1e9).toFixed(2)} GB) to ${dir} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      this.folder = dir;
    }
    return this.folder;
  }

  remove(): void {
    if (this.folder !== null) fs.rmSync(this.folder, { recursive: true, force: true });
    this.folder = null;
  }
}
