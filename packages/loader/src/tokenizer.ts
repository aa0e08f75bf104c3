// The tokenizer and chat template of a checkpoint: tokenizer.json (the vocabulary,
// merges, pre-tokenizer, added tokens) run by @huggingface/tokenizers, and the Jinja
// chat template run by @huggingface/jinja: the two pieces transformers.js is built on.
import * as fs from "node:fs";
import * as path from "node:path";
import { Template } from "@huggingface/jinja";
import { Tokenizer as HFTokenizer } from "@huggingface/tokenizers";
import { readChatTemplate } from "./chat-template";
import { LoaderError } from "./errors";
import { isJsonObject, JsonObject, readJsonObject } from "./json-file";

/** One turn of a conversation. */
export interface ChatMessage {
  role: "system" | "user" | "assistant" | (string & {});
  content: string;
}

export interface ChatTemplateOptions {
  /** End with the header of an assistant turn, so that the model writes the reply. */
  addGenerationPrompt: boolean;
  /** More template variables (e.g. Qwen3's `enable_thinking: false`). */
  extra?: Record<string, unknown>;
}

/** A special token of tokenizer_config.json: a string, or an AddedToken object. */
function tokenText(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (isJsonObject(v) && typeof v.content === "string") return v.content;
  return null;
}

/** Text <-> token ids, and conversations -> prompt text. */
export class Tokenizer {
  private readonly hf: HFTokenizer;
  private compiledTemplate: Template | null = null;
  /** tokenizer_config.json's tokens, or null: */
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  readonly padToken: string | null;
  readonly unkToken: string | null;
  /** Ids of bosToken / eosToken, or null. Qwen2: eosTokenId 151645 (<|im_end|>), no bos. */
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  /** Ids of the added tokens marked special (<|endoftext|>, <|im_start|>, ...). */
  readonly specialTokenIds: ReadonlySet<number>;
  /** Tokens in the vocabulary, added tokens included (the embedding may have more rows). */
  readonly vocabSize: number;

  /**
   * `tokenizerJson` and `tokenizerConfig` are the parsed files; `chatTemplate` the
   * Jinja source or null; `source` names the folder in messages.
   */
  constructor(tokenizerJson: JsonObject, readonly tokenizerConfig: JsonObject, readonly chatTemplate: string | null, readonly source: string) {
    try {
      this.hf = new HFTokenizer(tokenizerJson, tokenizerConfig);
    } catch (e) {
      throw new LoaderError(`cannot build the tokenizer of ${source} (${(e as Error).message}); its tokenizer.json is not one @huggingface/tokenizers supports, or is damaged`);
    }
    this.bosToken = tokenText(tokenizerConfig.bos_token);
    this.eosToken = tokenText(tokenizerConfig.eos_token);
    this.padToken = tokenText(tokenizerConfig.pad_token);
    this.unkToken = tokenText(tokenizerConfig.unk_token);
    this.bosTokenId = this.bosToken === null ? null : this.tokenToId(this.bosToken);
    this.eosTokenId = this.eosToken === null ? null : this.tokenToId(this.eosToken);
    const added = [...this.hf.get_added_tokens_decoder().values()];
    this.specialTokenIds = new Set(added.filter((t) => t.special).map((t) => t.id));
    this.vocabSize = this.hf.get_vocab(true).size;
  }

  /** Token ids of `text`. addSpecialTokens (default true, as in transformers) adds BOS/EOS where the tokenizer's post-processor does (Qwen: none). */
  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    return this.hf.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  /** The text of `ids`; skipSpecialTokens (default false) drops <|im_end|> and the like. */
  decode(ids: number[], options: { skipSpecialTokens?: boolean } = {}): string {
    if (ids.length === 0) return ""; // @huggingface/tokenizers refuses an empty list
    return this.hf.decode(ids, { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  /** The id of a token string (e.g. "<|im_end|>"), or null if not in the vocabulary. */
  tokenToId(token: string): number | null {
    return this.hf.token_to_id(token) ?? null;
  }

  /** The token string of an id, or null. */
  idToToken(id: number): string | null {
    return this.hf.id_to_token(id) ?? null;
  }

  /**
   * Renders a conversation with the checkpoint's chat template into prompt text
   * (encode it with addSpecialTokens false if the template writes BOS itself).
   * The template sees messages, add_generation_prompt, bos_token, eos_token,
   * pad_token, unk_token and `extra`.
   */
  applyChatTemplate(messages: ChatMessage[], options: ChatTemplateOptions): string {
    if (this.chatTemplate === null) {
      throw new LoaderError(`the tokenizer of ${this.source} has no chat template (no chat_template in tokenizer_config.json, no chat_template.jinja): use an -Instruct checkpoint, or add a chat_template.jinja to the folder`);
    }
    try {
      this.compiledTemplate ??= new Template(this.chatTemplate);
      return this.compiledTemplate.render({
        messages,
        add_generation_prompt: options.addGenerationPrompt,
        bos_token: this.bosToken ?? "",
        eos_token: this.eosToken ?? "",
        pad_token: this.padToken ?? "",
        unk_token: this.unkToken ?? "",
        ...options.extra,
      });
    } catch (e) {
      throw new LoaderError(`the chat template of ${this.source} failed (${(e as Error).message}); check the messages (role and content strings) or the template`);
    }
  }
}

/**
 * Loads the tokenizer of a checkpoint folder: tokenizer.json (required),
 * tokenizer_config.json (special tokens; optional) and the chat template (see
 * readChatTemplate).
 */
export function loadTokenizer(dir: string): Tokenizer {
  const jsonFile = path.join(dir, "tokenizer.json");
  if (!fs.existsSync(jsonFile)) {
    throw new LoaderError(`${dir} has no tokenizer.json, expected the Hugging Face tokenizer file next to config.json; download the model's tokenizer files (tokenizer.json, tokenizer_config.json)`);
  }
  const configFile = path.join(dir, "tokenizer_config.json");
  const config = fs.existsSync(configFile) ? readJsonObject(configFile) : {};
  return new Tokenizer(readJsonObject(jsonFile), config, readChatTemplate(dir, config), dir);
}
