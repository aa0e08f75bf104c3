// An MLX 4-bit copy of a bf16 checkpoint folder, shard by shard, with the quantizer that
// makes the tiny model's 4-bit folder: every matrix (the linear layers and the tied
// embedding) packed with its scales and biases, biases and norms kept as they are.
// For the bench's random weights only: the timings do not depend on the values, so each
// shape is quantized once (layer 0's matrices, the embedding) and its codes reused by
// every later matrix of that shape; the quantizer is JavaScript and would otherwise
// take most of a minute on Qwen2-0.5B.
import * as fs from "node:fs";
import * as path from "node:path";

import * as mx from "@tiny-llm/array";
import { openCheckpoint, writeQwenTokenizer, writeSafetensors } from "@tiny-llm/loader";
import { quantizeAffine, type QuantizedTensor } from "@tiny-llm/tiny-model";

/** Writes `from`'s (random) weights quantized (`bits` bits, groups of `groupSize`) into `to` (which must exist). */
export function writeQuantizedCheckpoint(from: string, to: string, groupSize: number, bits: number): void {
  const ckpt = openCheckpoint(from);
  try {
    const shards = new Map<string, string[]>();
    for (const name of ckpt.names()) {
      const file = path.basename(ckpt.info(name).file);
      shards.set(file, [...(shards.get(file) ?? []), name]);
    }
    const weightMap: Record<string, string> = {};
    let totalSize = 0;
    const byShape = new Map<string, QuantizedTensor>();
    for (const [file, names] of shards) {
      const tensors: Record<string, mx.array> = {};
      for (const name of names) {
        const w = ckpt.get(name);
        const parts: Record<string, mx.array> = {};
        if (w.ndim === 2) {
          const base = name.slice(0, -".weight".length);
          const shape = `${w.shape}`;
          const q = byShape.get(shape) ?? quantizeAffine(w, groupSize, bits);
          byShape.set(shape, q);
          Object.assign(parts, { [name]: q.weight, [`${base}.scales`]: q.scales, [`${base}.biases`]: q.biases });
        } else {
          parts[name] = w;
        }
        for (const [n, t] of Object.entries(parts)) {
          tensors[n] = t;
          weightMap[n] = file;
          totalSize += t.nbytes;
        }
      }
      writeSafetensors(path.join(to, file), tensors, { format: "mlx" });
    }
    const index = { metadata: { total_size: totalSize }, weight_map: weightMap };
    fs.writeFileSync(path.join(to, "model.safetensors.index.json"), JSON.stringify(index, null, 2) + "\n");
    const config = JSON.parse(fs.readFileSync(path.join(from, "config.json"), "utf8"));
    const quantization = { group_size: groupSize, bits };
    fs.writeFileSync(path.join(to, "config.json"), JSON.stringify({ ...config, quantization, quantization_config: quantization }, null, 2) + "\n");
    writeQwenTokenizer(to);
  } finally {
    ckpt.close();
  }
}
