// A Qwen2 model with random weights as a GGUF file llama.cpp loads (arch "qwen2"): the
// metadata its loader reads, the real Qwen vocabulary and merges (llama.cpp's BPE
// tokenizer requires both, and the vocabulary's size must equal the embedding's rows),
// and the tensors under llama.cpp's names. Matmul weights in F16 or Q4_0 (embedding
// included; the output head is tied to it, so there is no output.weight); norms and
// biases in F32, as llama.cpp keeps them.
import * as fs from "node:fs";

import { qwenTokenizerFiles } from "@tiny-llm/loader";

import { writeGguf, type GgufTensor, type GgufValue } from "./gguf";
import { shapesOf, type QWEN2_0_5B_CONFIG } from "./qwen2-shapes";

export type GgufWeights = "F16" | "Q4_0";

/** llama_ftype of a file whose matmul weights are all of one type. */
const FILE_TYPE: Record<GgufWeights, number> = { F16: 1, Q4_0: 2 };

/** llama.cpp's token types (llama_token_type). */
const TOKEN_TYPE = { NORMAL: 1, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5 };

interface TokenizerJson {
  model: { vocab: Record<string, number>; merges: ([string, string] | string)[] };
  added_tokens: { id: number; content: string; special: boolean }[];
}

/** tokenizer.ggml.* for a vocabulary of `vocabSize` ids: Qwen's tokens, then "[PAD<id>]" up to the size (as convert_hf_to_gguf.py does). */
function tokenizerMetadata(vocabSize: number, config: typeof QWEN2_0_5B_CONFIG): Record<string, GgufValue> {
  const tok = JSON.parse(fs.readFileSync(qwenTokenizerFiles().tokenizerJson, "utf8")) as TokenizerJson;
  const tokens: string[] = Array.from({ length: vocabSize }, (_, i) => `[PAD${i}]`);
  const types = new Int32Array(vocabSize).fill(TOKEN_TYPE.UNUSED);
  for (const [text, id] of Object.entries(tok.model.vocab)) {
    if (id < vocabSize) { tokens[id] = text; types[id] = TOKEN_TYPE.NORMAL; }
  }
  for (const t of tok.added_tokens) {
    if (t.id < vocabSize) { tokens[t.id] = t.content; types[t.id] = t.special ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED; }
  }
  return {
    "tokenizer.ggml.model": { string: "gpt2" },
    "tokenizer.ggml.pre": { string: "qwen2" },
    "tokenizer.ggml.tokens": { strings: tokens },
    "tokenizer.ggml.token_type": { i32s: types },
    "tokenizer.ggml.merges": { strings: tok.model.merges.map((m) => (typeof m === "string" ? m : m.join(" "))) },
    "tokenizer.ggml.bos_token_id": { u32: config.bos_token_id },
    "tokenizer.ggml.eos_token_id": { u32: config.eos_token_id },
    "tokenizer.ggml.padding_token_id": { u32: config.bos_token_id },
  };
}

/**
 * Fills with uniform values on +-0.02 sqrt(3) (a fresh model's standard deviation, as
 * random-checkpoint.ts), from a xorshift32 stream: chunks must be asked for in order.
 */
function uniformFill(seed: number): GgufTensor["fill"] {
  let s = (seed * 2654435761) >>> 0 || 1;
  const a = 0.02 * Math.sqrt(3);
  const scale = (2 * a) / 4294967296;
  return (out) => {
    let x = s; // a local: the loop keeps it in a register
    for (let i = 0; i < out.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = (x >>> 0) * scale - a;
    }
    s = x >>> 0;
  };
}

const onesFill: GgufTensor["fill"] = (out) => out.fill(1);

/** The tensors under llama.cpp's qwen2 names, matmul weights as `weights`. */
function qwen2Tensors(config: typeof QWEN2_0_5B_CONFIG, weights: GgufWeights): GgufTensor[] {
  const s = shapesOf(config);
  const q = s.heads * s.headDim, kv = s.kvHeads * s.headDim;
  let seed = 1;
  const matrix = (name: string, rows: number, cols: number): GgufTensor => ({ name, shape: [rows, cols], type: weights, fill: uniformFill(seed++) });
  const bias = (name: string, n: number): GgufTensor => ({ name, shape: [n], type: "F32", fill: uniformFill(seed++) });
  const norm = (name: string): GgufTensor => ({ name, shape: [s.hidden], type: "F32", fill: onesFill });
  const tensors = [matrix("token_embd.weight", s.vocab, s.hidden), norm("output_norm.weight")];
  for (let i = 0; i < s.layers; i++) {
    const p = `blk.${i}`;
    tensors.push(
      norm(`${p}.attn_norm.weight`),
      matrix(`${p}.attn_q.weight`, q, s.hidden), bias(`${p}.attn_q.bias`, q),
      matrix(`${p}.attn_k.weight`, kv, s.hidden), bias(`${p}.attn_k.bias`, kv),
      matrix(`${p}.attn_v.weight`, kv, s.hidden), bias(`${p}.attn_v.bias`, kv),
      matrix(`${p}.attn_output.weight`, s.hidden, q),
      norm(`${p}.ffn_norm.weight`),
      matrix(`${p}.ffn_gate.weight`, s.intermediate, s.hidden),
      matrix(`${p}.ffn_up.weight`, s.intermediate, s.hidden),
      matrix(`${p}.ffn_down.weight`, s.hidden, s.intermediate),
    );
  }
  return tensors;
}

/** Writes `file`: a GGUF of `config`'s shapes with random weights, matmul weights as `weights`. */
export function writeQwen2Gguf(file: string, config: typeof QWEN2_0_5B_CONFIG, weights: GgufWeights): void {
  const s = shapesOf(config);
  const metadata: Record<string, GgufValue> = {
    "general.architecture": { string: "qwen2" },
    "general.name": { string: `tiny-llm bench, random weights in ${config.architectures[0]} shapes` },
    "general.file_type": { u32: FILE_TYPE[weights] },
    "general.quantization_version": { u32: 2 },
    "qwen2.block_count": { u32: s.layers },
    "qwen2.context_length": { u32: config.max_position_embeddings },
    "qwen2.embedding_length": { u32: s.hidden },
    "qwen2.feed_forward_length": { u32: s.intermediate },
    "qwen2.attention.head_count": { u32: s.heads },
    "qwen2.attention.head_count_kv": { u32: s.kvHeads },
    "qwen2.rope.freq_base": { f32: config.rope_theta },
    "qwen2.attention.layer_norm_rms_epsilon": { f32: config.rms_norm_eps },
    ...tokenizerMetadata(s.vocab, config),
  };
  writeGguf(file, metadata, qwen2Tensors(config, weights));
}
