// Reading the JSON files of a checkpoint (config.json, generation_config.json, ...),
// with errors that name the file.
import * as fs from "node:fs";
import { LoaderError } from "./errors";

/** A JSON object as parsed (values not yet checked). */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(x: unknown): x is JsonObject {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Parses `file`, which must hold a JSON object. */
export function readJsonObject(file: string): JsonObject {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new LoaderError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check that the file exists and is readable`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new LoaderError(`${file} is not valid JSON (${(e as Error).message}); the file is damaged: download it again`);
  }
  if (!isJsonObject(value)) {
    throw new LoaderError(`${file} holds ${describeJson(value)}, expected a JSON object; the file is damaged: download it again`);
  }
  return value;
}

/** "a string", "an array", "null", ... for messages. */
export function describeJson(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (typeof x === "object") return "an object";
  return `${typeof x} ${JSON.stringify(x)}`;
}
