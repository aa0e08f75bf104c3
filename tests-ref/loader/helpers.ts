// Shared by the loader suites: temporary folders, hand-made safetensors bytes, a real
// Qwen2 config, and a check that a call fails with a one-line LoaderError.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LoaderError } from "@tiny-llm/loader";

/** A fresh temporary folder, removed after the suite. Call inside describe(). */
export function useTmpDirs(): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-loader-"));
    made.push(d);
    return d;
  };
}

/** The bytes of a safetensors file: header length (or `headerLength`), header (JSON, or raw bytes), data. */
export function rawSafetensors(header: unknown, data: ArrayLike<number> = [], headerLength?: bigint): Buffer {
  const json = Buffer.isBuffer(header) ? header : Buffer.from(typeof header === "string" ? header : JSON.stringify(header), "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(headerLength ?? BigInt(json.length));
  return Buffer.concat([len, json, Buffer.from(Uint8Array.from(data))]);
}

/** Runs `fn`, which must throw a LoaderError with a one-line message; returns the message. */
export function loaderError(fn: () => unknown): string {
  let thrown: unknown = undefined;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(LoaderError);
  const e = thrown as LoaderError;
  expect(e.name).toBe("LoaderError");
  expect(e.message).not.toContain("\n");
  return e.message;
}

/** config.json of Qwen/Qwen2-0.5B-Instruct, as published (kept with the bench, which builds checkpoints of its shapes). */
export { QWEN2_0_5B_CONFIG } from "../../packages/cli/src/bench/qwen2-shapes";

/** config.json of Qwen/Qwen3-0.6B, as published (bf16, tied embeddings, head_dim 128). */
export { QWEN3_0_6B_CONFIG } from "../../packages/cli/src/bench/qwen2-shapes";

/** generation_config.json of Qwen/Qwen2-0.5B-Instruct, as published. */
export const QWEN2_0_5B_GENERATION_CONFIG = {
  bos_token_id: 151643,
  pad_token_id: 151643,
  do_sample: true,
  eos_token_id: [151645, 151643],
  repetition_penalty: 1.1,
  temperature: 0.7,
  top_p: 0.8,
  top_k: 20,
  transformers_version: "4.37.0",
};

/** Writes `value` as JSON to dir/name; returns the path. */
export function writeJson(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}

/**
 * Writes a tiny byte-level BPE tokenizer (vocabulary "a", "b", "ab" and the special
 * token <|im_end|>) with `tokenizerConfig` into `dir`: for tests of what does not
 * depend on the vocabulary (chat templates), without the second it takes to build
 * the real Qwen tokenizer.
 */
export function writeTinyTokenizer(dir: string, tokenizerConfig: Record<string, unknown>): void {
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false };
  writeJson(dir, "tokenizer.json", {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [{ id: 3, content: "<|im_end|>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab: { a: 0, b: 1, ab: 2 }, merges: ["a b"] },
  });
  writeJson(dir, "tokenizer_config.json", tokenizerConfig);
}
