// An MLX 4-bit copy of a bf16 checkpoint folder, shard by shard, with the quantizer that
// makes the tiny model's 4-bit folder: every matrix (the linear layers and the tied
// embedding) packed with its scales and biases, biases and norms kept as they are.
// For the bench's random weights only: the timings do not depend on the values, so each
// shape is quantized once (layer 0's matrices, the embedding) and its codes reused by
// every later matrix of that shape; the quantizer is JavaScript and would otherwise
// take most of a minute on Qwen2-0.5B. Speculative decoding's pairs are the exception:
// their values matter (QuantizedCopyOptions).
import * as fs from "node:fs";
import * as path from "node:path";

import * as mx from "@tiny-llm/array";
import { openCheckpoint, writeQwenTokenizer, writeSafetensors } from "@tiny-llm/loader";
import { dequantizeLinear } from "@tiny-llm/tiny-llm-week1-ref";
import { quantizeAffine, type QuantizedTensor } from "@tiny-llm/tiny-model";

/** How writeQuantizedCheckpoint quantizes, and what else it writes. */
export interface QuantizedCopyOptions {
  /**
   * Quantize every matrix itself rather than reuse codes by shape, so that the copy
   * computes what `from` does up to rounding (a speculative draft must agree with its
   * bf16 original; about half a minute longer at Qwen2-0.5B's shapes).
   */
  exact?: boolean;
  /**
   * Also write, into this folder, the bf16 checkpoint of the copy's dequantized weights
   * (implies exact): a bf16 model whose weights lie on its 4-bit copy's grid, as
   * quantization-aware training leaves them.
   */
  dequantizedTo?: string;
}

/** Writes `from`'s (random) weights quantized (`bits` bits, groups of `groupSize`) into `to` (which must exist). */
export function writeQuantizedCheckpoint(from: string, to: string, groupSize: number, bits: number, opts: QuantizedCopyOptions = {}): void {
  const { dequantizedTo } = opts;
  const exact = opts.exact === true || dequantizedTo !== undefined;
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
      const dequantized: Record<string, mx.array> = {};
      for (const name of names) {
        const w = ckpt.get(name);
        const parts: Record<string, mx.array> = {};
        dequantized[name] = w;
        if (w.ndim === 2) {
          const base = name.slice(0, -".weight".length);
          const shape = `${w.shape}`;
          const q = (exact ? undefined : byShape.get(shape)) ?? quantizeAffine(w, groupSize, bits);
          if (!exact) byShape.set(shape, q);
          Object.assign(parts, { [name]: q.weight, [`${base}.scales`]: q.scales, [`${base}.biases`]: q.biases });
          if (dequantizedTo !== undefined) dequantized[name] = dequantizeLinear(q.weight, q.scales, q.biases, groupSize, bits).astype("bfloat16");
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
      if (dequantizedTo !== undefined) writeSafetensors(path.join(dequantizedTo, file), dequantized, { format: "pt" });
    }
    const index = { metadata: { total_size: totalSize }, weight_map: weightMap };
    fs.writeFileSync(path.join(to, "model.safetensors.index.json"), JSON.stringify(index, null, 2) + "\n");
    const config = JSON.parse(fs.readFileSync(path.join(from, "config.json"), "utf8"));
    const quantization = { group_size: groupSize, bits };
    fs.writeFileSync(path.join(to, "config.json"), JSON.stringify({ ...config, quantization, quantization_config: quantization }, null, 2) + "\n");
    writeQwenTokenizer(to);
    if (dequantizedTo !== undefined) {
      // Same names, shapes and dtypes as `from`: its config (and index, when sharded) describe this folder too.
      for (const f of ["model.safetensors.index.json", "config.json"]) {
        if (fs.existsSync(path.join(from, f))) fs.copyFileSync(path.join(from, f), path.join(dequantizedTo, f));
      }
      writeQwenTokenizer(dequantizedTo);
    }
  } finally {
    ckpt.close();
  }
}
